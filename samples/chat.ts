/**
 * A chat room over WebSocket: the server pushes every line to every client
 * as a `message` notification, which each client's own service receives.
 * Ada, Grace and Alan join over `ws://`, talk, and Alan leaves; everybody
 * sees the same conversation, in the same order.
 *
 * Run it alone with `npx ts-node samples/chat.ts`.
 */
import { connect, InvalidParams, JsonRpc, listen, notification, request, serviceClass } from '../lib';
import type { AnyRpc, ConnectionInfo, PeerProxy, Server } from '../lib';

type Log = (line: string) => void;

// #region client
/** What every chat client serves: the room pushes each line to it. */
@serviceClass
class ChatClient {
  readonly screen: string[] = [];

  constructor(
    private readonly name: string,
    private readonly log: Log,
  ) {}

  @notification
  message(from: string, text: string): void {
    this.screen.push(`${from}: ${text}`);
    this.log(`  [${this.name}'s screen] ${from}: ${text}`);
  }
}
// #endregion

// #region server
/** The one room: the connections in it, and the name each joined with. */
class Room {
  private readonly members = new Map<string, { name: string; client: PeerProxy<ChatClient> }>();

  enter(connectionId: string, name: string, peer: AnyRpc): void {
    this.members.set(connectionId, { name, client: peer.getPeerProxy<ChatClient>() });
    this.broadcast('room', `${name} joined`);
  }

  leave(connectionId: string): void {
    const member = this.members.get(connectionId);
    if (!member) return;
    this.members.delete(connectionId);
    this.broadcast('room', `${member.name} left`);
  }

  names(): string[] {
    return [...this.members.values()].map((m) => m.name);
  }

  /** One notification to every member: nobody waits for an answer, so a slow client holds up no one. */
  broadcast(from: string, text: string): void {
    for (const { client } of this.members.values()) client.n.message(from, text);
  }
}

/** What each connection serves: its own object (the factory makes one per connection), sharing the room. */
@serviceClass
class ChatService {
  name: string | undefined;

  constructor(
    private readonly room: Room,
    private readonly info: ConnectionInfo,
    private readonly peerOf: (connectionId: string) => AnyRpc | undefined,
  ) {}

  @request
  join(name: string): void {
    const peer = this.peerOf(this.info.connectionId);
    if (this.name !== undefined || !peer) throw new InvalidParams('already in the room');
    this.name = name;
    this.room.enter(this.info.connectionId, name, peer);
  }

  @request
  say(text: string): void {
    if (this.name === undefined) throw new InvalidParams('join the room first');
    this.room.broadcast(this.name, text);
  }

  @request
  who(): string[] {
    return this.room.names();
  }
}

async function startServer(room: Room): Promise<Server> {
  const peers = new Map<string, AnyRpc>();
  const server = await listen('ws://127.0.0.1:0/chat', (info) => new ChatService(room, info, (id) => peers.get(id)));
  server.on('connection', (peer, info) => peers.set(info.connectionId, peer));
  server.on('disconnect', (_peer, info) => {
    peers.delete(info.connectionId);
    room.leave(info.connectionId);
  });
  return server;
}
// #endregion

/** What the sample saw: each person's screen, and who was in the room at the end. */
export interface ChatResult {
  screens: Record<string, string[]>;
  present: string[];
}

/** Joins the room at `url` as `name`; the returned peer serves `client`. */
async function join(url: string, client: ChatClient, name: string): Promise<JsonRpc> {
  // #region join
  const rpc = await connect(url, client, { protocol: 'json' }); // ws://…/chat: one JSON-RPC message per WebSocket message
  await rpc.invokeRequest('join', name);
  // #endregion
  return rpc;
}

/** Runs the conversation and returns every screen. */
export async function main(log: Log = console.log): Promise<ChatResult> {
  const server = await startServer(new Room());
  log(`chat room at ${server.url}`);
  const names = ['Ada', 'Grace', 'Alan'];
  const clients = names.map((name) => new ChatClient(name, log));
  const peers: JsonRpc[] = [];
  try {
    for (let i = 0; i < names.length; i++) peers.push(await join(server.url, clients[i], names[i]));
    const [ada, grace, alan] = peers;
    await ada.invokeRequest('say', 'hello, everyone');
    await grace.invokeRequest('say', 'hi Ada');
    await alan.invokeRequest('say', 'I must go');
    alan.close();
    // Alan's leaving reaches the others through the server's 'disconnect'; wait for it (bounded).
    const deadline = Date.now() + 5000;
    while (!clients[0].screen.includes('room: Alan left') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await ada.invokeRequest('say', 'bye Alan');
    await grace.invokeRequest('say', 'that is all');
    // On one connection the server's notifications come before its later answers: once Ada and Grace
    // each have an answer sent after the last broadcast, their screens are complete.
    const present = (await ada.invokeRequest('who')) as string[];
    await grace.invokeRequest('who');
    const screens: Record<string, string[]> = {};
    names.forEach((name, i) => (screens[name] = clients[i].screen));
    log(`still in the room: ${present.join(', ')}`);
    return { screens, present };
  } finally {
    for (const p of peers) p.close();
    await server.close({ timeout: 2000 });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
