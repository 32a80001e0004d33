/**
 * A pre-parse guard against nesting bombs: V8's `JSON.parse` takes about a
 * second to reject 10 MB of `[` and six to parse a balanced one, so depth is
 * checked on the raw bytes first.
 *
 * The scan jumps over string contents with `Buffer#indexOf` (native), so its
 * cost is per bracket and per string, not per byte of string data: a 1 MiB
 * string payload costs about as much as a tiny one.
 */
import { toBuffer } from './codec';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * Returns the offset at which nesting first exceeds `maxDepth`, or -1 when it
 * never does. Malformed JSON is not diagnosed here (the parser does that);
 * an unterminated string simply ends the scan.
 */
export function findExcessiveNesting(bytes: Uint8Array | string, maxDepth: number): number {
  // Each level needs at least one byte: a shorter payload cannot be too deep.
  if (bytes.length <= maxDepth) return -1;
  if (typeof bytes === 'string') return findInText(bytes, maxDepth);
  const buf = toBuffer(bytes);
  const n = buf.length;
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = buf[i];
    if (c === QUOTE) {
      i = closingQuote(buf, i + 1);
      if (i < 0) return -1;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return i;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return -1;
}

/** Index of the quote that closes a string whose content starts at `from`; -1 if none. */
function closingQuote(buf: Buffer, from: number): number {
  let j = buf.indexOf(QUOTE, from);
  while (j >= 0) {
    // A quote preceded by an odd run of backslashes is escaped.
    let k = j - 1;
    while (k >= from && buf[k] === BACKSLASH) k--;
    if ((j - 1 - k) % 2 === 0) return j;
    j = buf.indexOf(QUOTE, j + 1);
  }
  return -1;
}

/**
 * The same scan over a JSON text (from a whole-message transport's text
 * frame). Every structural character is ASCII, so char codes serve as bytes.
 */
function findInText(text: string, maxDepth: number): number {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string: find its closing quote, one not escaped by an odd run of backslashes.
      for (i = text.indexOf('"', i + 1); i >= 0; i = text.indexOf('"', i + 1)) {
        let k = i - 1;
        while (text.charCodeAt(k) === BACKSLASH) k--;
        if ((i - 1 - k) % 2 === 0) break;
      }
      if (i < 0) return -1;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return i;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return -1;
}
