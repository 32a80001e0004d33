import { JsonRpc, createDuplexPair, serviceClass, request, notification, rpcRequest, RpcContext } from '../../lib';

@serviceClass
class Server {
  @request swapper(txt: string) {
    return [...txt].reverse().join('');
  }
  @rpcRequest async longProcess(rpc: RpcContext, a: number, b: number) {
    rpc.invokeNotification('progress', 'stage 1');
    const back = await rpc.getPeerProxy().swapper('TestinG');
    return [a * b, back];
  }
}

@serviceClass
class Client {
  seen: string[] = [];
  @request swapper(txt: string) {
    return [...txt].reverse().join('');
  }
  @notification progress(msg: string) {
    this.seen.push(msg);
  }
}

test('smoke', async () => {
  const [x, y] = createDuplexPair();
  const server = new JsonRpc(x, new Server());
  const client = new Client();
  const rpc = new JsonRpc(y, client);
  const proxy = rpc.getPeerProxy();
  expect(await proxy.swapper('abc')).toBe('cba');
  expect(await proxy.longProcess(2, 3)).toEqual([6, 'GnitseT']);
  expect(client.seen).toEqual(['stage 1']);
  rpc.close();
  expect(await server.join(1000)).toBe(true);
});
