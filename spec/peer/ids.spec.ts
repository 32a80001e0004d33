/**
 * Regression: calls made through a handler's RpcContext and calls made on
 * the peer itself share one id sequence. (A context that delegated through
 * a prototype-linked object once kept its own counter, so both sides could
 * pick the same id and one call never settled.)
 */
import { RpcContext, request, rpcRequest, serviceClass } from '../../lib';
import { pair, PeerKind } from '../helpers/pair';
import { sleep } from '../helpers/wait';

@serviceClass
class SlowEcho {
  @request async echo(x: string) {
    await sleep(30);
    return x;
  }
}

describe.each(['json', 'bson'] as PeerKind[])('%s: one id sequence per connection', (kind) => {
  test('a context call and a peer call in flight together both settle, with distinct ids', async () => {
    let ctxCall: Promise<unknown> | undefined;
    @serviceClass
    class Server {
      @rpcRequest start(rpc: RpcContext) {
        ctxCall = rpc.invokeRequest('echo', 'from context');
        return 'started';
      }
    }
    const p = pair(kind, new Server(), new SlowEcho());
    expect(await p.b.invokeRequest('start')).toBe('started');
    const peerCall = p.a.invokeRequest('echo', 'from peer');
    const viaContextAgain = p.a.invokeRequest('echo', 'third');
    expect(await Promise.all([ctxCall, peerCall, viaContextAgain])).toEqual(['from context', 'from peer', 'third']);
    expect(p.a.stats().pendingRequests).toBe(0);
    await p.finish();
  });
});
