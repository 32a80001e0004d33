/**
 * `npm start`: a guided tour. One server (`listen`) and two clients
 * (`connect`) on 127.0.0.1 exchange requests, notifications, a callback in the middle of a request,
 * a batch, errors, and binary data with dates over BSON-RPC; then
 * everything closes and the process exits.
 *
 * In your own code, import from 'bsonrpc' instead of '../lib'.
 */
import { createHash } from 'node:crypto';
import { inspect } from 'node:util';
import {
  AnyRpc,
  connect,
  InvalidParams,
  listen,
  notification,
  PeerError,
  request,
  rpcRequest,
  RpcContext,
  serviceClass,
} from '../lib';

type Print = (line: string) => void;
const show = (value: unknown): string => inspect(value, { breakLength: Infinity, depth: 4 });

/** The peers the server has open, so it can notify everybody. */
type Hub = Set<AnyRpc>;

// #region server
/** What the server offers. One instance per connection, so it can remember who is calling. */
@serviceClass
class DemoServer {
  private name = 'a stranger';

  constructor(
    private readonly hub: Hub,
    private readonly print: Print,
  ) {}

  @request
  hello(name: string): string {
    this.name = name;
    return `welcome, ${name}`;
  }

  @request
  swapper(txt: string): string {
    return [...txt].reverse().join('');
  }

  @request('math.add') // the wire name differs from the method name
  add(a: number, b: number): number {
    return a + b;
  }

  @request
  divide(a: number, b: number): number {
    if (b === 0) throw new InvalidParams('cannot divide by zero');
    return a / b;
  }

  @rpcRequest
  async longProcess(rpc: RpcContext, a: number, b: number, c: number): Promise<number> {
    const client = rpc.getPeerProxy<DemoClient>();
    this.print(`      server → ${this.name}: reportProgress('Stage 1')   (notification)`);
    client.n.reportProgress('Stage 1');
    this.print(`      server → ${this.name}: reportProgress('Stage 2')   (notification)`);
    client.n.reportProgress('Stage 2');
    this.print(`      server → ${this.name}: swapper('TestinG')          (request, while ${this.name} waits for us)`);
    const swapped = await client.swapper('TestinG');
    this.print(`      server ⇐ ${this.name}: ${show(swapped)}`);
    return a * b * c;
  }

  @notification
  note(text: string): void {
    this.print(`      server got a note from ${this.name}: ${show(text)}`);
  }

  @request
  stamp(data: Buffer, sentAt: Date): { bytes: number; sha256: Buffer; sentAt: Date; receivedAt: Date } {
    return { bytes: data.length, sha256: createHash('sha256').update(data).digest(), sentAt, receivedAt: new Date() };
  }

  @request
  announce(text: string): number {
    for (const peer of this.hub) peer.invokeNotification('news', `${this.name} says: ${text}`);
    return this.hub.size;
  }
}
// #endregion

// #region client
/** What each client offers the server: yes, clients serve too. */
@serviceClass
class DemoClient {
  constructor(
    private readonly name: string,
    private readonly print: Print,
  ) {}

  @request
  swapper(txt: string): string {
    this.print(`      ${this.name} answers the server's swapper('${txt}')`);
    return [...txt].reverse().join('');
  }

  @notification
  reportProgress(txt: string): void {
    this.print(`      ${this.name} sees progress: ${txt}`);
  }

  @notification
  news(text: string): void {
    this.print(`      ${this.name} got news: ${text}`);
  }
}
// #endregion

