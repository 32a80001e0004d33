/**
 * The services of the Python bsonrpc server and client the fixtures in
 * spec/fixtures/pybsonrpc were recorded against, shared by the JSON and
 * BSON replay suites.
 */
import { notification, request, RpcContext, rpcRequest, serviceClass } from '../../lib';

/** The methods of the Python server. */
@serviceClass
export class PyServer {
  progress: string[] = [];
  @request swapper(txt: string) {
    return [...txt].reverse().join('');
  }
  @request echo_times(txt: string, n: number) {
    return txt.repeat(n);
  }
  @notification report_progress(msg: string) {
    this.progress.push(msg);
  }
  @request fail() {
    throw new Error('deliberate failure');
  }
  /** Also bson-binary and bson-datetime: echo a bytes / datetime value. */
  @request echo(value: unknown) {
    return value;
  }
  /** Python's `a + b`; BSON int64 beyond 2^53 arrives as bigint (bson-int64, bson-int32-boundary). */
  @request add(a: number | bigint, b: number | bigint) {
    return typeof a === 'bigint' || typeof b === 'bigint' ? BigInt(a) + BigInt(b) : a + b;
  }
  @rpcRequest async long_process(rpc: RpcContext, a: number, b: number, c: number) {
    rpc.invokeNotification('report_progress', 'Stage 1');
    const client = rpc.getPeerProxy();
    client.n.report_progress('Stage 2');
    const swapped = await client.swapper('TestinG');
    return [a * b * c, swapped];
  }
}

/** The methods of the Python client (it serves the callback). */
@serviceClass
export class PyClient {
  progress: string[] = [];
  @request swapper(txt: string) {
    return [...txt].reverse().join('');
  }
  @notification report_progress(msg: string) {
    this.progress.push(msg);
  }
}
