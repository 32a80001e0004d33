/**
 * Reads a function's parameter names from its source, once, at decoration
 * time, so named params (a JSON object) can be mapped onto positions the way
 * Python bsonrpc maps keyword arguments.
 *
 * Only plain identifiers are named. A destructured parameter has no name
 * (`null`); a handler with one must list its names explicitly in the
 * decorator to accept named params.
 */

/** What binding needs to know about a handler's parameter list. */
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
 * Works on compiled output at any target (TypeScript strips types, but keeps
 * comments), including what down-levelling does to parameters:
 *
 * - ES5 defaults, `function (a, b) { if (b === void 0) { b = 2; } … }`;
 * - ES5 rest parameters, `var xs = []; for (var _i = 1; _i < arguments.length; _i++) xs[_i - 1] = arguments[_i];`
 *   (and Babel's `arguments.length > 1 && arguments[1] !== undefined ? …` and `_len`/`_key` forms);
 * - destructured parameters renamed to temporaries (`_a`, then `var x = _a.x`);
 * - an `async` method below ES2017 with defaults, which TypeScript splits
 *   into `m(a_1) { return __awaiter(this, arguments, void 0, function* (a, b = 2) {…}) }`.
 *
 * A function whose source is not available (`[native code]`: bound or
 * built-in functions) throws, naming what to do instead.
 */
export function readParamShape(fn: Function): ParamShape {
  let src = blankNonCode(Function.prototype.toString.call(fn));
  if (/\{\s*\[native code\]\s*\}\s*$/.test(src)) {
    throw new TypeError(
      `cannot read the parameters of ${fn.name || 'a function'}: its source is not available (a bound or native function); ` +
        'expose a plain method or function instead',
    );
  }
  let list = paramList(src);
  let body = bodyOf(src, list.end);
  // TypeScript below ES2017: an async method whose parameters need the
  // generator's scope keeps its real list in the inner generator function.
  const awaiter = /^\s*return\s+__awaiter\(\s*this\s*,\s*arguments\s*,[^,]*,\s*function\s*\*?\s*\(/.exec(body);
  if (awaiter) {
    src = body.slice(awaiter[0].lastIndexOf('function'));
    list = paramList(src);
    body = bodyOf(src, list.end);
  }
  const names: (string | null)[] = [];
  let rest = false;
  let required = -1;
  for (const raw of splitTopLevel(list.text)) {
    const p = raw.trim();
    if (!p) continue;
    if (p.startsWith('...')) {
      rest = true;
      if (required < 0) required = names.length;
      continue; // a rest parameter is not a named slot that a params object could fill
    }
    if (required < 0 && hasTopLevelDefault(p)) required = names.length;
    const m = /^([A-Za-z_$][\w$]*)\s*(?:=|$)/.exec(p);
    names.push(m ? m[1] : null);
  }
  const lowered = readLoweredPrologue(body, names);
  if (lowered.rest) rest = true;
  if (lowered.firstDefault >= 0 && (required < 0 || lowered.firstDefault < required)) required = lowered.firstDefault;
  if (required < 0) required = names.length;
  return { names, required: Math.min(required, names.length), rest };
}

/** True when a parameter's text has a default value (`=` outside any brackets, not part of `=>`). */
function hasTopLevelDefault(param: string): boolean {
  let depth = 0;
  for (let i = 0; i < param.length; i++) {
    const c = param[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === '=' && depth === 0 && param[i + 1] !== '>') return true;
  }
  return false;
}

/** The text after the parameter list: the body inside its braces, or an arrow's expression. */
function bodyOf(src: string, listEnd: number): string {
  const rest = src.slice(listEnd + 1);
  const open = /^\s*(?:=>\s*)?\{/.exec(rest);
  return open ? rest.slice(open[0].length) : '';
}

/** What down-levelled code says about the parameters in the statements that open the body. */
interface LoweredPrologue {
  /** Index of the first parameter given a default in the body, or -1. */
  firstDefault: number;
  /** The body gathers trailing arguments into an array (a compiled rest parameter) or reads `arguments`. */
  rest: boolean;
}

const TS_DEFAULT = /^\s*if\s*\(\s*([A-Za-z_$][\w$]*)\s*===\s*void 0\s*\)\s*\{/;
const TS_REST = /^\s*var\s+([A-Za-z_$][\w$]*)\s*=\s*\[\]\s*;\s*for\s*\(\s*var\s+([A-Za-z_$][\w$]*)\s*=\s*\d+\s*;\s*\2\s*<\s*arguments\.length\s*;/;
const BABEL_DEFAULT = /^\s*(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*arguments\.length\s*>\s*(\d+)\s*&&\s*arguments\[\2\]\s*!==\s*undefined\s*\?/;
const BABEL_REST = /^\s*for\s*\(\s*var\s+[A-Za-z_$][\w$]*\s*=\s*arguments\.length\s*,\s*([A-Za-z_$][\w$]*)\s*=\s*new Array/;
const STATEMENT = /^\s*(?:(?:var|let|const)\s|(["'])\s*\1\s*;)/;

/**
 * Reads the statements a compiler puts at the top of a body in place of
 * parameter syntax, and marks destructured parameters that a compiler
 * renamed to temporaries (`_a`) as unnamed. Stops at the first statement
 * that is none of those.
 */
function readLoweredPrologue(body: string, names: (string | null)[]): LoweredPrologue {
  let firstDefault = -1;
  let rest = false;
  const noteDefault = (index: number) => {
    if (index >= 0 && (firstDefault < 0 || index < firstDefault)) firstDefault = index;
  };
  let at = 0;
  for (;;) {
    const text = body.slice(at);
    let m: RegExpExecArray | null;
    if ((m = TS_DEFAULT.exec(text))) {
      noteDefault(names.indexOf(m[1]));
      at += closeOf(text, m[0].length - 1) + 1;
    } else if ((m = TS_REST.exec(text)) || (m = BABEL_REST.exec(text))) {
      rest = true;
      const loop = text.indexOf('for');
      at += loop + statementEnd(text.slice(loop));
    } else if ((m = BABEL_DEFAULT.exec(text))) {
      // Babel drops a defaulted parameter from the list; it comes back here.
      const index = Number(m[2]);
      while (names.length < index) names.push(null);
      names[index] = m[1];
      noteDefault(index);
      at += statementEnd(text);
    } else if (STATEMENT.test(text)) {
      at += statementEnd(text);
    } else break;
  }
  // A temporary like `_a` that the body destructures stands for a destructured parameter: it has no name.
  names.forEach((name, i) => {
    if (name && /^_[a-z]?\d*$/.test(name) && new RegExp(`(?:[^=!<>]=|__rest\\()\\s*${name.replace('$', '\\$')}\\b`).test(body)) names[i] = null;
  });
  // A plain function that reads `arguments` past the prologue is variadic, as far as a caller can tell.
  if (!rest && /(?<![\w$.])arguments(?![\w$])/.test(body.slice(at))) rest = true;
  return { firstDefault, rest };
}

/** Index just past the end of the statement (or the `for` loop, with its body) that opens `text`. */
function statementEnd(text: string): number {
  const loop = /^\s*for\s*\(/.exec(text);
  if (loop) {
    const head = closeOf(text, loop[0].length - 1) + 1;
    const after = text.slice(head);
    const block = /^\s*\{/.exec(after);
    return head + (block ? closeOf(after, block[0].length - 1) + 1 : statementEnd(after));
  }
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ';' && depth === 0) return i + 1;
  }
  return text.length;
}

/** Index of the bracket that closes the one at `open`. */
function closeOf(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return text.length;
}

/** The parameter list: inside the first parens, or before `=>` for `x => …`; `end` is the index of its closing paren (or of `=>`'s `=` minus one). */
function paramList(src: string): { text: string; end: number } {
  const open = src.indexOf('(');
  const arrow = src.indexOf('=>');
  if (arrow >= 0 && (open < 0 || arrow < open)) {
    return { text: src.slice(0, arrow).replace(/^\s*async\s+/, ''), end: arrow - 1 };
  }
  if (open < 0) return { text: '', end: src.length };
  const close = closeOf(src, open);
  return { text: src.slice(open + 1, close), end: close };
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
