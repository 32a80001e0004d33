/**
 * RPyC's file-monitor example, ported: the server watches files for its
 * clients and pushes a `fileChanged(path, size, mtime)` notification to
 * every subscribed client when a file changes. The client subscribes with
 * a request, sees two changes, and unsubscribes.
 *
 * Where RPyC hands the server a callback object, here the server keeps the
 * client's peer proxy: the connection itself is the way back.
 *
 * Run it alone with `npx ts-node samples/file-monitor.ts`.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { once } from 'node:events';
import { InvalidParams, JsonRpc, notification, rpcRequest, RpcContext, serviceClass } from '../lib';

/** What a subscriber is told about a change. */
type ChangeListener = (path: string, size: number, mtime: string) => void;

/**
 * Watches files by polling their stats (fs.watchFile): portable, and one
 * event per change, where fs.watch on Linux may report a rewrite twice.
 * Shared by all connections; not itself an RPC service.
 */
class FileWatcher {
  private readonly listeners = new Map<string, Set<ChangeListener>>();

  constructor(private readonly intervalMs = 25) {}

  /** Starts telling `listener` about changes to `file`; returns the undo. */
  watch(file: string, listener: ChangeListener): () => void {
    let set = this.listeners.get(file);
    if (!set) {
      const listeners = (set = new Set());
      this.listeners.set(file, listeners);
      fs.watchFile(file, { interval: this.intervalMs, persistent: false }, (curr, prev) => {
        if (curr.mtimeMs === prev.mtimeMs && curr.size === prev.size) return;
        for (const l of listeners) {
          try {
            l(file, curr.size, curr.mtime.toISOString());
          } catch {
            // A client that just went away (ConnectionClosedError) must not stop the others' news.
          }
        }
      });
    }
    set.add(listener);
    return () => {
      if (!set.delete(listener) || set.size > 0) return;
      this.listeners.delete(file);
      fs.unwatchFile(file);
    };
  }

  /** Files watched right now. */
  get watchedFiles(): string[] {
    return [...this.listeners.keys()];
  }
}

// #region server
/** One per connection: this client's subscriptions on the shared watcher. */
@serviceClass
class FileMonitorService {
  private readonly subscriptions = new Map<string, () => void>();
  private cleanupArmed = false;

  constructor(private readonly watcher: FileWatcher) {}

  @rpcRequest
  subscribe(rpc: RpcContext, file: string): { size: number } {
    if (!fs.existsSync(file)) throw new InvalidParams(`no such file: ${file}`);
    if (!this.subscriptions.has(file)) {
      // The client's proxy outlives this request: it is the way back for later pushes.
      const client = rpc.getPeerProxy<FileMonitorClient>();
      this.subscriptions.set(file, this.watcher.watch(file, (p, size, mtime) => client.n.fileChanged(p, size, mtime)));
    }
    if (!this.cleanupArmed) {
      // A client that goes away without unsubscribing must not leave watchers behind.
      rpc.signal.addEventListener('abort', () => this.unsubscribeAll(), { once: true });
      this.cleanupArmed = true;
    }
    return { size: fs.statSync(file).size };
  }

  @rpcRequest
  unsubscribe(_rpc: RpcContext, file: string): boolean {
    const undo = this.subscriptions.get(file);
    this.subscriptions.delete(file);
    undo?.();
    return undo !== undefined;
  }

  private unsubscribeAll(): void {
    for (const undo of this.subscriptions.values()) undo();
    this.subscriptions.clear();
  }
}
// #endregion

// #region client
/** What the client offers the server: the change notification. */
@serviceClass
class FileMonitorClient {
  readonly changes: { path: string; size: number; mtime: string }[] = [];
  private waiter: (() => void) | undefined;

  constructor(private readonly log: (line: string) => void) {}

  @notification
  fileChanged(path: string, size: number, mtime: string): void {
    this.changes.push({ path, size, mtime });
    this.log(`file changed: ${path} (${size} bytes, modified ${mtime})`);
    this.waiter?.();
  }

  /** Resolves at the next notification (or rejects after `ms`). */
  nextChange(ms = 3000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no fileChanged notification within ${ms} ms`)), ms);
      this.waiter = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve();
      };
    });
  }
}
// #endregion

/** What the sample observed, for its test. */
export interface FileMonitorResult {
  file: string;
  changes: { path: string; size: number; mtime: string }[];
  /** Notifications that arrived after unsubscribing (expected: 0). */
  afterUnsubscribe: number;
  /** Files the server still watched once the client left (expected: none). */
  stillWatched: string[];
}

/** Subscribes to a temp file, changes it twice, unsubscribes; cleans up after itself. */
export async function main(log: (line: string) => void = console.log): Promise<FileMonitorResult> {
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'bsonrpc-file-monitor-'));
  const file = path.join(dir, 'watched.txt');
  await fs.promises.writeFile(file, 'first line\n');
  const watcher = new FileWatcher();
  const peers: JsonRpc[] = [];
  const tcpServer = net.createServer((socket) => peers.push(new JsonRpc(socket, new FileMonitorService(watcher))));
  tcpServer.listen(0, '127.0.0.1');
  await once(tcpServer, 'listening');
  const { port } = tcpServer.address() as net.AddressInfo;
  try {
    const client = new FileMonitorClient(log);
    const rpc = new JsonRpc(net.connect(port, '127.0.0.1'), client, { timeout: 5000 });
    const monitor = rpc.getPeerProxy<FileMonitorService>();
    // #region usage
    const { size } = await monitor.subscribe(file);
    log(`subscribed to ${file} (${size} bytes)`);
    for (const line of ['second line\n', 'third line\n']) {
      const changed = client.nextChange();
      await fs.promises.appendFile(file, line);
      await changed;
    }
    await monitor.unsubscribe(file);
    // #endregion
    log('unsubscribed');
    const seen = client.changes.length;
    await fs.promises.appendFile(file, 'nobody is told about this line\n');
    await new Promise((resolve) => setTimeout(resolve, 150)); // several polling intervals
    const afterUnsubscribe = client.changes.length - seen;
    rpc.close();
    await Promise.all(peers.map((peer) => peer.join(2000)));
    return { file, changes: client.changes, afterUnsubscribe, stillWatched: watcher.watchedFiles };
  } finally {
    await new Promise((resolve) => tcpServer.close(resolve));
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
