/**
 * Pyro's warehouse example, ported: one `Warehouse` object serves every
 * connection at once (`listen`'s factory returns the same instance for
 * each), so what one visitor stores, the next can take. Chris, Henry and
 * Sue each `connect` by URL and visit in turn.
 *
 * Run it alone with `npx ts-node samples/warehouse.ts`.
 */
import { connect, InvalidParams, JsonRpc, listen, PeerError, PeerProxy, request, Server, serviceClass } from '../lib';

type Log = (line: string) => void;

// #region warehouse
@serviceClass
export class Warehouse {
  readonly contents = ['chair', 'bike', 'flashlight', 'laptop', 'couch'];

  constructor(private readonly log: Log = console.log) {}

  @request
  list(): string[] {
    return this.contents;
  }

  @request
  take(name: string, item: string): void {
    const index = this.contents.indexOf(item);
    if (index < 0) throw new InvalidParams(`there is no ${item} in the warehouse`);
    this.contents.splice(index, 1);
    this.log(`${name} took the ${item}.`);
  }

  @request
  store(name: string, item: string): void {
    this.contents.push(item);
    this.log(`${name} stored the ${item}.`);
  }
}

/** One Warehouse for everybody: the factory hands every connection the same object. */
function startServer(warehouse: Warehouse): Promise<Server> {
  return listen('tcp://127.0.0.1:0', () => warehouse); // port 0: any free port; server.url says which
}
// #endregion

/** A visitor with their own connection to the warehouse. */
class Person {
  private constructor(
    readonly name: string,
    private readonly rpc: JsonRpc,
    private readonly warehouse: PeerProxy<Warehouse>,
    private readonly log: Log,
  ) {}

  /** Connects to the warehouse at `url` (e.g. `tcp://127.0.0.1:7000`). */
  static async enter(name: string, url: string, log: Log): Promise<Person> {
    // #region connect
    const rpc = await connect(url, null, { protocol: 'json', timeout: 5000 });
    const warehouse = rpc.getPeerProxy<Warehouse>();
    // #endregion
    return new Person(name, rpc, warehouse, log);
  }

  /** Stores one thing and takes another, as Pyro's visitors do. */
  async visit(store: string, take: string): Promise<void> {
    this.log(`This is ${this.name}.`);
    this.log(`The warehouse contains: ${(await this.warehouse.list()).join(', ')}`);
    await this.warehouse.store(this.name, store);
    try {
      await this.warehouse.take(this.name, take);
    } catch (err) {
      if (!(err instanceof PeerError)) throw err;
      this.log(`${this.name} could not take the ${take}: ${err.message} (${err.name} ${err.code})`);
    }
    this.log('Thank you, come again!');
  }

  list(): Promise<string[]> {
    return this.warehouse.list();
  }

  close(): Promise<boolean> {
    this.rpc.close();
    return this.rpc.join(2000);
  }
}

/** What the sample observed, for its test. */
export interface WarehouseResult {
  /** The contents as each visitor sees it at the end (all the same object). */
  seenBy: Record<string, string[]>;
  /** The server's log of who took and stored what. */
  serverLog: string[];
}

/** Runs the warehouse with three visitors connected at once; closes everything. */
export async function main(log: Log = console.log): Promise<WarehouseResult> {
  const serverLog: string[] = [];
  const warehouse = new Warehouse((line) => {
    serverLog.push(line);
    log(`  [warehouse] ${line}`);
  });
  const server = await startServer(warehouse);
  const people = await Promise.all(['Chris', 'Henry', 'Sue'].map((name) => Person.enter(name, server.url, log)));
  const [chris, henry, sue] = people;
  try {
    // #region visits
    await chris.visit('bowling ball', 'laptop');
    await henry.visit('guitar', 'bike');
    await sue.visit('teddy bear', 'guitar'); // what Henry just stored
    await sue.visit('kite', 'laptop'); // Chris took it: an InvalidParams error
    // #endregion
    const seenBy: Record<string, string[]> = {};
    for (const p of people) seenBy[p.name] = await p.list();
    log(`Everybody sees: ${seenBy.Chris.join(', ')}`);
    return { seenBy, serverLog };
  } finally {
    await Promise.all(people.map((p) => p.close()));
    await server.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
