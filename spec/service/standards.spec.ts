/**
 * One service source, compiled as users' builds compile it: under legacy
 * decorators (`experimentalDecorators`) and TC39 standard decorators
 * (TypeScript 5's default, esbuild, tsx), and down-levelled to every
 * target from ES5 to ESNext. Each output is run and called over an
 * in-memory pair: names, arity, defaults, rest and named params must all
 * survive.
 */
import * as path from 'node:path';
import * as ts from 'typescript';
import { createDuplexPair, InvalidParams, JsonRpc, MethodNotFound } from '../../lib';
import { load, STANDARDS } from '../helpers/compile';

const SERVICE = `
import { notification, request, rpcRequest, RpcContext, serviceClass } from 'bsonrpc';

@serviceClass
export class Calc {
  notes: string[] = [];
  @request add(a: number, b: number) { return a + b; }
  @request('math.pow') power(base: number, exponent = 2) { return base ** exponent; }
  @request sum(...xs: number[]) { return xs.reduce((s, x) => s + x, 0); }
  @request tail(head: string, ...xs: number[]) { return head + xs.length; }
  @request async later(n: number, times = 3) { await new Promise((r) => setTimeout(r, 1)); return n * times; }
  @request async gather(first: number, ...more: number[]) { return [first, more]; }
  @request({ params: ['point', 'k'] }) scale({ x, y }: { x: number; y: number }, k = 1) { return [x * k, y * k]; }
  @request unnamed({ x }: { x: number }, k: number) { return x * k; }
  @notification note(msg: string) { this.notes.push(msg); }
  @rpcRequest async ask(rpc: RpcContext, name: string, greeting = 'Hello') {
    const title = await rpc.getPeerProxy().titleOf(name);
    return greeting + ', ' + title + ' ' + name;
  }
}

@serviceClass
export class Visitor {
  @request titleOf(name: string) { return name === 'Ada' ? 'Countess' : 'dear'; }
}
`;

const TARGETS = ['ES5', 'ES2015', 'ES2017', 'ES2020', 'ES2022', 'ES2024', 'ESNext'] as const;

/**
 * At target ESNext TypeScript leaves standard decorators as they are
 * (`@request m() {}`), which no Node release parses yet: that output is
 * for a bundler to lower, so the standard runs stop at ES2024.
 */
const targetsOf = (standard: keyof typeof RUNS) => (standard === 'standard' ? TARGETS.filter((t) => t !== 'ESNext') : TARGETS);

/** The two standards, and legacy decorators without design types (what most legacy setups have). */
const RUNS = { ...STANDARDS, 'legacy, no emitDecoratorMetadata': { experimentalDecorators: true } };

async function outcome(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => v,
    (e: unknown) => (e instanceof InvalidParams ? ['InvalidParams', e.data] : e instanceof MethodNotFound ? 'MethodNotFound' : String(e)),
  );
}

describe.each(Object.keys(RUNS) as (keyof typeof RUNS)[])('%s decorators', (standard) => {
  test.each(targetsOf(standard))('target %s: arity, defaults, rest, named params and a callback', async (target) => {
    const { Calc, Visitor } = load(SERVICE, { ...RUNS[standard], target: ts.ScriptTarget[target] });
    const calc = new Calc();
    const [x, y] = createDuplexPair();
    const server = new JsonRpc(x, calc);
    const client = new JsonRpc(y, new Visitor());
    const call = (m: string, p?: unknown[] | Record<string, unknown>) => outcome(client.sendRequest(m, p as never));
    const got = {
      add: await call('add', [2, 3]),
      addNamed: await call('add', { b: 3, a: 2 }),
      addTooMany: await call('add', [1, 2, 3]),
      pow: await call('math.pow', [3]),
      powNamed: await call('math.pow', { base: 2, exponent: 5 }),
      powNone: await call('math.pow', []),
      power: await call('power', [2]),
      sum: await call('sum', [1, 2, 3]),
      sumNone: await call('sum', []),
      tail: await call('tail', ['x', 1, 2]),
      tailNone: await call('tail', []),
      later: await call('later', [2]),
      laterNamed: await call('later', { n: 2, times: 5 }),
      gather: await call('gather', [1, 2, 3]),
      scale: await call('scale', { point: { x: 1, y: 2 } }),
      unnamed: await call('unnamed', { x: 1, k: 2 }),
      unnamedPositional: await call('unnamed', [{ x: 2 }, 3]),
      ask: await call('ask', ['Ada']),
      askNamed: await call('ask', { name: 'Bob', greeting: 'Hi' }),
    };
    client.sendNotification('note', ['hello']);
    await client.invokeRequest('add', 0, 0); // the notification was handled before this answer
    expect(got).toEqual({
      add: 5,
      addNamed: 5,
      addTooMany: ['InvalidParams', '"add" expects at most 2 argument(s), got 3'],
      pow: 9,
      powNamed: 32,
      powNone: ['InvalidParams', '"math.pow" expects at least 1 argument(s), got 0'],
      power: 'MethodNotFound',
      sum: 6,
      sumNone: 0,
      tail: 'x2',
      tailNone: ['InvalidParams', '"tail" expects at least 1 argument(s), got 0'],
      later: 6,
      laterNamed: 10,
      gather: [1, [2, 3]],
      scale: [1, 2],
      unnamed: ['InvalidParams', '"unnamed" has no parameter named "x"'],
      unnamedPositional: 6,
      ask: 'Hello, Countess Ada',
      askNamed: 'Hi, dear Bob',
    });
    expect(calc.notes).toEqual(['hello']);
    client.close();
    expect(await server.join(1000)).toBe(true);
  });
});

