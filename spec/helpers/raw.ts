/**
 * Raw-wire helpers for protocol, compatibility and hostile-input specs:
 *
 * - {@link RawEnd}: the far side of an in-memory duplex that writes bytes
 *   as they are and reads back the frames a peer writes, split by the
 *   framing's own decoder from lib/framing (so a test sees exactly what
 *   crossed the wire, not what a second peer made of it);
 * - {@link rawLink} / {@link rawServer}: a peer on one end of such a duplex
 *   and a {@link RawEnd} on the other;
 * - {@link expectResponse}: a JSON-RPC answer against the specification's
 *   text (batches as multisets, the optional error `data` set aside).
 */
import type { Duplex } from 'node:stream';
import { createDuplexPair, PeerOptions, RpcPeer } from '../../lib';
import { BsonCodec } from '../../lib/codec/bson';
import { JsonCodec } from '../../lib/codec/json';
import { resolveFraming } from '../../lib/framing';
import type { Framing, FramingName } from '../../lib/framing';
import { makePeer } from './pair';
import { pyJson } from './py-fixtures';
import { sleep } from './wait';

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
    await sleep(ms);
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

/** What a raw end can speak: a JSON framing (to a `JsonRpc`), or `'bson'` (to a `BsonRpc`). */
export type Wire = FramingName | 'bson';

/** Every JSON framing, in the order the hostile specs walk them. */
export const JSON_WIRES: readonly FramingName[] = ['rfc7464', 'ndjson', 'netstring', 'content-length', 'frameless'];

/** The peer that speaks `wire`, so one table of wires can drive both peer classes. */
export function wirePeer(wire: Wire, socket: Duplex, services: object | null, options: PeerOptions & Record<string, unknown> = {}): RpcPeer {
  // The raw end decodes with `wire`, so the peer must use it whatever `options` say.
  return wire === 'bson' ? makePeer('bson', socket, services, options) : makePeer('json', socket, services, { ...options, framing: wire });
}

/** A {@link wirePeer} serving `services` on one end of an in-memory pair, and a {@link RawEnd} on the other. */
export function rawServer(wire: Wire, services: object | null, options: PeerOptions & Record<string, unknown> = {}): { raw: RawEnd; peer: RpcPeer } {
  return rawLink(wire, (socket) => wirePeer(wire, socket, services, options));
}

/** A {@link RawEnd} that speaks messages: encodes what it sends and decodes what it reads with the wire's codec. */
export interface MessageEnd {
  readonly end: RawEnd;
  send(message: Record<string, unknown>): void;
  /** The next `n` messages the peer wrote; rejects after `timeoutMs` per message. */
  readMessages(n: number, timeoutMs?: number): Promise<any[]>;
}

/** {@link rawServer} for `'json'` (ndjson) or `'bson'`, with a {@link MessageEnd} instead of bytes. */
export function messageServer(kind: 'json' | 'bson', services: object | null, options: PeerOptions & Record<string, unknown> = {}): { raw: MessageEnd; peer: RpcPeer } {
  const codec = kind === 'json' ? new JsonCodec() : new BsonCodec();
  const { raw, peer } = rawServer(kind === 'json' ? 'ndjson' : 'bson', services, options);
  return {
    peer,
    raw: {
      end: raw,
      send: (message) => raw.send(Buffer.from(codec.encode(message))),
      readMessages: async (n, timeoutMs = 2000) => {
        const out: any[] = [];
        for (let i = 0; i < n; i++) out.push(codec.decode(await raw.next(timeoutMs)));
        return out;
      },
    },
  };
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

/** Compares two messages; a batch as a multiset, since a batch's answers may come in any order. */
export function expectSameMessage(actual: unknown, expected: unknown): void {
  if (!Array.isArray(expected)) return expect(actual).toEqual(expected);
  const order = (a: unknown, b: unknown) => (pyJson(a) < pyJson(b) ? -1 : pyJson(a) > pyJson(b) ? 1 : 0);
  expect(Array.isArray(actual)).toBe(true);
  expect([...(actual as unknown[])].sort(order)).toEqual([...expected].sort(order));
}

/** Compares a response with the expected one; batches as multisets, error `data` set aside. */
export function expectResponse(actual: unknown, expected: unknown): void {
  expectSameMessage(withoutData(actual), expected);
}
