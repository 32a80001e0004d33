/**
 * `Server.broadcast`: one notification to every live connection of a
 * server, encoded once (and on byte streams framed once) however many
 * connections there are.
 *
 * Owns only the sharing of that one encoding. Each connection keeps its own
 * send path (`Connection.sendEncoded`): its closed check, its write-buffer
 * accounting, and `maxWriteBuffer`, which closes a peer that does not read.
 */
import type { MessageCodec } from '../codec/codec';
import type { Framing } from '../framing/framing';
import type { AnyRpc } from '../net/options';
import { checkCall } from '../peer/connection';
import { buildCall, Params } from '../protocol/messages';
import { StreamTransport } from '../transport/stream';
import type { Payload, Transport } from '../transport/transport';
import { WebSocketTransport } from '../transport/websocket';

/**
 * Sends the notification `method(params)` to every open peer in `peers`;
 * returns how many it was handed to. Throws (sending nothing) for a bad
 * method or params, or an `EncodingError` / framing error for params the
 * codec or framing cannot carry.
 *
 * `webSocketText`: the peers' WebSocket transports send text frames, so a
 * JSON text may go to them as UTF-8 bytes made once (`ws` would otherwise
 * convert the string again for every socket). @internal
 */
export function broadcast(peers: Iterable<AnyRpc>, codec: MessageCodec, webSocketText: boolean, method: string, params: Params | undefined): number {
  checkCall(method, params);
  const message = buildCall(codec.versionKey, method, params);
  const payload: Payload = codec.encode(message);
  let bytes: Buffer | undefined;
  // One server has one framing, so this holds one frame; a second framing just replaces it.
  let framing: Framing | undefined;
  let frame: Buffer | undefined;
  const send = (transport: Transport): boolean => {
    if (transport instanceof StreamTransport) {
      if (transport.framing !== framing) {
        // A Buffer frame is UTF-8 once, here; a text frame would be encoded again by every socket.
        frame = transport.framing.encode(payload as string | Buffer);
        framing = transport.framing;
      }
      return transport.sendFrame(frame!);
    }
    if (webSocketText && transport instanceof WebSocketTransport && typeof payload === 'string') {
      return transport.send((bytes ??= Buffer.from(payload, 'utf8')));
    }
    return transport.send(payload);
  };
  let count = 0;
  // A Set tolerates deletion while iterated: a peer that closes during the loop (past
  // maxWriteBuffer, or from a 'close' listener) leaves the set, and the rest still get it.
  for (const peer of peers) {
    if (peer.connection.sendEncoded(send, message)) count++;
  }
  return count;
}
