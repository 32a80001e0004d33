/**
 * Argument and result validation, compiled once per handler from what the
 * registry recorded: the declared parameter types (`design:paramtypes`,
 * legacy decorators with `emitDecoratorMetadata`) and the Standard Schema
 * validators of the decorator options `validate` and `returns`.
 *
 * A handler with nothing to check compiles to `undefined`, so its calls pay
 * nothing. It owns the rules (docs/validation.md); binding params to
 * arguments is registry.ts's, and calling the handler is the peer's.
 */
import { InternalError, InvalidParams } from '../errors';
import type { HandlerSpec } from './registry';
import type { StandardIssue, StandardResult, StandardSchema } from './standard-schema';

/** A declared type that can be checked: its name for messages and JSON Schema, and its test. */
interface TypeRule {
  readonly expected: string;
  readonly test: (value: unknown) => boolean;
}

/**
 * The rules per design type. `Object` has none on purpose: it is what
 * interfaces, object types, `any`, `unknown`, unions and generics all erase
 * to, so it says nothing about the value. `null` and `undefined` are never
 * checked (the design type of `string | null` is `String` as well).
 */
const RULES = new Map<unknown, TypeRule>([
  [String, { expected: 'string', test: (v) => typeof v === 'string' }],
  [Number, { expected: 'number', test: (v) => typeof v === 'number' }],
  [Boolean, { expected: 'boolean', test: (v) => typeof v === 'boolean' }],
  [Array, { expected: 'array', test: (v) => Array.isArray(v) }],
  // A BSON datetime arrives as a Date; over JSON a date is a string: any string Date.parse reads passes, unconverted.
  [Date, { expected: 'Date or date string', test: (v) => (v instanceof Date ? !Number.isNaN(v.getTime()) : typeof v === 'string' && !Number.isNaN(Date.parse(v))) }],
  // BSON binary arrives as bytes; over JSON bytes are a string (base64, hex) or a Buffer's toJSON form. Unconverted.
  [Buffer, { expected: 'bytes', test: (v) => v instanceof Uint8Array || typeof v === 'string' || isBufferJson(v) }],
]);

function isBufferJson(v: unknown): boolean {
  try {
    return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data);
  } catch {
    return false; // a hostile getter
  }
}

/** What a value is, for the `got` of a mismatch. */
export function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'Date';
  if (v instanceof Uint8Array) return 'bytes';
  return typeof v;
}

/** The checks of one handler, compiled. Absent members have nothing to check. */
export interface CompiledValidation {
  /** Checks the bound arguments against their declared types; throws `InvalidParams`. */
  readonly types: ((args: unknown[]) => void) | undefined;
  /** Runs the parameter validators: the arguments to call with (validators' output), or a promise of them. */
  readonly params: ((args: unknown[], ctx: unknown) => unknown[] | Promise<unknown[]>) | undefined;
  /** Runs the result validator: the result to send, or a promise of it. */
  readonly result: ((value: unknown, ctx: unknown) => unknown) | undefined;
}

/** Where a validator's own failure (a throw, a result that fails) is logged; `ctx` is the call's. */
export type FaultLog = (ctx: unknown, detail: Record<string, unknown>, message: string) => void;

/** Compiles a handler's checks; `undefined` when there are none. */
export function compileValidation(spec: HandlerSpec, fault: FaultLog): CompiledValidation | undefined {
  const types = spec.options.checkTypes === false ? undefined : compileTypes(spec);
  const params = compileParams(spec, fault);
  const result = spec.options.returns ? compileResult(spec, spec.options.returns, fault) : undefined;
  return types || params || result ? { types, params, result } : undefined;
}

function compileTypes(spec: HandlerSpec): ((args: unknown[]) => void) | undefined {
  const declared = spec.paramTypes;
  if (!declared) return undefined;
  const indexes: number[] = [];
  const rules: TypeRule[] = [];
  // Only the named slots: what a rest parameter's elements are is not recorded.
  const n = Math.min(declared.length, spec.shape.names.length);
  for (let i = 0; i < n; i++) {
    const rule = RULES.get(declared[i]);
    if (rule) {
      indexes.push(i);
      rules.push(rule);
    }
  }
  if (indexes.length === 0) return undefined;
  const { names } = spec.shape;
  const count = indexes.length;
  return (args) => {
    for (let k = 0; k < count; k++) {
      const i = indexes[k];
      const value = args[i];
      if (value !== undefined && value !== null && !rules[k].test(value)) {
        const param = names[i] ?? `#${i}`;
        const expected = rules[k].expected;
        const got = typeName(value);
        throw new InvalidParams(undefined, { method: spec.wireName, param, expected, got, message: `"${param}" must be ${expected}, got ${got}` });
      }
    }
  };
}

