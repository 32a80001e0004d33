/**
 * A backend ready to deploy: it serves on the URL it is given, says which
 * instance answered, calls its client back in the middle of a request, and
 * on SIGTERM (what systemd, docker and kubernetes send to stop a service)
 * lets running calls finish before it exits.
 *
 * Run three behind nginx (docs/deployment.md; spec/integration/nginx.spec.ts
 * does exactly that):
 *
 *   npx ts-node samples/backend.ts tcp://127.0.0.1:7001 b1
 *
 * In your own code, import from 'bsonrpc' instead of '../lib'.
 */
import { connect, listen, request, rpcRequest, RpcContext, Server, serviceClass } from '../lib';

type Log = (line: string) => void;

// #region backend
/** One backend instance; `name` tells the instances apart. */
@serviceClass
export class Backend {
  constructor(private readonly name: string) {}

  @request
  whoami(): string {
    return this.name;
  }

  /** Asks the caller to shout `text` back, mid-request, through whatever proxy is in between. */
  @rpcRequest
  async shoutBack(rpc: RpcContext, text: string): Promise<string> {
    const loud = await rpc.getPeerProxy<Caller>().shout(text);
    return `${this.name}: ${String(loud)}`;
  }
}

/** What a client of the backend offers it. */
@serviceClass
export class Caller {
  @request
  shout(text: string): string {
    return text.toUpperCase();
  }
}
// #endregion

/** Serves one {@link Backend} named `name` on `url`. */
export function serve(url: string, name: string): Promise<Server> {
  const backend = new Backend(name);
  return listen(url, () => backend);
}

/** Serves a backend on a free port, calls it once each way, and stops it gracefully. */
export async function main(log: Log = console.log): Promise<{ who: string; shouted: string; clean: boolean }> {
  const server = await serve('tcp://127.0.0.1:0', 'b1');
  const rpc = await connect(server.url, new Caller());
  const who = String(await rpc.invokeRequest('whoami'));
  const shouted = String(await rpc.invokeRequest('shoutBack', 'hello'));
  log(`${server.url} answered ${who}; shoutBack -> ${shouted}`);
  const clean = await server.close({ timeout: 5000 });
  log(`closed gracefully: ${clean}`);
  return { who, shouted, clean };
}

if (require.main === module) {
  const [url, name] = process.argv.slice(2);
  if (!url || !name) {
    main().catch((err) => {
      console.error(err);
      process.exitCode = 1;
    });
  } else {
    void (async () => {
      // #region sigterm
      const server = await serve(url, name);
      process.once('SIGTERM', () => {
        // Stop accepting, let running calls finish (up to 10 s), close every connection, exit.
        void server.close({ timeout: 10_000 }).then(() => process.exit(0));
      });
      // #endregion
      process.stdout.write(`${JSON.stringify({ url: server.url, name })}\n`); // the nginx spec reads this line
    })().catch((err) => {
      process.stderr.write(`backend ${name}: ${String(err)}\n`);
      process.exit(1);
    });
  }
}
