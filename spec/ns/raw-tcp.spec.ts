/**
 * Any JSON-RPC client can use the name server: this spec speaks to it over
 * a bare `net.Socket` with hand-written RFC 7464 frames (0x1E, JSON, 0x0A),
 * as a program in another language would. Nothing of the library is on
 * this side; only the name server under test comes from it.
 */
import * as net from 'node:net';
import { Server, startNameServer } from '../../lib';

/** A minimal RFC 7464 JSON-RPC client: write frames, read frames, match answers by id. */
class RawClient {
  private buf = '';
  private readonly waiting = new Map<number, (msg: Record<string, unknown>) => void>();
  private nextId = 1;

  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buf += chunk;
      for (let end = this.buf.indexOf('\n'); end >= 0; end = this.buf.indexOf('\n')) {
        const frame = this.buf.slice(0, end);
        this.buf = this.buf.slice(end + 1);
        expect(frame[0]).toBe('\x1e');
        const msg = JSON.parse(frame.slice(1)) as Record<string, unknown>;
        this.waiting.get(msg.id as number)?.(msg);
        this.waiting.delete(msg.id as number);
      }
    });
  }

  static open(url: string): Promise<RawClient> {
    const [, host, port] = /^tcp:\/\/(.+):(\d+)$/.exec(url)!;
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port: Number(port) }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends `{"jsonrpc":"2.0","id":n,"method":…,"params":…}` framed by hand; resolves to the whole response object. */
  call(method: string, params?: unknown): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const text = JSON.stringify(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${method} in 5 s`)), 5000);
      this.waiting.set(id, (msg) => (clearTimeout(timer), resolve(msg)));
      this.socket.write(`\x1e${text}\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

let ns: Server;
beforeAll(async () => {
  ns = await startNameServer('tcp://127.0.0.1:0');
});
afterAll(() => ns.close({ timeout: 500 }));

test('register, lookup, list and ping with hand-written frames', async () => {
  const c = await RawClient.open(ns.url);
  try {
    expect(await c.call('ns.ping')).toEqual({ jsonrpc: '2.0', id: 1, result: 'pong' });
    expect(await c.call('ns.register', { name: 'py.calc', url: 'tcp://127.0.0.1:6000', metadata: { lang: 'python' } })).toEqual({ jsonrpc: '2.0', id: 2, result: true });
    expect((await c.call('ns.lookup', { name: 'py.calc' })).result).toBe('tcp://127.0.0.1:6000');
    expect((await c.call('ns.list', { prefix: 'py.' })).result).toEqual([{ name: 'py.calc', url: 'tcp://127.0.0.1:6000', metadata: { lang: 'python' } }]);
    expect((await c.call('ns.lookup', ['py.calc'])).result).toBe('tcp://127.0.0.1:6000'); // positional params too
    expect((await c.call('ns.lookup', { name: 'nope' })).error).toEqual({ code: -32004, message: 'unknown name nope' });
    expect((await c.call('ns.register', { name: 7, url: 'tcp://127.0.0.1:1' })).error).toMatchObject({ code: -32602 });
    expect((await c.call('ns.unregister', { name: 'py.calc' })).result).toBe(1);
  } finally {
    c.close();
  }
});

test('a lease lapses when not renewed, seen from another raw connection', async () => {
  const a = await RawClient.open(ns.url);
  const b = await RawClient.open(ns.url);
  try {
    expect((await a.call('ns.register', { name: 'lease.me', url: 'tcp://127.0.0.1:6001', ttl: 300 })).result).toBe(true);
    a.close(); // a ttl entry outlives its connection
    expect((await b.call('ns.lookup', { name: 'lease.me' })).result).toBe('tcp://127.0.0.1:6001');
    const t0 = Date.now();
    let error: unknown;
    while (Date.now() - t0 < 3000) {
      error = (await b.call('ns.lookup', { name: 'lease.me' })).error;
      if (error) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(error).toEqual({ code: -32004, message: 'unknown name lease.me' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
  } finally {
    b.close();
  }
});
