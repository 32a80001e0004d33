/**
 * Interop with vscode-jsonrpc (the library under VS Code's language
 * servers): with `framing: 'content-length'` a JsonRpc speaks its
 * `Content-Length:` header framing, in both directions.
 *
 * Run it alone with `npx ts-node samples/vscode-interop.ts`.
 */
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { createDuplexPair, JsonRpc, rpcRequest, RpcContext, serviceClass } from '../lib';

@serviceClass
class Server {
  @rpcRequest
  async describe(rpc: RpcContext, name: string): Promise<string> {
    // Call back into the vscode-jsonrpc side in the middle of the request.
    const kind = await rpc.invokeRequest('kindOf', name);
    rpc.invokeNotification('progress', `described ${name}`);
    return `${name} is a ${String(kind)}`;
  }
}

/** A vscode-jsonrpc client calls a bsonrpc server, which calls it back. */
export async function main(log: (line: string) => void = console.log): Promise<{ answer: string; progress: string[] }> {
  const [ours, theirs] = createDuplexPair();
  // #region vscode
  const server = new JsonRpc(ours, new Server(), { framing: 'content-length' });

  const connection = createMessageConnection(new StreamMessageReader(theirs), new StreamMessageWriter(theirs));
  const progress: string[] = [];
  connection.onRequest('kindOf', (name: string) => (name === 'Ada' ? 'language' : 'thing'));
  connection.onNotification('progress', (text: string) => void progress.push(text));
  connection.listen();
  const answer: string = await connection.sendRequest('describe', 'Ada');
  // #endregion
  log(answer);
  log(`progress: ${progress.join(', ')}`);
  connection.dispose();
  server.close();
  await server.join(2000);
  return { answer, progress };
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
