/**
 * Parameter names read from handler source (lib/service/params.ts) and the
 * binding of wire params onto them (bindParams in lib/service/registry.ts).
 */
import { InvalidParams, request, rpcRequest, RpcContext, serviceClass } from '../../lib';
import { readParamShape } from '../../lib/service/params';
import { bindParams, handlerTable, HandlerSpec } from '../../lib/service/registry';

/** Evaluates a function expression from source text, so the test controls the exact source. */
const fn = (source: string): Function => new Function(`return (${source});`)();
const method = (body: string): Function => fn(`class { ${body} }`).prototype.m;

describe('readParamShape', () => {
  test('a function without source (bound, native) is refused, saying why', () => {
    expect(() => readParamShape(Math.max)).toThrow(/cannot read the parameters of max: its source is not available/);
    expect(() => readParamShape(function f(a: number) { return a; }.bind(null))).toThrow(/bound or native function/);
  });

  test.each([
    // [label, function, names, required, rest]
    ['no parameters', fn('function () {}'), [], 0, false],
    ['plain names', fn('function (a, b, c) {}'), ['a', 'b', 'c'], 3, false],
    ['a method', method('m(a, b) { return a + b; }'), ['a', 'b'], 2, false],
    ['an async method', method('async m(a, b) {}'), ['a', 'b'], 2, false],
    ['a generator method', method('*m(a) {}'), ['a'], 1, false],
    ['an async generator method', method('async *m(a, /* b, c */ b) {}'), ['a', 'b'], 2, false],
    ['$ and _ in names', fn('function ($a, _b, c$1) {}'), ['$a', '_b', 'c$1'], 3, false],
    ['unicode-free whitespace and newlines', fn('function (\n  a ,\n\tb\n) {}'), ['a', 'b'], 2, false],
    ['a trailing comma', fn('function (a, b,) {}'), ['a', 'b'], 2, false],
    ['a default value', fn('function (a, b = 2) {}'), ['a', 'b'], 1, false],
    ['a default string with a comma and a paren', fn('function (a = "x,)", b) {}'), ['a', 'b'], 0, false],
    ['a default string with an escaped quote', fn("function (a = 'it\\'s, ok', b) {}"), ['a', 'b'], 0, false],
    ['a default template literal with a comma', fn('function (a = `x, ${1 + 2}`, b) {}'), ['a', 'b'], 0, false],
    ['a default call with commas', fn('function (a = Math.max(1, 2), b = f(g(3, 4))) {}'), ['a', 'b'], 0, false],
    ['a default object and array literal', fn('function (a = {x: (1, 2), y: [3, 4]}, b = [1, [2, 3]]) {}'), ['a', 'b'], 0, false],
    ['a default arrow function with two params', fn('function (cb = (x, y) => x + y, z) {}'), ['cb', 'z'], 0, false],
    ['a default referring to an earlier param', fn('function (a, b = a * 2) {}'), ['a', 'b'], 1, false],
    ['a block comment holding a comma', fn('function (a /* x, y */, b) {}'), ['a', 'b'], 2, false],
    ['a block comment holding a paren', fn('function (a /* ) */, b) {}'), ['a', 'b'], 2, false],
    ['a line comment holding a comma', fn('function (a, // first, an integer\n b) {}'), ['a', 'b'], 2, false],
    ['a line comment holding a paren', fn('function (a, // see (1\n b) {}'), ['a', 'b'], 2, false],
    ['a default regex holding a paren and a comma', fn('function (a = /[,)]/, b) {}'), ['a', 'b'], 0, false],
    ['an object destructuring', fn('function ({ a, b }, c) {}'), [null, 'c'], 2, false],
    ['an array destructuring with a default', fn('function ([a, b] = [], c) {}'), [null, 'c'], 0, false],
    ['a rest parameter', fn('function (a, ...rest) {}'), ['a'], 1, true],
    ['only a rest parameter', fn('function (...args) {}'), [], 0, true],
    ['a destructured rest parameter', fn('function (a, ...[b, c]) {}'), ['a'], 1, true],
    ['an arrow function with parens', fn('(a, b) => a + b'), ['a', 'b'], 2, false],
    ['an async arrow function with parens', fn('async (a, b) => a'), ['a', 'b'], 2, false],
    ['an arrow function without parens', fn('x => x'), ['x'], 1, false],
    ['an arrow function without parens whose body calls', fn('x => Math.max(1, 2)'), ['x'], 1, false],
    ['an async arrow function without parens', fn('async x => x'), ['x'], 1, false],
    // Down-levelled forms (TypeScript at ES5, Babel), and plain functions reading `arguments`.
    ['an ES5 default', fn('function (a, b) {\n  if (b === void 0) { b = { k: [1, 2] }; }\n  return a;\n}'), ['a', 'b'], 1, false],
    ['an ES5 rest', fn('function (a) { var xs = []; for (var _i = 1; _i < arguments.length; _i++) { xs[_i - 1] = arguments[_i]; } return xs; }'), ['a'], 1, true],
    ['an ES5 default and rest', fn('function (a, b) { if (b === void 0) { b = 1; } var xs = []; for (var _i = 2; _i < arguments.length; _i++) { xs[_i - 2] = arguments[_i]; } }'), ['a', 'b'], 1, true],
    ['an ES5 destructured temporary', fn('function (_a, k) { var x = _a.x, y = _a.y; return x; }'), [null, 'k'], 2, false],
    ['a parameter really named _a', fn('function (_a) { return _a + 1; }'), ['_a'], 1, false],
    ['a Babel default', fn('function (a) { var b = arguments.length > 1 && arguments[1] !== undefined ? arguments[1] : 2; return a + b; }'), ['a', 'b'], 1, false],
    ['a Babel rest', fn('function (a) { for (var _len = arguments.length, xs = new Array(_len > 1 ? _len - 1 : 0), _key = 1; _key < _len; _key++) { xs[_key - 1] = arguments[_key]; } }'), ['a'], 1, true],
    ['an async method split by TypeScript below ES2017', method('m(a_1) { return __awaiter(this, arguments, void 0, function* (a, b = 2) { return a + b; }); }'), ['a', 'b'], 1, false],
    ['a function reading arguments', fn('function () { return arguments.length; }'), [], 0, true],
  ])('%s', (_label, f, names, required, rest) => {
    expect(readParamShape(f)).toEqual({ names, required, rest });
  });
});

