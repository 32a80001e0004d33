/**
 * Reads a function's parameter names from its source, once, at decoration
 * time, so named params (a JSON object) can be mapped onto positions the way
 * Python bsonrpc maps keyword arguments.
 *
 * Only plain identifiers are named. A destructured parameter has no name
 * (`null`); a handler with one must list its names explicitly in the
 * decorator to accept named params.
 */

/** What the dispatcher needs to know about a handler's parameter list. */
export interface ParamShape {
  /** Names in order; `null` where a parameter has no name (destructuring). */
  names: (string | null)[];
  /** Parameters before the first one with a default value (JS `fn.length`). */
  required: number;
  /** True when the last parameter is `...rest`: no upper bound on arity. */
  rest: boolean;
}

/**
 * Parses the parameter list of a method, function or arrow function.
 * Works on compiled output (TypeScript strips types before we see it).
 */
export function readParamShape(fn: Function): ParamShape {
  const src = Function.prototype.toString.call(fn);
  const open = src.indexOf('(');
  const list = open < 0 ? firstArrowParam(src) : balancedSlice(src, open);
  const parts = splitTopLevel(list);
  const names: (string | null)[] = [];
  let rest = false;
  for (const raw of parts) {
    let p = raw.trim();
    if (!p) continue;
    if (p.startsWith('...')) {
      rest = true;
      p = p.slice(3).trim();
    }
    const m = /^([A-Za-z_$][\w$]*)/.exec(p);
    names.push(m && !/^[[{]/.test(p) ? m[1] : null);
  }
  // A rest parameter is not a named slot that a params object could fill.
  if (rest) names.pop();
  return { names, required: Math.min(fn.length, names.length), rest };
}

function firstArrowParam(src: string): string {
  const arrow = src.indexOf('=>');
  return arrow < 0 ? '' : src.slice(0, arrow);
}

/** The text between the bracket at `open` and its matching close, skipping strings and comments. */
function balancedSlice(src: string, open: number): string {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "'" || c === '`') {
      i = skipString(src, i);
    } else if (c === '/' && src[i + 1] === '*') {
      i = src.indexOf('*/', i + 2) + 1;
      if (i === 0) break;
    } else if (c === '/' && src[i + 1] === '/') {
      i = src.indexOf('\n', i);
      if (i < 0) break;
    } else if (c === '(' || c === '[' || c === '{') {
      depth++;
    } else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return src.slice(open + 1, i);
    }
  }
  return src.slice(open + 1);
}

function skipString(src: string, start: number): number {
  const quote = src[start];
  for (let i = start + 1; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === quote) return i;
  }
  return src.length;
}

/** Splits on commas that are not nested inside brackets, strings or comments. */
function splitTopLevel(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '"' || c === "'" || c === '`') i = skipString(list, i);
    else if (c === '/' && list[i + 1] === '*') {
      const end = list.indexOf('*/', i + 2);
      // Comments are blanked so "a /* , */ b" does not split.
      list = list.slice(0, i) + ' '.repeat((end < 0 ? list.length : end + 2) - i) + (end < 0 ? '' : list.slice(end + 2));
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(list.slice(from, i));
      from = i + 1;
    }
  }
  out.push(list.slice(from));
  return out;
}