/** Runs the tour, printing each step through `print`. */
export async function main(print: Print = console.log): Promise<void> {
  const started = Date.now();
  const step = (n: number, title: string): void => print(`\n[${n}] ${title}`);
  print('bsonrpc demo: one server, two clients, both sides may call the other');

  step(1, 'The server listens: JSON-RPC and BSON-RPC, each on its own port');
  const hub: Hub = new Set();
  // #region servers
  // Port 0: any free port. The factory makes one DemoServer per connection.
  const jsonServer = await listen('tcp://127.0.0.1:0', () => new DemoServer(hub, print));
  const bsonServer = await listen('tcp://127.0.0.1:0?protocol=bson', () => new DemoServer(hub, print));
  for (const server of [jsonServer, bsonServer]) {
    server.on('connection', (peer) => hub.add(peer));
    server.on('disconnect', (peer) => hub.delete(peer));
  }
  // #endregion
  print(`    JSON-RPC on ${jsonServer.url} (RFC 7464 framing), BSON-RPC on ${bsonServer.url}`);

  step(2, 'alice connects with JsonRpc and calls through a typed proxy');
  // #region alice
  const alice = await connect(jsonServer.url, new DemoClient('alice', print), { protocol: 'json', timeout: 5000 });
  const server = alice.getPeerProxy<DemoServer>();
  print(`    alice → hello('alice')                   ⇒ ${show(await server.hello('alice'))}`);
  print(`    alice → swapper('Hello World!')          ⇒ ${show(await server.swapper('Hello World!'))}`);
  const sum = await alice.sendRequest('math.add', { a: 2, b: 40 }); // named params
  print(`    alice → math.add {a: 2, b: 40}           ⇒ ${show(sum)}`);
  // #endregion

  step(3, 'A request that calls back into its caller before it answers');
  print('    alice → longProcess(2, 3, 4)');
  const product = await server.longProcess(2, 3, 4);
  print(`    alice ⇐ ${show(product)}`);

  step(4, 'A batch: three requests and a notification in one message');
  // #region batch
  const results = await alice.batchCall((b) => {
    b.swapper('ab');
    b['math.add'](2, 3);
    b.divide(1, 0);
    b.n.note('sent in a batch');
  });
  // #endregion
  // Each slot holds a value, or the PeerError of that request's error response.
  const slots = (results ?? []).map((r) => (r instanceof PeerError ? `${r.name}(${r.code}: ${r.message})` : show(r)));
  print(`    alice ⇐ [${slots.join(', ')}]`);

  step(5, 'Errors arrive as classes, with the JSON-RPC code');
  // #region errors
  for (const call of [() => server.divide(1, 0), () => alice.invokeRequest('noSuchMethod')]) {
    try {
      await call();
    } catch (err) {
      if (!(err instanceof PeerError)) throw err;
      print(`    caught ${err.name} (code ${err.code}): ${err.message}`);
    }
  }
  // #endregion

  step(6, 'bob connects to the BSON-RPC port: a Buffer and a Date travel as themselves');
  // #region bob
  const bob = await connect(bsonServer.url, new DemoClient('bob', print), { timeout: 5000 }); // the URL says bson
  const bsonServerProxy = bob.getPeerProxy<DemoServer>();
  await bsonServerProxy.hello('bob');
  const stamped = await bsonServerProxy.stamp(Buffer.from('hello'), new Date('2024-01-02T03:04:05Z'));
  // #endregion
  print(`    bob → stamp(${show(Buffer.from('hello'))}, 2024-01-02T03:04:05.000Z)`);
  print(`    bob ⇐ bytes: ${stamped.bytes}, sha256: ${show(stamped.sha256.subarray(0, 8))}… (a Buffer: ${Buffer.isBuffer(stamped.sha256)})`);
  print(`          sentAt: ${stamped.sentAt.toISOString()} (a Date: ${stamped.sentAt instanceof Date}), receivedAt is a Date: ${stamped.receivedAt instanceof Date}`);

  step(7, 'The server notifies every client it has');
  print("    bob → announce('hi all')");
  const told = await bsonServerProxy.announce('hi all');
  await server.hello('alice'); // a round trip: alice's news arrived before this answer
  print(`    bob ⇐ ${told} clients told`);

  step(8, 'Closing: each client closes, the server waits for its handlers and stops');
  // #region close
  alice.close();
  bob.close();
  const finished = await Promise.all([alice.join(2000), bob.join(2000)]);
  await Promise.all([jsonServer.close({ timeout: 2000 }), bsonServer.close({ timeout: 2000 })]);
  // #endregion
  print(`    clients joined: ${finished.every(Boolean)}, server connections left: ${hub.size}`);
  print(`\nDone in ${Date.now() - started} ms. Next: samples/*.ts and docs/getting-started.md`);
}

if (require.main === module) {
  // A demo must never hang: give up loudly if something stalls.
  const guard = setTimeout(() => {
    console.error('demo: still running after 10 s, giving up');
    process.exit(1);
  }, 10_000);
  guard.unref();
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
