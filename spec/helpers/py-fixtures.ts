/**
 * What Python bsonrpc 0.2.1 recorded (spec/fixtures/pybsonrpc) and how to
 * read it: one loader for the manifest that the codec, framing and
 * compatibility specs all replay; a reader for the Python reprs the
 * fixtures carry as results and a check of a call against one; and
 * {@link pyJson}, the JSON text Python writes, for frames a test must forge
 * in its style.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PeerError } from '../../lib';

/** The recorded wire forms. */
export type PyWire = 'rfc7464' | 'netstring' | 'frameless' | 'bson';

/** One recorded frame: exactly what crossed the wire, and its decoded message. */
export interface PyFrame {
  scenario: string;
  seq: number;
  direction: 'c2s' | 's2c';
  file: string;
  bytes: number;
  /** As parsed (JSON) or canonical extended JSON (BSON). */
  message: any;
}

/** One recorded scenario: its frames in wire order and the Python caller's result (a repr). */
export interface PyScenario {
  name: string;
  frames: PyFrame[];
  pythonResult: string;
}

/** Where the recorded frames and their manifest live. */
export const PY_FIXTURES = join(__dirname, '..', 'fixtures', 'pybsonrpc');

type ManifestEntry = PyFrame | { scenario: string; python_result: string };

/** The manifest's entries for `wire`, read afresh so no spec sees another's edits. */
function manifestEntries(wire: PyWire): ManifestEntry[] {
  return (JSON.parse(readFileSync(join(PY_FIXTURES, 'manifest.json'), 'utf8')) as Record<PyWire, ManifestEntry[]>)[wire];
}

/** The frames recorded for `wire`, in manifest order (by scenario, then seq). */
export function pyFrames(wire: PyWire): PyFrame[] {
  return manifestEntries(wire).filter((e): e is PyFrame => 'file' in e);
}

/** The scenarios recorded for `wire`, in manifest order. */
export function pyScenarios(wire: PyWire): PyScenario[] {
  const byName = new Map<string, PyScenario>();
  for (const entry of manifestEntries(wire)) {
    let s = byName.get(entry.scenario);
    if (!s) byName.set(entry.scenario, (s = { name: entry.scenario, frames: [], pythonResult: '' }));
    if ('python_result' in entry) s.pythonResult = entry.python_result;
    else s.frames.push(entry);
  }
  for (const s of byName.values()) s.frames.sort((a, b) => a.seq - b.seq);
  return [...byName.values()];
}

/** The bytes of a recorded frame, framing included. */
export function pyFrameBytes(frame: PyFrame): Buffer {
  return readFileSync(join(PY_FIXTURES, frame.file));
}

/**
 * A JSON text as Python bsonrpc writes it: `json.dumps(sort_keys=True,
 * separators=(',', ':'))` with `ensure_ascii`.
 */
export function pyJson(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])]))
        : v;
  return JSON.stringify(sorted(value)).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What a Python repr of a raised bsonrpc error names. */
export interface PyErrorRepr {
  errorClass: string;
  code: number;
  message: string;
  details: string;
}

/**
 * Reads the Python reprs the fixtures use: str, bytes, int, float, None,
 * True/False, list, tuple, dict and `datetime.datetime(...)` (naive, UTC,
 * as pymongo decodes). A str holding a bsonrpc error's str()
 * (`"ServerError('Code: -32000 Message: … Details: …')"`) becomes a
 * {@link PyErrorRepr} under `error`. bytes → Buffer, datetime → Date, ints
 * beyond 2^53 → bigint.
 */
export function parsePyRepr(text: string): { value?: unknown; error?: PyErrorRepr } {
  const value = new PyReprReader(text).readAll();
  if (typeof value === 'string') {
    const m = /^(\w+)\('Code: (-?\d+) Message: (.*) Details: (.*)'\)$/s.exec(value);
    if (m) return { error: { errorClass: m[1], code: Number(m[2]), message: m[3], details: m[4] } };
  }
  return { value };
}

/**
 * Checks that `call` ended as Python's caller did: the value its
 * `python_result` repr reads as, or a `PeerError` of the class, code,
 * message and details the repr names.
 */