/** The table entry of `wire` in an instance of `cls`. */
const specOf = (cls: new () => object, wire: string): HandlerSpec => {
  const spec = handlerTable(new cls()).get(wire);
  if (!spec) throw new Error(`no handler ${wire}`);
  return spec;
};

describe('names read from compiled TypeScript handlers', () => {
  @serviceClass
  class Shapes {
    @request plain(a: number, b: string) {
      return [a, b];
    }
    @request defaults(a: number, b = 'x, y', c = { k: [1, 2] }) {
      return [a, b, c];
    }
    @request destructured({ x, y }: { x: number; y: number }, k: number) {
      return [x, y, k];
    }
    @request({ params: ['point', 'k'] }) listed({ x, y }: { x: number; y: number }, k: number) {
      return [x, y, k];
    }
    @request rest(first: number, ...others: number[]) {
      return [first, others];
    }
    @rpcRequest withContext(_rpc: RpcContext, a: number, b = 1) {
      return a + b;
    }
    @request commented(
      a: number, // the first, an integer
      b: number, // the second (also one)
    ) {
      return a + b;
    }
  }

  test.each([
    ['plain', { names: ['a', 'b'], required: 2, rest: false }],
    ['defaults', { names: ['a', 'b', 'c'], required: 1, rest: false }],
    ['destructured', { names: [null, 'k'], required: 2, rest: false }],
    ['listed', { names: ['point', 'k'], required: 2, rest: false }],
    ['rest', { names: ['first'], required: 1, rest: true }],
    ['withContext', { names: ['a', 'b'], required: 1, rest: false }],
    ['commented', { names: ['a', 'b'], required: 2, rest: false }],
  ])('%s', (wire, shape) => {
    expect(specOf(Shapes, wire).shape).toEqual(shape);
  });

  test.each([
    // [handler, wire params, the argument list the handler receives]
    ['plain', [1, 's'], [1, 's']],
    ['plain', { b: 's', a: 1 }, [1, 's']],
    ['defaults', [1], [1]],
    ['defaults', { a: 1 }, [1]],
    ['defaults', { a: 1, c: 3 }, [1, undefined, 3]],
    ['defaults', { c: 3, a: 1, b: null }, [1, null, 3]],
    ['destructured', [{ x: 1, y: 2 }, 3], [{ x: 1, y: 2 }, 3]],
    ['listed', { k: 3, point: { x: 1, y: 2 } }, [{ x: 1, y: 2 }, 3]],
    ['rest', [1], [1]],
    ['rest', [1, 2, 3], [1, 2, 3]],
    ['rest', { first: 1 }, [1]],
    ['withContext', { a: 1 }, [1]],
    ['withContext', [1, 2], [1, 2]],
    ['commented', { a: 1, b: 2 }, [1, 2]],
    ['commented', [1, 2], [1, 2]],
  ])('bindParams %s %j → %j', (wire, params, args) => {
    expect(bindParams(specOf(Shapes, wire), params)).toEqual(args);
  });

  test.each([
    // [handler, wire params, what data must say]
    ['plain', undefined, /"plain" expects at least 2 argument\(s\), got none/],
    ['plain', [1], /"plain" expects at least 2 argument\(s\), got 1/],
    ['plain', [1, 2, 3], /"plain" expects at most 2 argument\(s\), got 3/],
    ['plain', {}, /"plain" is missing parameter "a"/],
    ['plain', { a: 1 }, /"plain" is missing parameter "b"/],
    ['plain', { a: 1, b: 2, c: 3 }, /"plain" has no parameter named "c"/],
    ['plain', { a: 1, B: 2 }, /no parameter named "B"/],
    ['plain', { a: 1, b: 2, constructor: 3 }, /no parameter named "constructor"/],
    ['plain', { a: 1, b: 2, hasOwnProperty: 3 }, /no parameter named "hasOwnProperty"/],
    ['plain', JSON.parse('{"a": 1, "b": 2, "__proto__": 3}'), /no parameter named "__proto__"/],
    ['defaults', { b: 1 }, /missing parameter "a"/],
    ['defaults', [1, 2, 3, 4], /at most 3/],
    ['destructured', { k: 1 }, /"destructured" cannot take named params/],
    ['destructured', { x: 1, y: 2, k: 1 }, /no parameter named "x"/],
    ['listed', { x: 1, y: 2, k: 3 }, /no parameter named "x"/],
    ['rest', { first: 1, others: [2] }, /no parameter named "others"/],
    ['rest', [], /at least 1/],
    ['withContext', { _rpc: 1, a: 2 }, /no parameter named "_rpc"/],
    ['withContext', [1, 2, 3], /at most 2/],
    ['commented', [1, 2, 3], /at most 2/],
  ])('bindParams %s %j → InvalidParams %p', (wire, params, data) => {
    let thrown: unknown;
    try {
      bindParams(specOf(Shapes, wire), params);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidParams);
    expect((thrown as InvalidParams).code).toBe(-32602);
    expect((thrown as InvalidParams).data).toMatch(data);
  });
});
