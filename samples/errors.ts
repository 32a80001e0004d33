/**
 * Errors end to end: what a handler throws, what goes on the wire, and what
 * the caller receives (a class per JSON-RPC code), plus the local errors a
 * call can end with (timeout, closed connection, unencodable value).
 *
 * Run it alone with `npx ts-node samples/errors.ts`.
 */
import pino from 'pino';
import {
  createDuplexPair,
  InvalidParams,
  JsonRpc,
  PeerError,
  request,
  RpcError,
  serviceClass,
} from '../lib';

// #region handlers
@serviceClass
class Picky {
  @request
  withdraw(amount: number): number {
    if (amount <= 0) throw new InvalidParams('amount must be positive', { amount }); // -32602, with data
    if (amount > 100) throw new PeerError(-32010, 'insufficient funds', { balance: 100 }); // your own code
    return 100 - amount;
  }

  @request
  crash(): never {
    throw new TypeError('undefined is not a function'); // not a PeerError: becomes -32000
  }

  @request
  wait(ms: number): Promise<string> {
    return new Promise((resolve) => setTimeout(() => resolve('done'), ms));
  }
}
// #endregion

/** What a caller learned from one failed call. */
export interface Caught {
  call: string;
  class: string;
  code?: number;
  message: string;
  data?: unknown;
}

/** Bytes that are not netstrings break the connection itself: no call is at fault. */
async function connectionError(log: (line: string) => void): Promise<{ error: string; closed: string }> {
  const [ours, theirs] = createDuplexPair();
  const quiet = pino({ level: 'silent' });
  // #region connection-errors
  const rpc = new JsonRpc(ours, new Picky(), { framing: 'netstring', logger: quiet });
  const seen = { error: '', closed: '' };
  rpc.on('error', (err) => (seen.error = `${err.name}: ${err.message}`)); // FramingError, DecodingError, ...
  rpc.on('close', (reason) => (seen.closed = reason));
  theirs.write('this is not a netstring');
  // #endregion
  await rpc.join(2000);
  theirs.destroy();
  log(`connection error: ${seen.error}`);
  log(`closed because: ${seen.closed}`);
  return seen;
}

/** Makes each kind of failure happen once; returns what the caller caught. */
export async function main(log: (line: string) => void = console.log): Promise<Caught[]> {
  const [a, b] = createDuplexPair();
  // The server would log the TypeError at 'warn' on stderr; a silent logger keeps this sample quiet.
  const server = new JsonRpc(a, new Picky(), { logger: pino({ level: 'silent' }) });
  const client = new JsonRpc(b, null, { timeout: 1000 });
  const caught: Caught[] = [];

  const attempt = async (call: string, run: () => Promise<unknown>) => {
    // #region catching
    try {
      await run();
    } catch (err) {
      if (!(err instanceof RpcError)) throw err; // every bsonrpc error is an RpcError
      const entry: Caught = { call, class: err.name, message: err.message };
      if (err instanceof PeerError) Object.assign(entry, { code: err.code, data: err.data }); // an error response
      caught.push(entry);
      const data = entry.data === undefined ? '' : ` (data: ${JSON.stringify(entry.data)})`;
      log(`${call.padEnd(24)} ${err.name}${err instanceof PeerError ? ` ${err.code}` : ''}: ${err.message}${data}`);
    }
    // #endregion
  };

  const picky = client.getPeerProxy<Picky>();
  await attempt('withdraw(-5)', () => picky.withdraw(-5));
  await attempt('withdraw(500)', () => picky.withdraw(500));
  await attempt('crash()', () => picky.crash());
  await attempt('deposit(5)', () => client.invokeRequest('deposit', 5));
  await attempt('withdraw(1, 2)', () => client.invokeRequest('withdraw', 1, 2));
  await attempt('wait(50), timeout 10', () => client.sendRequest('wait', [50], { timeout: 10 }));
  await attempt('withdraw(10n)', () => client.invokeRequest('withdraw', 10n)); // JSON has no bigint
  client.close();
  await attempt('withdraw(1) after close', () => picky.withdraw(1));
  await server.join(2000);
  const broken = await connectionError(log);
  caught.push({ call: 'garbage on the wire', class: broken.error.split(':')[0], message: broken.closed });
  return caught;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
