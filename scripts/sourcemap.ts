/**
 * Joins the source maps of the modules that scripts/bundle.ts puts into one
 * file: each module's mappings, moved down to the line where its body
 * starts in the bundle. A module keeps its lines and columns there, except
 * after a rewritten `require("./x")` and a non-ASCII character on the same
 * line (the bundle escapes those): mappings stay on the right line.
 */
import * as fs from 'fs';
import * as path from 'path';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A decoded mapping segment: [column, source, line, column, name?], all absolute. */
type Segment = number[];

/** Decodes a `mappings` string into absolute segments per generated line. */
export function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  const state = [0, 0, 0, 0, 0];
  for (const line of mappings.split(';')) {
    const out: Segment[] = [];
    state[0] = 0;
    for (const seg of line.split(',')) {
      if (!seg) continue;
      const fields: number[] = [];
      let value = 0;
      let shift = 0;
      for (const ch of seg) {
        const digit = B64.indexOf(ch);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      out.push(fields.map((d, i) => (state[i] += d)));
    }
    lines.push(out);
  }
  return lines;
}

function vlq(n: number): string {
  let v = n < 0 ? (-n << 1) | 1 : n << 1;
  let s = '';
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    s += B64[digit];
  } while (v > 0);
  return s;
}

/** Encodes absolute segments per generated line into a `mappings` string. */
export function encodeMappings(lines: Segment[][]): string {
  const state = [0, 0, 0, 0, 0];
  return lines
    .map((segs) => {
      state[0] = 0;
      return segs
        .map((seg) => {
          const s = seg.map((v, i) => vlq(v - state[i])).join('');
          seg.forEach((v, i) => (state[i] = v));
          return s;
        })
        .join(',');
    })
    .join(';');
}

/** One module of the bundle: its id (relative to `dir`) and the bundle line (0-based) where its body starts. */
export interface Placed {
  id: string;
  line: number;
}

/**
 * The source map of a bundle of the modules `placed`, read from their
 * `.js.map` files under `dir` (a module without one maps nowhere). Sources
 * are made relative to `dir`, their text kept (`sourcesContent`) when the
 * compiler inlined it.
 */
export function joinSourceMaps(dir: string, placed: Placed[], file: string): object {
  const sources: string[] = [];
  const contents: (string | null)[] = [];
  const names: string[] = [];
  const lines: Segment[][] = [];
  for (const { id, line } of placed) {
    const mapFile = path.join(dir, `${id}.map`);
    if (!fs.existsSync(mapFile)) continue;
    const map = JSON.parse(fs.readFileSync(mapFile, 'utf8')) as {
      sources?: string[];
      sourcesContent?: (string | null)[];
      names?: string[];
      mappings?: string;
      sourceRoot?: string;
    };
    if (typeof map.mappings !== 'string' || !Array.isArray(map.sources)) continue;
    const sourceIndex = map.sources.map((s, i) => {
      const rel = path.posix.normalize(path.posix.join(path.posix.dirname(id), map.sourceRoot ?? '', s));
      let k = sources.indexOf(rel);
      if (k < 0) {
        k = sources.push(rel) - 1;
        contents.push(map.sourcesContent?.[i] ?? null);
      }
      return k;
    });
    const nameIndex = (map.names ?? []).map((n) => {
      const k = names.indexOf(n);
      return k < 0 ? names.push(n) - 1 : k;
    });
    decodeMappings(map.mappings).forEach((segs, i) => {
      while (lines.length <= line + i) lines.push([]);
      lines[line + i] = segs
        .filter((s) => s.length >= 4)
        .map((s) => (s.length >= 5 ? [s[0], sourceIndex[s[1]], s[2], s[3], nameIndex[s[4]]] : [s[0], sourceIndex[s[1]], s[2], s[3]]));
    });
  }
  const withContents = contents.some((c) => c !== null);
  return { version: 3, file, sources, ...(withContents ? { sourcesContent: contents } : {}), names, mappings: encodeMappings(lines) };
}