describe('mistakes caught when the class is defined (or first served)', () => {
  const define = (standard: keyof typeof STANDARDS, body: string, mark = '@serviceClass') =>
    () => load(`import { request, rpcRequest, RpcContext, serviceClass } from 'bsonrpc';\n${mark} export class S { ${body} }`, { ...STANDARDS[standard], target: ts.ScriptTarget.ES2022 });

  test.each(Object.keys(STANDARDS) as (keyof typeof STANDARDS)[])('%s: a static method is refused, and the message says so', (standard) => {
    expect(define(standard, '@request static m() {}')).toThrow(/instance methods, not static ones \((S\.)?m\)/);
  });

  test('standard: a decorated field is refused', () => {
    expect(define('standard', '@request x = 1;')).toThrow(/@request must decorate a method, not the field x/);
  });

  test('standard: a class with handlers but no @serviceClass is refused when served', () => {
    const { S } = define('standard', '@request m() { return 1; }', '')();
    // Not a service class at all: the peer refuses it as it always did.
    expect(() => new JsonRpc(createDuplexPair()[0], new S())).toThrow(/services must be an instance of a @serviceClass class/);
    const { T } = load(
      `import { request, serviceClass } from 'bsonrpc';
       @serviceClass class Base { @request a() { return 1; } }
       export class T extends Base { @request b() { return 2; } }`,
      { target: ts.ScriptTarget.ES2022 },
    );
    expect(() => new JsonRpc(createDuplexPair()[0], new T())).toThrow(/T declares handlers \(b\) but is not marked @serviceClass/);
  });

  test('legacy with emitDecoratorMetadata: an @rpcRequest whose first parameter is a string is refused', () => {
    expect(define('legacy', '@rpcRequest greet(name: string) { return name; }')).toThrow(
      /S\.greet: an @rpcRequest handler gets an RpcContext as its first argument, but its first parameter is declared as String; add `rpc: RpcContext`/,
    );
    expect(define('legacy', '@rpcRequest ok(rpc: RpcContext, name: string) { return name; }')).not.toThrow();
  });

  test('standard: the same handler is accepted (no design types), and fails only when called', () => {
    expect(define('standard', '@rpcRequest greet(name: string) { return name; }')).not.toThrow();
  });
});

describe('without decorator metadata (a compiler or runtime with no Symbol.metadata)', () => {
  test('standard decorators still register, through @serviceClass, and calls work', async () => {
    const holder = Symbol as unknown as { metadata?: symbol };
    const saved = holder.metadata;
    delete holder.metadata;
    let Calc: any;
    try {
      ({ Calc } = load(SERVICE, { target: ts.ScriptTarget.ES2022 }));
    } finally {
      holder.metadata = saved;
    }
    const [x, y] = createDuplexPair();
    const server = new JsonRpc(x, new Calc());
    const client = new JsonRpc(y);
    expect(await client.sendRequest('math.pow', { base: 3 })).toBe(9);
    expect(await client.invokeRequest('sum', 1, 2, 3)).toBe(6);
    client.close();
    expect(await server.join(1000)).toBe(true);
  });
});

describe('type-checking a service under each standard (tsc, not only transpiling)', () => {
  // Every decorator form, so each overload is checked against what tsc passes.
  const typed = `
    import { notification, request, rpcNotification, rpcRequest, RpcContext, serviceClass } from 'bsonrpc';
    @serviceClass
    export class Forms {
      @request bare(a: number) { return a; }
      @request() empty(a: number) { return a; }
      @request('x.named') named(a: number) { return a; }
      @request('x.opts', { params: ['a'] }) opts(a: number) { return a; }
      @request({ name: 'x.obj' }) obj(a: number) { return a; }
      @notification note(_m: string) {}
      @rpcRequest async ctx(rpc: RpcContext, a: number) { return [rpc.method, a]; }
      @rpcNotification('x.ctxNote') ctxNote(_rpc: RpcContext) {}
    }`;

  test.each(Object.keys(STANDARDS) as (keyof typeof STANDARDS)[])('%s: no diagnostics', (standard) => {
    const root = path.resolve(__dirname, '../..');
    const file = path.join(root, 'spec', '__typed_service__.ts'); // never written: served from memory below
    const options: ts.CompilerOptions = {
      ...STANDARDS[standard],
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      strict: true,
      noEmit: true,
      types: ['node'],
      paths: { bsonrpc: ['./lib/index.ts'] },
      baseUrl: root,
    };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    host.readFile = (f) => (f === file ? typed : readFile(f));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (f) => f === file || fileExists(f);
    const program = ts.createProgram([file], options, host);
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === file);
    expect(diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))).toEqual([]);
  }, 60_000);
});
