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
 * Works on compiled output (TypeScript strips types, but keeps comments).
 */
export function readParamShape(fn: Function): ParamShape {
  const src = blankNonCode(Function.prototype.toString.call(fn));
  const parts = splitTopLevel(paramList(src));
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
    names.push(m ? m[1] : null);
  }
  // A rest parameter is not a named slot that a params object could fill.
  if (rest) names.pop();
  return { names, required: Math.min(fn.length, names.length), rest };
}

/** The text of the parameter list: inside the first parens, or before `=>` for `x => …`. */
function paramList(src: string): string {
  const open = src.indexOf('(');
  const arrow = src.indexOf('=>');
  if (arrow >= 0 && (open < 0 || arrow < open)) return src.slice(0, arrow).replace(/^\s*async\s+/, '');
  if (open < 0) return '';
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return src.slice(open + 1, i);
    }
  }
  return src.slice(open + 1);
}

/** Splits on commas that are not nested inside brackets. */
function splitTopLevel(list: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(list.slice(from, i));
      from = i + 1;
    }
  }
  out.push(list.slice(from));
  return out;
}

/**
 * Replaces the contents of comments, strings, template literals and regex
 * literals with spaces (same length), so brackets and commas inside them
 * cannot confuse the bracket matching above. Quotes are kept, so a string
 * default still reads as a value.
 */
function blankNonCode(src: string): string {
  const out = src.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to && k < out.length; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let lastSignificant = '';
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '/' && src[i + 1] === '/') {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? src.length : end;
      blank(i, stop);
      i = stop;
      continue;
    }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      blank(i, stop);
      i = stop - 1;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      const end = skipQuoted(src, i, c);
      blank(i + 1, end);
      i = end;
      lastSignificant = c;
      continue;
    }
    // A slash where a value is expected starts a regex literal, not a division.
    if (c === '/' && (lastSignificant === '' || '=(,[{:!&|?;'.includes(lastSignificant))) {
      const end = skipRegex(src, i);
      blank(i + 1, end);
      i = end;
      lastSignificant = '/';
      continue;
    }
    if (!/\s/.test(c)) lastSignificant = c;
  }
  return out.join('');
}

/** Index of the closing quote (escapes honoured), or the end of the text. */
function skipQuoted(src: string, start: number, quote: string): number {
  for (let i = start + 1; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === quote) return i;
  }
  return src.length;
}

/** Index of the slash that closes a regex literal (character classes and escapes honoured). */
function skipRegex(src: string, start: number): number {
  let inClass = false;
  for (let i = start + 1; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) return i;
    else if (c === '\n') return i;
  }
  return src.length;
}
