/**
 * The small part of the Standard Schema specification (standardschema.dev,
 * `StandardSchemaV1` of `@standard-schema/spec` 1.x, and its companion
 * `StandardJSONSchemaV1`) that bsonrpc reads, declared here as the
 * specification invites ("copy the interface into your library") so the
 * package depends on nothing for it. zod, valibot, ArkType and other
 * libraries' schemas satisfy it as they are; spec/service/validation.spec.ts
 * checks that the official types are assignable to these.
 */

/** One problem a validator found: a message and where, as the specification's `Issue`. */
export interface StandardIssue {
  /** What is wrong. */
  readonly message: string;
  /** The path into the value, each segment a key or `{ key }`. */
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** What a Standard Schema validator returns: the (possibly transformed) value, or issues. */
export type StandardResult = { readonly value: unknown; readonly issues?: undefined } | { readonly issues: ReadonlyArray<StandardIssue> };

/** The specification's JSON Schema converter (`~standard.jsonSchema`), offered by some libraries (zod 4.2+). */
export interface StandardJsonSchemaConverter {
  /** The JSON Schema of the values the validator accepts. May throw when conversion is not supported. */
  input(options: { target: string }): Record<string, unknown>;
  /** The JSON Schema of the values it outputs. May throw when conversion is not supported. */
  output(options: { target: string }): Record<string, unknown>;
}

/** The `~standard` member of a Standard Schema validator. */
export interface StandardSchemaProps {
  /** The specification's version: 1. */
  readonly version: 1;
  /** The library that made the validator (`'zod'`, `'valibot'`, …). */
  readonly vendor: string;
  /** Validates a value; may answer with a promise (asynchronous refinements). */
  validate(value: unknown): StandardResult | Promise<StandardResult>;
  /** A JSON Schema converter, when the library offers the Standard JSON Schema interface. */
  readonly jsonSchema?: StandardJsonSchemaConverter | undefined;
}

/**
 * A validator that follows the Standard Schema specification: what the
 * decorator options `validate` and `returns` take, e.g. `z.number().int()`
 * or `v.pipe(v.string(), v.email())`.
 */
export interface StandardSchema {
  /** The specification's properties. */
  readonly '~standard': StandardSchemaProps;
}

/** True when `x` looks like a Standard Schema validator (version 1, a `validate` function). */
export function isStandardSchema(x: unknown): x is StandardSchema {
  if ((typeof x !== 'object' && typeof x !== 'function') || x === null) return false;
  const props = (x as { '~standard'?: unknown })['~standard'];
  return typeof props === 'object' && props !== null && typeof (props as StandardSchemaProps).validate === 'function';
}
