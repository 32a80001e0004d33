/**
 * Framings: the bytes each built-in framing puts on the wire for the same
 * notification, and a custom framing object (a 4-byte big-endian length
 * prefix) plugged into JsonRpc through the `framing` option.
 *
 * Run it alone with `npx ts-node samples/framings.ts`.
 */
import { once } from 'node:events';
import { BsonRpc, createDuplexPair, FrameDecoder, FrameDecoderOptions, Framing, FramingError, JsonRpc, request, serviceClass } from '../lib';

// #region custom-framing
/** `<uint32 big-endian payload length><payload>`: a framing written from scratch. */
export const uint32Framing: Framing = {
  name: 'uint32be',
  supportsBatches: true,

  encode(payload: string | Buffer): Buffer {
    const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
    const header = Buffer.alloc(4);
    header.writeUInt32BE(body.length);
    return Buffer.concat([header, body]);
  },

  createDecoder({ maxMessageSize }: FrameDecoderOptions): FrameDecoder {
    let held: Buffer[] = []; // pieces of the current frame, joined once when it is whole
    let heldBytes = 0;
    let need = -1; // the payload length, once the header is in
    return {
      get bufferedBytes() {
        return heldBytes;
      },
      push(chunk: Buffer, onFrame: (payload: Buffer) => void): void {
        held.push(chunk);
        heldBytes += chunk.length;
        for (;;) {
          if (need < 0) {
            if (heldBytes < 4) return;
            if (held[0].length < 4) held = [Buffer.concat(held, heldBytes)]; // a header split across chunks
            need = held[0].readUInt32BE(0);
            // Refuse an oversized frame from its header, before buffering it.
            if (need > maxMessageSize) throw new FramingError(`uint32be: frame of ${need} bytes exceeds maxMessageSize`);
          }
          if (heldBytes < 4 + need) return;
          const all = held.length === 1 ? held[0] : Buffer.concat(held, heldBytes);
          onFrame(all.subarray(4, 4 + need));
          const rest = all.subarray(4 + need);
          held = rest.length > 0 ? [rest] : [];
          heldBytes = rest.length;
          need = -1;
        }
      },
    };
  },
};
// #endregion

@serviceClass
class Shouter {
  @request
  shout(text: string): string {
    return text.toUpperCase();
  }
}

/** The bytes a JsonRpc with `framing` writes for `hello('world')`. */
async function bytesOf(framing: 'rfc7464' | 'netstring' | 'frameless' | 'ndjson' | 'content-length' | 'bson'): Promise<Buffer> {
  const [ours, theirs] = createDuplexPair();
  const rpc = framing === 'bson' ? new BsonRpc(ours) : new JsonRpc(ours, null, { framing });
  rpc.invokeNotification('hello', 'world');
  const [chunk] = (await once(theirs, 'data')) as [Buffer];
  rpc.close();
  theirs.destroy();
  return chunk;
}

/** Shows a frame's bytes: printable ASCII as is, anything else as \xNN. */
export function printable(bytes: Buffer): string {
  return [...bytes].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
}

/** Prints each framing's bytes and runs a call over the custom framing. */
export async function main(log: (line: string) => void = console.log): Promise<{ bytes: Record<string, string>; shouted: unknown }> {
  const bytes: Record<string, string> = {};
  for (const framing of ['rfc7464', 'netstring', 'frameless', 'ndjson', 'content-length', 'bson'] as const) {
    bytes[framing] = printable(await bytesOf(framing));
    log(`${framing.padEnd(15)} ${bytes[framing]}`);
  }

  // #region use-custom-framing
  const [a, b] = createDuplexPair();
  const server = new JsonRpc(a, new Shouter(), { framing: uint32Framing });
  const client = new JsonRpc(b, null, { framing: uint32Framing });
  const shouted = await client.getPeerProxy<Shouter>().shout('framed by hand');
  // #endregion
  log(`uint32be call   ${JSON.stringify(shouted)}`);
  client.close();
  await server.join(2000);
  return { bytes, shouted };
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
