/**
 * The service decorators: their forms, the table they build, and the checks
 * made when a class is defined or handed to a peer.
 */
import { createDuplexPair, InvalidParams, JsonRpc, BsonRpc, MethodNotFound, notification, request, rpcNotification, rpcRequest, RpcContext, serviceClass } from '../../lib';
import { handlerTable } from '../../lib/service/registry';
import { pair } from '../helpers/pair';
import { until } from '../helpers/wait';

@serviceClass
class Forms {
  notes: string[] = [];
  @request bare(a: number) {
    return a + 1;
  }
  @request() emptyCall(a: number) {
    return a + 2;
  }
  @request('math.add') add(a: number, b: number) {
    return a + b;
  }
  @request({ name: 'pt.scale', params: ['point', 'k'] }) scale({ x, y }: { x: number; y: number }, k: number) {
    return [x * k, y * k];
  }
  @request('x.sub', { params: ['minuend', 'subtrahend'] }) sub(a: number, b: number) {
    return a - b;
  }
  @request({ params: ['first'] }) onlyParams(a: string) {
    return a.toUpperCase();
  }
  @notification note(msg: string) {
    this.notes.push(`note:${msg}`);
  }
  @notification('ev.note') note2(msg: string) {
    this.notes.push(`note2:${msg}`);
  }
  @rpcRequest ctxReq(rpc: RpcContext, a: number) {
    return [rpc instanceof RpcContext, rpc.method, a];
  }
  @rpcRequest('ctx.named') ctxNamed(rpc: RpcContext, a: number) {
    return [rpc instanceof RpcContext, rpc.method, a];
  }
  @rpcRequest({ name: 'ctx.obj', params: ['value'] }) ctxObj(rpc: RpcContext, v: number) {
    return [rpc instanceof RpcContext, rpc.method, v];
  }
  @rpcNotification ctxNote(rpc: RpcContext, msg: string) {
    this.notes.push(`${rpc instanceof RpcContext}:${rpc.method}:${String(rpc.id)}:${msg}`);
  }
  @rpcNotification('ctx.ev') ctxEv(rpc: RpcContext, msg: string) {
    this.notes.push(`${rpc instanceof RpcContext}:${rpc.method}:${String(rpc.id)}:${msg}`);
  }
}