export async function expectPythonOutcome(call: Promise<unknown>, repr: string): Promise<void> {
  const expected = parsePyRepr(repr);
  if (!expected.error) return expect(await call).toEqual(expected.value);
  const err = await call.then(
    () => {
      throw new Error(`expected ${repr}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PeerError);
  expect((err as PeerError).constructor.name).toBe(expected.error.errorClass);
  expect((err as PeerError).code).toBe(expected.error.code);
  expect((err as PeerError).message).toBe(expected.error.message);
  expect((err as PeerError).data ?? '').toBe(expected.error.details);
}

class PyReprReader {
  private pos = 0;
  constructor(private readonly s: string) {}

  readAll(): unknown {
    const v = this.value();
    this.ws();
    if (this.pos !== this.s.length) throw new Error(`trailing text in repr at ${this.pos}: ${this.s}`);
    return v;
  }

  private ws(): void {
    while (this.s[this.pos] === ' ') this.pos++;
  }

  private eat(token: string): boolean {
    this.ws();
    if (!this.s.startsWith(token, this.pos)) return false;
    this.pos += token.length;
    return true;
  }

  private expect(token: string): void {
    if (!this.eat(token)) throw new Error(`expected ${token} at ${this.pos} in repr: ${this.s}`);
  }

  private value(): unknown {
    this.ws();
    const c = this.s[this.pos];
    if (c === "'" || c === '"') return this.str(false);
    if (c === 'b' && (this.s[this.pos + 1] === "'" || this.s[this.pos + 1] === '"')) {
      this.pos++;
      return this.str(true);
    }
    if (c === '[') return this.seq('[', ']');
    if (c === '(') return this.seq('(', ')');
    if (c === '{') return this.dict();
    if (this.eat('None')) return null;
    if (this.eat('True')) return true;
    if (this.eat('False')) return false;
    if (this.eat('datetime.datetime(')) {
      const parts: number[] = [];
      while (!this.eat(')')) {
        parts.push(this.value() as number);
        this.eat(',');
      }
      const [y, mo, d, h = 0, mi = 0, sec = 0, us = 0] = parts;
      return new Date(Date.UTC(y, mo - 1, d, h, mi, sec, Math.floor(us / 1000)));
    }
    const m = /^-?\d+(\.\d*)?(e[-+]?\d+)?/i.exec(this.s.slice(this.pos));
    if (!m) throw new Error(`cannot read repr at ${this.pos}: ${this.s}`);
    this.pos += m[0].length;
    if (m[1] !== undefined || m[2] !== undefined) return Number(m[0]);
    const big = BigInt(m[0]);
    return big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(big) : big;
  }

  private seq(open: string, close: string): unknown[] {
    this.expect(open);
    const out: unknown[] = [];
    while (!this.eat(close)) {
      out.push(this.value());
      this.eat(',');
    }
    return out;
  }

  private dict(): Record<string, unknown> {
    this.expect('{');
    const out: Record<string, unknown> = {};
    while (!this.eat('}')) {
      const key = this.value();
      this.expect(':');
      out[String(key)] = this.value();
      this.eat(',');
    }
    return out;
  }

  /** A quoted str (code points) or bytes (octets) literal with Python escapes. */
  private str(bytes: boolean): string | Buffer {
    const quote = this.s[this.pos++];
    const units: number[] = [];
    let text = '';
    const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
    while (this.s[this.pos] !== quote) {
      if (this.pos >= this.s.length) throw new Error(`unterminated string in repr: ${this.s}`);
      let ch = this.s[this.pos++];
      if (ch === '\\') {
        const e = this.s[this.pos++];
        const hex = (n: number) => {
          const h = parseInt(this.s.slice(this.pos, this.pos + n), 16);
          this.pos += n;
          return h;
        };
        if (e === 'x') ch = String.fromCharCode(hex(2));
        else if (e === 'u') ch = String.fromCharCode(hex(4));
        else if (e === 'U') ch = String.fromCodePoint(hex(8));
        else if (e in simple) ch = simple[e];
        else throw new Error(`unknown escape \\${e} in repr: ${this.s}`);
      }
      if (bytes) units.push(ch.charCodeAt(0));
      else text += ch;
    }
    this.pos++;
    return bytes ? Buffer.from(units) : text;
  }
}
