/**
 * A peer runs over any Node Duplex. The same service is reached here over
 * a unix domain socket, over a child process's stdio, and over an
 * in-memory pair. (TCP is in minimal.ts; a TLS socket is passed the same
 * way: `new JsonRpc(tls.connect(...))`.)
 *
 * Run it alone with `npx ts-node samples/transports.ts`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Duplex } from 'node:stream';
import { createDuplexPair, JsonRpc, request, serviceClass } from '../lib';

@serviceClass
class Echo {
  @request
  echo(text: string): string {
    return `${text} (from pid ${process.pid})`;
  }
}

/** Asks `rpc`'s other side to echo, then closes. */
async function ask(rpc: JsonRpc, text: string): Promise<string> {
  const answer = (await rpc.getPeerProxy<Echo>().echo(text)) as string;
  rpc.close();
  return answer;
}

async function overUnixSocket(): Promise<string> {
  const socketPath = path.join(os.tmpdir(), `bsonrpc-sample-${process.pid}.sock`);
  fs.rmSync(socketPath, { force: true });
  // #region unix-socket
  const server = net.createServer((socket) => new JsonRpc(socket, new Echo())).listen(socketPath);
  await once(server, 'listening');
  const answer = await ask(new JsonRpc(net.connect(socketPath)), 'over a unix socket');
  // #endregion
  await new Promise((resolve) => server.close(resolve));
  return answer;
}

/** The child's side: serve Echo on this process's stdin/stdout. */
function serveOnStdio(): void {
  // #region stdio-child
  // stdout is the transport now: nothing else may write to it (bsonrpc logs to stderr).
  const stdio = Duplex.from({ readable: process.stdin, writable: process.stdout });
  new JsonRpc(stdio, new Echo(), { framing: 'content-length' });
  // #endregion
}

async function overChildStdio(): Promise<string> {
  // This very file, started again with --stdio-child, through ts-node.
  const args = ['-r', require.resolve('ts-node/register'), __filename, '--stdio-child'];
  const env = { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' };
  // #region stdio-parent
  const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const rpc = new JsonRpc(Duplex.from({ readable: child.stdout, writable: child.stdin }), null, {
    framing: 'content-length',
    timeout: 20_000, // the child compiles TypeScript first
  });
  const answer = await ask(rpc, 'over stdio'); // close() ends the child's stdin: it exits
  // #endregion
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`the stdio child exited with ${code}`);
  return answer;
}

async function inMemory(): Promise<string> {
  // #region in-memory
  const [a, b] = createDuplexPair(); // what one end writes, the other reads
  new JsonRpc(a, new Echo());
  return ask(new JsonRpc(b), 'in memory');
  // #endregion
}

/** Calls the Echo service over each transport; returns the answers. */
export async function main(log: (line: string) => void = console.log): Promise<string[]> {
  const answers: string[] = [];
  for (const transport of [overUnixSocket, overChildStdio, inMemory]) {
    const answer = await transport();
    log(answer);
    answers.push(answer);
  }
  return answers;
}

if (require.main === module) {
  if (process.argv.includes('--stdio-child')) serveOnStdio();
  else
    main().catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
}
