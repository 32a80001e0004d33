/**
 * Newline framing shared by every adapter whose library leaves framing to
 * the user (json-rpc-2.0, birpc, the JSON floor): one helper, so those rows
 * differ only by what the library does with each line.
 */
import type { Socket } from 'net';

/**
 * Calls `onLine` for each complete '\n'-terminated line arriving on `socket`
 * (without the '\n'). Decodes as UTF-8 with the socket's own decoder, so a
 * multi-byte character split across chunks is safe.
 *
 * Partial lines are kept as a list of pieces and joined once the end arrives,
 * so a 1 MiB line arriving in 64 KiB chunks costs one join, not one
 * re-scan per chunk.
 */
export function onLines(socket: Socket, onLine: (line: string) => void): void {
  socket.setEncoding('utf8');
  let pieces: string[] = [];
  socket.on('data', (chunk: string) => {
    let start = 0;
    let nl = chunk.indexOf('\n');
    if (nl === -1) {
      pieces.push(chunk);
      return;
    }
    if (pieces.length > 0) {
      pieces.push(chunk.slice(0, nl));
      const line = pieces.join('');
      pieces = [];
      onLine(line);
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    while (nl !== -1) {
      onLine(chunk.slice(start, nl));
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) pieces.push(chunk.slice(start));
  });
}