/** The issues as plain data: message and path of keys (symbols as strings), safe to encode. */
function plainIssues(issues: ReadonlyArray<StandardIssue>): { message: string; path?: (string | number)[] }[] {
  return Array.from(issues, (issue) => {
    const out: { message: string; path?: (string | number)[] } = { message: String(issue.message) };
    if (issue.path && issue.path.length > 0) {
      out.path = Array.from(issue.path, (seg) => {
        const key = typeof seg === 'object' && seg !== null ? seg.key : seg;
        return typeof key === 'number' ? key : String(key);
      });
    }
    return out;
  });
}

function message(err: unknown): string {
  try {
    return err instanceof Error ? String(err.message) : String(err);
  } catch {
    return 'unprintable thrown value';
  }
}

/** A validator that threw is the service's fault, not the caller's: -32603, logged. */
function threw(spec: HandlerSpec, what: string, err: unknown, fault: FaultLog, ctx: unknown): InternalError {
  const detail = { method: spec.wireName, [what === 'result' ? 'result' : 'param']: what === 'result' ? true : what, error: message(err) };
  fault(ctx, { ...detail, err }, `the validator of ${what === 'result' ? 'the result' : `parameter "${what}"`} of "${spec.wireName}" threw; answered -32603`);
  return new InternalError(undefined, detail);
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && typeof x === 'object' && typeof (x as PromiseLike<unknown>).then === 'function';
}

/** A validator's answer, or what it threw. */
type Outcome = StandardResult | { thrown: unknown };

function compileParams(spec: HandlerSpec, fault: FaultLog): CompiledValidation['params'] {
  const validate = spec.options.validate;
  if (!validate) return undefined;
  const entries = Object.keys(validate).map((name) => ({ name, index: spec.shape.names.indexOf(name), schema: validate[name] }));
  if (entries.length === 0) return undefined;
  const { required } = spec.shape;
  // Applies the outcomes in parameter order, so the first failing parameter (in order) is the one reported.
  const apply = (args: unknown[], outcomes: (Outcome | undefined)[], ctx: unknown): unknown[] => {
    const out = args.slice(); // never write into the params as they came off the wire
    for (let k = 0; k < entries.length; k++) {
      const o = outcomes[k];
      if (o === undefined) continue;
      const { name, index } = entries[k];
      if ('thrown' in o) throw threw(spec, name, o.thrown, fault, ctx);
      if (o.issues) {
        const issues = plainIssues(o.issues);
        throw new InvalidParams(undefined, { method: spec.wireName, param: name, issues, message: `"${name}": ${issues.map((i) => i.message).join('; ')}` });
      }
      out[index] = o.value;
    }
    return out;
  };
  return (args, ctx) => {
    const outcomes: (Outcome | Promise<Outcome> | undefined)[] = new Array(entries.length);
    let async = false;
    for (let k = 0; k < entries.length; k++) {
      const { index, schema } = entries[k];
      // An optional parameter left out is not checked: the handler's default applies.
      if (index >= args.length || (args[index] === undefined && index >= required)) continue;
      const o = run(schema, args[index]);
      if (isThenable(o)) async = true;
      outcomes[k] = o;
    }
    if (!async) return apply(args, outcomes as (Outcome | undefined)[], ctx);
    return Promise.all(outcomes).then((settled) => apply(args, settled, ctx));
  };
}

/** Runs one validator; a throw or a rejection becomes `{ thrown }`. */
function run(schema: StandardSchema, value: unknown): Outcome | Promise<Outcome> {
  try {
    const r = schema['~standard'].validate(value);
    return isThenable(r) ? Promise.resolve(r).then(checkShape, (thrown: unknown) => ({ thrown })) : checkShape(r);
  } catch (thrown) {
    return { thrown };
  }
}

/** A validator that answers with something that is not a result is as broken as one that throws. */
function checkShape(r: unknown): Outcome {
  if (typeof r !== 'object' || r === null) return { thrown: new TypeError(`validator returned ${typeName(r)}, not a result`) };
  const issues = (r as { issues?: unknown }).issues;
  if (issues !== undefined && issues !== null && !Array.isArray(issues)) return { thrown: new TypeError('validator returned issues that are not an array') };
  return r as StandardResult;
}

function compileResult(spec: HandlerSpec, schema: StandardSchema, fault: FaultLog): CompiledValidation['result'] {
  const settle = (o: Outcome, ctx: unknown): unknown => {
    if ('thrown' in o) throw threw(spec, 'result', o.thrown, fault, ctx);
    if (o.issues) {
      const issues = plainIssues(o.issues);
      fault(ctx, { method: spec.wireName, issues }, `the result of "${spec.wireName}" failed its returns validator; answered -32603`);
      throw new InternalError(undefined, { method: spec.wireName, result: true, issues, message: `result: ${issues.map((i) => i.message).join('; ')}` });
    }
    return o.value;
  };
  return (value, ctx) => {
    const o = run(schema, value);
    return isThenable(o) ? o.then((settled) => settle(settled, ctx)) : settle(o, ctx);
  };
}
