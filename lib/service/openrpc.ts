/**
 * An OpenRPC 1.3.2 document (spec.open-rpc.org) generated from a service
 * object's handler table: what `rpc.discover` answers when a peer has the
 * option `discover`. Owns only the translation; the table is registry.ts's.
 *
 * Schemas come, in this order, from the parameter's Standard Schema
 * validator (through `DiscoverOptions.jsonSchema`, else the validator's own
 * Standard JSON Schema converter, `~standard.jsonSchema`), from its design
 * type, or are `{}` (anything).
 */
import { handlerTable, HandlerSpec, DeclaredError } from './registry';
import type { StandardSchema } from './standard-schema';

/** A JSON Schema (draft-07, as OpenRPC 1.3 uses), as a plain object. */
export type JsonSchema = Record<string, unknown>;

/** Options of `rpc.discover`: the `discover` peer option, when not just `true`. */
export interface DiscoverOptions {
  /** `info.title`; default the service class's name. */
  title?: string;
  /** `info.version`; default `"0.0.0"`. */
  version?: string;
  /** `info.description`; none by default. */
  description?: string;
  /**
   * Turns a validator into a JSON Schema, for libraries that do not offer
   * the Standard JSON Schema interface themselves (valibot:
   * `(v) => toJsonSchema(v)` from `@valibot/to-json-schema`). Returning
   * `undefined` falls back to the validator's own converter, then `{}`.
   */
  jsonSchema?: (validator: StandardSchema, use: 'input' | 'output') => JsonSchema | undefined;
}

/** One parameter or the result: OpenRPC's Content Descriptor. */
export interface OpenRpcContentDescriptor {
  /** The parameter's name (`"result"` for the result). */
  name: string;
  /** True when the parameter must be given. */
  required?: boolean;
  /** What values it takes. */
  schema: JsonSchema;
}

/** One method (a notification is a method without `result`). */
export interface OpenRpcMethod {
  /** The wire name. */
  name: string;
  /** From the decorator option `summary`. */
  summary?: string;
  /** From the decorator option `description`. */
  description?: string;
  /** From the decorator option `deprecated`. */
  deprecated?: boolean;
  /** `"by-position"` when a parameter has no name (destructuring), else `"either"`. */
  paramStructure: 'by-position' | 'either';
  /** The parameters, in order; a rest parameter is not listed. */
  params: OpenRpcContentDescriptor[];
  /** The result; absent for a notification. */
  result?: OpenRpcContentDescriptor;
  /** From the decorator option `errors`. */
  errors?: DeclaredError[];
}

/** The document `rpc.discover` answers. */
export interface OpenRpcDocument {
  /** The OpenRPC version: `"1.3.2"`. */
  openrpc: '1.3.2';
  /** Title, version and description of the service. */
  info: { title: string; version: string; description?: string };
  /** Every request and notification handler, in declaration order. */
  methods: OpenRpcMethod[];
}

/** JSON Schemas of the checkable design types (docs/validation.md says how JSON carries Date and bytes). */
const DESIGN_SCHEMAS = new Map<unknown, JsonSchema>([
  [String, { type: 'string' }],
  [Number, { type: 'number' }],
  [Boolean, { type: 'boolean' }],
  [Array, { type: 'array' }],
  [Date, { type: 'string', format: 'date-time' }],
  [Buffer, { description: 'bytes: BSON binary, or over JSON a base64 string' }],
]);

function fromValidator(validator: StandardSchema, use: 'input' | 'output', options: DiscoverOptions): JsonSchema {
  const converters = [
    () => options.jsonSchema?.(validator, use),
    () => validator['~standard'].jsonSchema?.[use]({ target: 'draft-07' }),
  ];
  for (const convert of converters) {
    try {
      const schema = convert();
      if (typeof schema === 'object' && schema !== null) {
        const { $schema: _drop, ...rest } = schema;
        return rest;
      }
    } catch {
      // A schema the converter cannot express (a transform, a custom check): try the next, else `{}`.
    }
  }
  return {};
}

function schemaOf(validator: StandardSchema | undefined, designType: unknown, use: 'input' | 'output', options: DiscoverOptions): JsonSchema {
  if (validator) return fromValidator(validator, use, options);
  return { ...(DESIGN_SCHEMAS.get(designType) ?? {}) };
}

function methodOf(spec: HandlerSpec, options: DiscoverOptions): OpenRpcMethod {
  const { names, required } = spec.shape;
  const o = spec.options;
  const method: OpenRpcMethod = {
    name: spec.wireName,
    paramStructure: names.includes(null) ? 'by-position' : 'either',
    params: names.map((name, i) => ({
      name: name ?? `arg${i}`,
      required: i < required,
      schema: schemaOf(name === null ? undefined : o.validate?.[name], spec.paramTypes?.[i], 'input', options),
    })),
  };
  if (o.summary !== undefined) method.summary = o.summary;
  if (o.description !== undefined) method.description = o.description;
  if (o.deprecated !== undefined) method.deprecated = o.deprecated;
  if (spec.kind === 'request') {
    // An async method's design return type is Promise, which says nothing of the value.
    method.result = { name: 'result', schema: schemaOf(o.returns, spec.returnType, 'output', options) };
  }
  if (o.errors && o.errors.length > 0) {
    method.errors = o.errors.map((e) => (e.data === undefined ? { code: e.code, message: e.message } : { code: e.code, message: e.message, data: e.data }));
  }
  return method;
}

/**
 * The OpenRPC 1.3.2 document of a service object (an instance of a
 * `@serviceClass` class or a `defineService` object): what `rpc.discover`
 * answers with the peer option `discover`. Also useful offline, to publish
 * a service's description.
 *
 * @param services - the service object; `undefined` gives a document without methods.
 * @param options - title, version, description, and a JSON Schema converter for validators.
 */
export function openRpcDocument(services: object | undefined, options: DiscoverOptions = {}): OpenRpcDocument {
  const table = services ? handlerTable(services) : new Map<string, HandlerSpec>();
  const className = services ? (Object.getPrototypeOf(services) as { constructor?: { name?: string } }).constructor?.name : undefined;
  const info: OpenRpcDocument['info'] = { title: options.title ?? (className || 'bsonrpc service'), version: options.version ?? '0.0.0' };
  if (options.description !== undefined) info.description = options.description;
  return { openrpc: '1.3.2', info, methods: [...table.values()].map((spec) => methodOf(spec, options)) };
}
