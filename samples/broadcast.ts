/**
 * Announcements: the server sends one notification to every connected
 * client with `server.broadcast`, which encodes (and frames) it once for
 * all of them. Three clients connect over tcp://, the server announces,
 * one client leaves, and the next announcement reaches the two left.
 *
 * Run it alone with `npx ts-node samples/broadcast.ts`.
 */
import { connect, listen, notification, request, serviceClass } from '../lib';
import type { JsonRpc } from '../lib';

type Log = (line: string) => void;

/** What every client serves: the server's announcements arrive here. */
@serviceClass
class Board {
  readonly seen: string[] = [];

  constructor(
    private readonly name: string,
    private readonly log: Log,
  ) {}

  @notification
  announce(text: string): void {
    this.seen.push(text);
    this.log(`  [${this.name}] ${text}`);
  }
}

/** What the server serves: nothing but a ping, which lets a client know it has read everything sent before. */
@serviceClass
class Desk {
  @request ping(): string {
    return 'pong';
  }
}

/** What the sample saw: how many each broadcast reached, and each client's board. */
export interface BroadcastResult {
  reached: number[];
  boards: Record<string, string[]>;
}

/** Waits until `cond` holds, at most 5 s. */
async function until(cond: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !cond() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 5));
}

/** Runs the announcements and returns every board. */
export async function main(log: Log = console.log): Promise<BroadcastResult> {
  const server = await listen('tcp://127.0.0.1:0', () => new Desk());
  const names = ['Ada', 'Grace', 'Alan'];
  const boards = names.map((name) => new Board(name, log));
  const clients: JsonRpc[] = [];
  const reached: number[] = [];
  try {
    for (const board of boards) clients.push((await connect(server.url, board)) as JsonRpc);
    await until(() => server.connections.size === names.length);

    // #region broadcast
    // One notification to every live connection: encoded once, the same bytes handed to each socket.
    const sent = server.broadcast('announce', ['doors open at nine']);
    log(`announced to ${sent} clients`);
    // #endregion
    reached.push(sent);
    // On one connection the server's notifications come before its later answers:
    // once a client has its pong, it has read every announcement made before.
    await Promise.all(clients.map((c) => c.invokeRequest('ping')));

    clients[2].close();
    await until(() => server.connections.size === 2); // the server has seen Alan go
    reached.push(server.broadcast('announce', ['Alan has left']));

    await Promise.all(clients.slice(0, 2).map((c) => c.invokeRequest('ping')));
    const result: Record<string, string[]> = {};
    names.forEach((name, i) => (result[name] = boards[i].seen));
    return { reached, boards: result };
  } finally {
    for (const c of clients) c.close();
    await server.close({ timeout: 2000 });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
