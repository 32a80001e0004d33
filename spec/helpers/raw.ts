/**
 * Raw-wire helpers for protocol and compatibility specs:
 *
 * - {@link RawEnd}: the far side of an in-memory duplex that writes bytes
 *   as they are and reads back the frames a peer writes, split by the
 *   framing's own decoder from lib/framing (so a test sees exactly what
 *   crossed the wire, not what a second peer made of it);
 * - {@link expectResponse}: a JSON-RPC answer against the specification's
 *   text (batches as multisets, the optional error `data` set aside);
 * - the recorded Python bsonrpc fixtures (spec/fixtures/pybsonrpc) and a
 *   reader for the Python reprs they carry as results;
 * - {@link pyJson}, the JSON text Python bsonrpc writes (sorted keys,
 *   compact, non-ASCII escaped), for frames a test must forge in its style.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { createDuplexPair } from '../../lib';
import { resolveFraming } from '../../lib/framing';
import type { Framing } from '../../lib/framing';

/** Large enough that no test frame trips the decoder's size limit. */
const BIG = 64 * 1024 * 1024;

/** One side of a raw conversation with a peer. */
export class RawEnd {
  /** Every chunk received, in order (to check bytes between frames). */
  readonly chunks: Buffer[] = [];
  /** Every payload the framing decoder produced, in order. */
  readonly frames: Buffer[] = [];
  /** A `FramingError` the decoder threw on what the peer wrote, if any. */
  decodeError: unknown;
  private read = 0;
  private waiters: (() => void)[] = [];
  private ended = false;

  constructor(
    readonly socket: Duplex,
    readonly framing: Framing,
  ) {
    const decoder = framing.createDecoder({ maxMessageSize: BIG });
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      try {
        decoder.push(chunk, (p) => this.frames.push(Buffer.from(p)));
      } catch (err) {
        this.decodeError = err;
      }
      this.wake();
    });
    const end = () => {
      this.ended = true;
      this.wake();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  /** True once the peer ended or destroyed the stream. */
  get closed(): boolean {
    return this.ended;
  }

  /** All bytes received so far, concatenated. */
  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  /** Writes bytes exactly as given. */
  write(bytes: Buffer | string): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  }

  /** Frames `payload` with this end's framing and writes it. */
  send(payload: string | Buffer): void {
    this.write(this.framing.encode(payload));
  }

  /** Frames not yet taken by {@link next} / {@link quiet}. */
  get unread(): Buffer[] {
    return this.frames.slice(this.read);
  }

  /** The next unread frame; rejects after `timeoutMs` or when the stream closes first. */
  async next(timeoutMs = 2000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.read >= this.frames.length) {
      if (this.ended) throw new Error(`stream closed while waiting for frame #${this.read + 1}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no frame #${this.read + 1} within ${timeoutMs} ms`);
      await this.waitFor(left);
    }
    return this.frames[this.read++];
  }

  /** The next frame, parsed as JSON. */
  async nextJson(timeoutMs = 2000): Promise<any> {
    return JSON.parse((await this.next(timeoutMs)).toString('utf8'));
  }

  /** Waits `ms` and returns (and takes) every frame that arrived meanwhile and was unread. */
  async quiet(ms = 50): Promise<Buffer[]> {
    await new Promise((r) => setTimeout(r, ms));
    const out = this.unread;
    this.read = this.frames.length;
    return out;
  }

  /** Resolves true once the peer closed the stream, false after `timeoutMs`. */
  async whenClosed(timeoutMs = 1000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await this.waitFor(left);
    }
    return true;
  }

  /** Ends this side, as a client hanging up. */
  end(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  private waitFor(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.waiters = self.waiters.filter((w) => w !== done);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/**
 * Links a peer (built by `makePeer` over one end of an in-memory pair) to a
 * {@link RawEnd} on the other end, which reads with `framing`.
 */
export function rawLink<P>(framing: string | Framing, makePeer: (socket: Duplex) => P): { raw: RawEnd; peer: P } {
  const [peerSide, rawSide] = createDuplexPair();
  const peer = makePeer(peerSide);
  return { raw: new RawEnd(rawSide, resolveFraming(framing)), peer };
}

// ---------------------------------------------------------------- comparing responses

/** Sets aside an error object's optional `data` (checking it is a string). */
export function withoutData(message: any): any {
  if (Array.isArray(message)) return message.map(withoutData);
  if (message && typeof message === 'object' && message.error && typeof message.error === 'object' && 'data' in message.error) {
    expect(typeof message.error.data).toBe('string');
    const { data: _data, ...error } = message.error;
    return { ...message, error };
  }
  return message;
}

/** Compares a response with the expected one; batches as multisets. */
export function expectResponse(actual: unknown, expected: unknown): void {
  const got = withoutData(actual);
  if (Array.isArray(expected)) {
    expect(Array.isArray(got)).toBe(true);
    const order = (a: unknown, b: unknown) => (pyJson(a) < pyJson(b) ? -1 : pyJson(a) > pyJson(b) ? 1 : 0);
    expect([...(got as unknown[])].sort(order)).toEqual([...expected].sort(order));
  } else {
    expect(got).toEqual(expected);
  }
}

// ---------------------------------------------------------------- Python bsonrpc fixtures

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

export const PY_FIXTURES = join(__dirname, '..', 'fixtures', 'pybsonrpc');

/** The scenarios recorded for `wire`, in manifest order. */
export function pyScenarios(wire: PyWire): PyScenario[] {
  const manifest = JSON.parse(readFileSync(join(PY_FIXTURES, 'manifest.json'), 'utf8')) as Record<string, any[]>;
  const byName = new Map<string, PyScenario>();
  for (const entry of manifest[wire]) {
    let s = byName.get(entry.scenario);
    if (!s) byName.set(entry.scenario, (s = { name: entry.scenario, frames: [], pythonResult: '' }));
    if ('python_result' in entry) s.pythonResult = entry.python_result;
    else s.frames.push(entry as PyFrame);
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
