/**
 * Lists of hooks (middleware, outgoing hooks) kept the way the hot paths
 * want them: `undefined`, not empty, when there is none, so a message
 * checks one field; and replaced rather than changed, so a list being run
 * is never altered under its loop (a hook may remove itself).
 */

/** `list` with `hook` added at the end. */
export function withHook<T>(list: readonly T[] | undefined, hook: T): T[] {
  return list === undefined ? [hook] : [...list, hook];
}

/** `list` without `hook`; `undefined` when nothing is left. */
export function withoutHook<T>(list: readonly T[] | undefined, hook: T): T[] | undefined {
  const rest = (list ?? []).filter((h) => h !== hook);
  return rest.length > 0 ? rest : undefined;
}
