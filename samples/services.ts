/**
 * Service classes: the four decorators, wire names, named params, explicit
 * parameter lists, inheritance, and what stays unreachable.
 *
 * Run it alone with `npx ts-node samples/services.ts`.
 */
import {
  createDuplexPair,
  JsonRpc,
  notification,
  PeerError,
  request,
  rpcNotification,
  rpcRequest,
  RpcContext,
  serviceClass,
} from '../lib';

// #region decorators
@serviceClass
class Calculator {
  readonly events: string[] = [];

  @request // exposed under its own name, "add"
  add(a: number, b: number): number {
    return a + b;
  }

  @request('math.pow') // exposed only as "math.pow"; "power" is not callable
  power(base: number, exponent = 2): number {
    return base ** exponent;
  }

  @request
  async slowDouble(n: number): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, 10)); // handlers may be async
    return 2 * n;
  }

  @notification // no answer is sent; the return value is ignored
  log(message: string): void {
    this.events.push(message);
  }

  @rpcRequest // gets an RpcContext first: the way back to the caller
  whoAmI(rpc: RpcContext): unknown {
    return rpc.clientInfo;
  }

  @rpcNotification
  closeMe(rpc: RpcContext): void {
    rpc.abort(); // closes the connection
  }

  helper(): string {
    return 'not decorated, so not reachable from the wire';
  }
}
// #endregion

// #region explicit-params
@serviceClass
class Geometry {
  // A destructured parameter has no name to match named params against;
  // list the names in the decorator to accept {"origin": ..., "point": ...}.
  @request({ params: ['origin', 'point'] })
  distance({ x: x0, y: y0 }: { x: number; y: number }, { x, y }: { x: number; y: number }): number {
    return Math.hypot(x - x0, y - y0);
  }
}
// #endregion

// #region inheritance
@serviceClass
class ScientificCalculator extends Calculator {
  @request // added by the subclass
  sqrt(n: number): number {
    return Math.sqrt(n);
  }

  @request // re-decorating an override replaces the parent's handler
  override add(a: number, b: number): number {
    return Math.round((a + b) * 1e9) / 1e9;
  }
}
// #endregion

/** Calls `method` with `params` and reports the result or the error's class and code. */
async function attempt(rpc: JsonRpc, method: string, params?: unknown[] | Record<string, unknown>): Promise<unknown> {
  try {
    return await rpc.sendRequest(method, params);
  } catch (err) {
    if (err instanceof PeerError) return `${err.name} ${err.code}`;
    throw err;
  }
}

/** Exercises every rule above over an in-memory pair; returns what each call gave. */
export async function main(log: (line: string) => void = console.log): Promise<Record<string, unknown>> {
  const [a, b] = createDuplexPair();
  const calculator = new ScientificCalculator();
  const server = new JsonRpc(a, calculator, { clientInfo: 'the in-memory client' });
  const rpc = new JsonRpc(b);
  const seen: Record<string, unknown> = {};
  const record = (label: string, value: unknown): void => {
    seen[label] = value;
    log(`${label.padEnd(34)} → ${JSON.stringify(value)}`);
  };

  // #region calls
  record('add(0.1, 0.2)', await attempt(rpc, 'add', [0.1, 0.2])); // the subclass's add
  record('math.pow(2, 10)', await attempt(rpc, 'math.pow', [2, 10]));
  record('math.pow {base: 3}', await attempt(rpc, 'math.pow', { base: 3 })); // named, default exponent
  record('math.pow {base: 3, exp: 2}', await attempt(rpc, 'math.pow', { base: 3, exp: 2 })); // unknown name
  record('math.pow()', await attempt(rpc, 'math.pow', [])); // too few arguments
  record('power(2)', await attempt(rpc, 'power', [2])); // not its wire name
  record('slowDouble(21)', await attempt(rpc, 'slowDouble', [21]));
  record('sqrt(16)', await attempt(rpc, 'sqrt', [16]));
  record('whoAmI()', await attempt(rpc, 'whoAmI'));
  record('helper()', await attempt(rpc, 'helper')); // undecorated
  record('toString()', await attempt(rpc, 'toString')); // inherited from Object
  record('log("x") as a request', await attempt(rpc, 'log', ['x'])); // a notification handler
  // #endregion

  const [c, d] = createDuplexPair();
  const geometryServer = new JsonRpc(c, new Geometry());
  const geometry = new JsonRpc(d);
  record('distance {origin, point}', await geometry.sendRequest('distance', { origin: { x: 0, y: 0 }, point: { x: 3, y: 4 } }));
  geometry.close();

  rpc.invokeNotification('log', 'hello');
  rpc.invokeNotification('closeMe'); // the server closes the connection
  await rpc.join(2000); // resolves once this side has seen the close
  await server.join(2000);
  record('notifications seen by the server', calculator.events);
  record('closed by the server', rpc.isClosed);
  await geometryServer.join(2000);
  return seen;
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
