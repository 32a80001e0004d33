/**
 * Pyro's warehouse across processes, part 2 of 3: the visitors. Janet and
 * Henry find the warehouse through the name server by its name
 * (`ns://…/example.warehouse`, Pyro4's `PYRONAME:example.warehouse`), each
 * store one thing and take another, as in the Pyro4 tutorial (their
 * choices are scripted instead of typed).
 *
 *   npx ts-node samples/visit.ts ns://127.0.0.1:9090/example.warehouse
 */
import { connect, PeerProxy } from '../lib';
import type { Warehouse } from './warehouse-server';

type Log = (line: string) => void;

/** Python's repr of a list of strings, as the Pyro4 article prints it. */
const repr = (items: string[]): string => `[${items.map((i) => `'${i}'`).join(', ')}]`;

/** One visitor: the Person class of the Pyro4 tutorial. */
class Person {
  constructor(
    readonly name: string,
    private readonly log: Log,
  ) {}

  async visit(warehouse: PeerProxy<Warehouse>, store: string, take: string): Promise<void> {
    this.log(`This is ${this.name}.`);
    this.log(`The warehouse contains: ${repr(await warehouse.list())}`);
    this.log(`${this.name} would like to deposit something.`);
    this.log(`Type a thing you want to store (or empty): ${store}`);
    await warehouse.store(this.name, store);
    this.log(`${this.name} would like to retrieve something.`);
    this.log(`Type something you want to take (or empty): ${take}`);
    await warehouse.take(this.name, take);
    this.log('Thank you, come again!');
  }
}

/** Janet and Henry visit the warehouse registered as `example.warehouse`. */
export async function main(url = 'ns://127.0.0.1:9090/example.warehouse', log: Log = console.log): Promise<string[]> {
  // #region connect
  const rpc = await connect(url, null, { protocol: 'json', timeout: 5000 }); // looks the name up, then connects
  const warehouse = rpc.getPeerProxy<Warehouse>();
  // #endregion
  try {
    await new Person('Janet', log).visit(warehouse, 'television', 'couch');
    await new Person('Henry', log).visit(warehouse, 'bicycle', 'television');
    return await warehouse.list();
  } finally {
    rpc.close();
  }
}

if (require.main === module) {
  main(process.argv[2]).catch((err: Error) => {
    console.error(err.message);
    process.exitCode = 3;
  });
}