describe('decorator forms', () => {
  test.each([
    // [wire name, property key, kind, withContext]
    ['bare', 'bare', 'request', false],
    ['emptyCall', 'emptyCall', 'request', false],
    ['math.add', 'add', 'request', false],
    ['pt.scale', 'scale', 'request', false],
    ['x.sub', 'sub', 'request', false],
    ['onlyParams', 'onlyParams', 'request', false],
    ['note', 'note', 'notification', false],
    ['ev.note', 'note2', 'notification', false],
    ['ctxReq', 'ctxReq', 'request', true],
    ['ctx.named', 'ctxNamed', 'request', true],
    ['ctx.obj', 'ctxObj', 'request', true],
    ['ctxNote', 'ctxNote', 'notification', true],
    ['ctx.ev', 'ctxEv', 'notification', true],
  ] as const)('%s is registered as %s (%s, context %s)', (wire, key, kind, withContext) => {
    const spec = handlerTable(new Forms()).get(wire);
    expect(spec).toMatchObject({ wireName: wire, propertyKey: key, kind, withContext });
  });

  test('the table holds exactly the wire names, never the JS names of renamed handlers', () => {
    expect([...handlerTable(new Forms()).keys()].sort()).toEqual(
      ['bare', 'ctx.ev', 'ctx.named', 'ctx.obj', 'ctxNote', 'ctxReq', 'emptyCall', 'ev.note', 'math.add', 'note', 'onlyParams', 'pt.scale', 'x.sub'].sort(),
    );
  });

  test.each([
    ['bare', [1], 2],
    ['emptyCall', [1], 3],
    ['math.add', [2, 3], 5],
    ['math.add', { b: 3, a: 2 }, 5],
    ['pt.scale', { point: { x: 1, y: 2 }, k: 3 }, [3, 6]],
    ['pt.scale', [{ x: 1, y: 2 }, 2], [2, 4]],
    ['x.sub', { subtrahend: 1, minuend: 5 }, 4],
    ['onlyParams', { first: 'abc' }, 'ABC'],
    ['ctxReq', [7], [true, 'ctxReq', 7]],
    ['ctx.named', { a: 8 }, [true, 'ctx.named', 8]],
    ['ctx.obj', { value: 9 }, [true, 'ctx.obj', 9]],
  ])('request %s with %j answers %j', async (method, params, expected) => {
    const p = pair('json', undefined, new Forms());
    expect(await p.a.sendRequest(method, params)).toEqual(expected);
    await p.finish();
  });

  test.each([
    ['x.sub', { a: 5, b: 1 }],
    ['pt.scale', { x: 1, y: 2, k: 3 }],
    ['ctx.obj', { v: 1 }],
  ])('an explicit params list replaces the source names: %s with %j is InvalidParams', async (method, params) => {
    const p = pair('json', undefined, new Forms());
    await expect(p.a.sendRequest(method, params)).rejects.toBeInstanceOf(InvalidParams);
    await p.finish();
  });

  test('all notification forms run, and @rpcNotification gets a context without an id', async () => {
    const svc = new Forms();
    const p = pair('json', undefined, svc);
    p.a.invokeNotification('note', 'a');
    p.a.invokeNotification('ev.note', 'b');
    p.a.invokeNotification('ctxNote', 'c');
    p.a.sendNotification('ctx.ev', { msg: 'd' });
    await until(() => svc.notes.length === 4, 'four notifications');
    expect(svc.notes).toEqual(['note:a', 'note2:b', 'true:ctxNote:undefined:c', 'true:ctx.ev:undefined:d']);
    await p.finish();
  });

  test('one method may carry two wire names', async () => {
    @serviceClass
    class Twice {
      @request('one') @request('two') both() {
        return 'both';
      }
    }
    const p = pair('json', undefined, new Twice());
    expect([await p.a.invokeRequest('one'), await p.a.invokeRequest('two')]).toEqual(['both', 'both']);
    await expect(p.a.invokeRequest('both')).rejects.toBeInstanceOf(MethodNotFound);
    await p.finish();
  });

  test('a symbol-keyed method is reachable by its explicit wire name', async () => {
    const key = Symbol('secret');
    @serviceClass
    class Sym {
      @request('sym.call') [key]() {
        return 'via symbol';
      }
    }
    const p = pair('json', undefined, new Sym());
    expect(await p.a.invokeRequest('sym.call')).toBe('via symbol');
    await p.finish();
  });
});

describe('checks when a class is defined', () => {
  test.each([
    ['two named handlers', () => {
      @serviceClass
      class D {
        @request('x') a() {}
        @request('x') b() {}
      }
      return D;
    }],
    ['a bare handler and a renamed one', () => {
      @serviceClass
      class D {
        @request a() {}
        @request('a') b() {}
      }
      return D;
    }],
    ['a request and a notification', () => {
      @serviceClass
      class D {
        @request('x') a() {}
        @notification('x') b() {}
      }
      return D;
    }],
    ['an rpcRequest and an rpcNotification', () => {
      @serviceClass
      class D {
        @rpcRequest('x') a(_rpc: RpcContext) {}
        @rpcNotification('x') b(_rpc: RpcContext) {}
      }
      return D;
    }],
  ])('a duplicate wire name (%s) throws naming the name and both methods', (_label, define) => {
    expect(define).toThrow(TypeError);
    expect(define).toThrow(/duplicate wire name "(x|a)".*\ba\b.*\bb\b/);
  });

  test('decorating a property (not a method) throws', () => {
    expect(() => {
      @serviceClass
      class P {
        @(request as any) value = 3;
      }
      return P;
    }).toThrow(TypeError);
  });

  test('a bare symbol-keyed handler throws: it has no wire name', () => {
    const key = Symbol('k');
    expect(() => {
      @serviceClass
      class S {
        @request [key]() {}
      }
      return S;
    }).toThrow(/symbol-keyed handler needs an explicit wire name/);
  });

  test.each([
    ['bare', () => {
      class S {
        @(request as any) static m() {}
      }
      return S;
    }],
    ['named', () => {
      class S {
        @(request('s.m') as any) static m() {}
      }
      return S;
    }],
    ['with options', () => {
      class S {
        @(notification({ name: 's.n' }) as any) static m() {}
      }
      return S;
    }],
  ])('decorating a static method (%s form) throws a TypeError', (_label, define) => {
    expect(define).toThrow(TypeError);
  });
});

