/**
 * Cancellation interop with vscode-jsonrpc (Content-Length framing), both
 * ways: its CancellationTokenSource reaches our handler's signal, and our
 * timeout reaches its handler's CancellationToken.
 */
import { CancellationToken, CancellationTokenSource, createMessageConnection, ResponseError, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { createDuplexPair, JsonRpc, RequestCancelled, ResponseTimeout, rpcRequest, RpcContext, serviceClass } from '../../lib';
import { logSink } from '../helpers/log-sink';
import { closeAndJoin, until } from '../helpers/wait';

test('a vscode-jsonrpc client cancels → our handler signal fires → it gets -32800', async () => {
  const reasons: unknown[] = [];
  @serviceClass
  class Slow {
    @rpcRequest async slow(rpc: RpcContext, n: number) {
      await new Promise((resolve) => rpc.signal.addEventListener('abort', resolve, { once: true }));
      reasons.push(rpc.signal.reason);
      return n;
    }
  }
  const [ours, theirs] = createDuplexPair();
  const server = new JsonRpc(ours, new Slow(), { framing: 'content-length', logger: logSink().logger });
  const connection = createMessageConnection(new StreamMessageReader(theirs), new StreamMessageWriter(theirs));
  connection.listen();
  const cts = new CancellationTokenSource();
  const call = connection.sendRequest('slow', 1, cts.token).then(
    () => 'resolved',
    (e: unknown) => e,
  );
  await until(() => server.stats().runningHandlers === 1, 'our handler to start');
  cts.cancel();
  const outcome = await call;
  expect(outcome).toBeInstanceOf(ResponseError);
  expect((outcome as ResponseError<unknown>).code).toBe(-32800);
  await until(() => reasons.length === 1, 'our handler to see it');
  expect(reasons[0]).toBeInstanceOf(RequestCancelled);
  connection.dispose();
  await closeAndJoin(server);
});

test('our call times out → the vscode-jsonrpc handler token is cancelled', async () => {
  const [ours, theirs] = createDuplexPair();
  const client = new JsonRpc(ours, null, { framing: 'content-length', logger: logSink().logger });
  const connection = createMessageConnection(new StreamMessageReader(theirs), new StreamMessageWriter(theirs));
  let cancelled = false;
  connection.onRequest('slow', (_n: number, token: CancellationToken) => new Promise((resolve) => token.onCancellationRequested(() => ((cancelled = true), resolve('late')))));
  connection.listen();
  await expect(client.sendRequest('slow', [1], { timeout: 30 })).rejects.toBeInstanceOf(ResponseTimeout);
  await until(() => cancelled, "vscode's token to be cancelled");
  connection.dispose();
  await closeAndJoin(client);
});

test('a vscode-jsonrpc server answers requests that carry our "timeout" budget member (sendDeadline), which it ignores', async () => {
  const [ours, theirs] = createDuplexPair();
  const client = new JsonRpc(ours, null, { framing: 'content-length', sendDeadline: true, logger: logSink().logger });
  // A second 'data' listener sees the same bytes vscode's reader parses: the member was really sent.
  let wire = '';
  theirs.on('data', (chunk: Buffer) => void (wire += chunk.toString()));
  const connection = createMessageConnection(new StreamMessageReader(theirs), new StreamMessageWriter(theirs));
  connection.onRequest('add', (a: number, b: number) => a + b);
  connection.listen();
  await expect(client.sendRequest('add', [2, 3], { timeout: 5000 })).resolves.toBe(5);
  expect(wire).toMatch(/"timeout":5000/);
  connection.dispose();
  await closeAndJoin(client);
});