describe('inheritance', () => {
  @serviceClass
  class Base {
    @request add(a: number, b: number): unknown {
      return a + b;
    }
    @request('base.who') who() {
      return 'base';
    }
    @request mul(a: number, b: number): unknown {
      return a * b;
    }
    @request kept() {
      return 'kept';
    }
  }

  // No @serviceClass of its own: it inherits the mark.
  class Plain extends Base {
    override add(a: number, b: number) {
      return `plain ${a + b}`;
    }
    extra() {
      return 'not exposed';
    }
  }

  @serviceClass
  class Redecorated extends Base {
    @request('plus') override add(a: number, b: number) {
      return `plus ${a + b}`;
    }
    @notification override mul(_a: number, _b: number) {}
    @request('base.who') child() {
      return 'child';
    }
    @request own() {
      return 'own';
    }
  }

  test.each([
    // [service, method, params, expected result or error class]
    ['Plain', 'add', [1, 2], 'plain 3'],
    ['Plain', 'add', { a: 1, b: 2 }, 'plain 3'],
    ['Plain', 'base.who', [], 'base'],
    ['Plain', 'kept', [], 'kept'],
    ['Plain', 'extra', [], MethodNotFound],
    ['Redecorated', 'plus', [1, 2], 'plus 3'],
    ['Redecorated', 'add', [1, 2], MethodNotFound],
    ['Redecorated', 'mul', [2, 3], MethodNotFound],
    ['Redecorated', 'base.who', [], 'child'],
    ['Redecorated', 'own', [], 'own'],
    ['Redecorated', 'kept', [], 'kept'],
    ['Base', 'own', [], MethodNotFound],
    ['Base', 'plus', [1, 2], MethodNotFound],
    ['Base', 'add', [1, 2], 3],
    ['Base', 'base.who', [], 'base'],
  ] as const)('%s: %s(%j) → %p', async (cls, method, params, expected) => {
    const services = { Plain, Redecorated, Base }[cls];
    const p = pair('json', undefined, new services());
    const call = p.a.sendRequest(method, params as never);
    if (typeof expected === 'function') await expect(call).rejects.toBeInstanceOf(expected);
    else expect(await call).toEqual(expected);
    await p.finish();
  });

  test('a subclass re-decorating a method as a notification runs it as one', async () => {
    const seen: number[] = [];
    @serviceClass
    class Notes extends Base {
      @notification override mul(a: number, b: number) {
        seen.push(a * b);
      }
    }
    const p = pair('json', undefined, new Notes());
    p.a.invokeNotification('mul', 3, 4);
    await until(() => seen.length === 1, 'the notification');
    expect(seen).toEqual([12]);
    await p.finish();
  });
});

describe('@serviceClass is required of services', () => {
  @serviceClass
  class Marked {
    @request ok() {
      return 'ok';
    }
  }
  class Unmarked {
    @request ok() {
      return 'ok';
    }
  }
  class UnmarkedChild extends Marked {}

  const peers = {
    JsonRpc: (s: object) => new JsonRpc(createDuplexPair()[0], s),
    BsonRpc: (s: object) => new BsonRpc(createDuplexPair()[0], s),
  };

  describe.each(Object.keys(peers) as (keyof typeof peers)[])('%s', (peerName) => {
    test.each([
      ['a plain object', () => ({ ok: () => 'ok' })],
      ['an instance of an undecorated class', () => new Unmarked()],
      ['the class itself instead of an instance', () => Marked],
      ['a plain object whose constructor property names a service class', () => ({ constructor: Marked })],
      ['an Object.create(null) object', () => Object.create(null)],
      ['a string', () => 'Marked'],
      ['a number', () => 42],
    ])('%s throws a TypeError', (_label, make) => {
      expect(() => peers[peerName](make() as object)).toThrow(TypeError);
      expect(() => peers[peerName](make() as object)).toThrow(/@serviceClass/);
    });

    test.each([
      ['an instance of a @serviceClass class', () => new Marked()],
      ['an instance of an undecorated subclass of one', () => new UnmarkedChild()],
    ])('%s is accepted', (_label, make) => {
      const peer = peers[peerName](make());
      expect(peer.isClosed).toBe(false);
      peer.close();
    });
  });

  test.each([undefined, null])('services %p: a peer that only calls answers every request MethodNotFound', async (services) => {
    const p = pair('json', undefined, services as unknown as undefined);
    await expect(p.a.invokeRequest('ok')).rejects.toBeInstanceOf(MethodNotFound);
    await p.finish();
  });
});
