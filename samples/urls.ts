/**
 * `listen` and `connect` by URL: one service over tcp://, BSON by a query
 * parameter, a unix socket, and tls:// with client certificates (the
 * handler sees who is calling); then what "cannot connect" looks like.
 *
 * Run it alone with `npx ts-node samples/urls.ts`. It makes throwaway
 * certificates with the openssl CLI (samples/tls-certs.ts).
 * In your own code, import from 'bsonrpc' instead of '../lib'.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectError, ConnectionInfo, connect, listen, rpcRequest, RpcContext, Server, serviceClass } from '../lib';
import { makeTestPki } from './tls-certs';

type Log = (line: string) => void;

// #region greeter
@serviceClass
class Greeter {
  @rpcRequest
  hello(rpc: RpcContext, name: string): string {
    const info = rpc.clientInfo as ConnectionInfo; // what listen() learned about this connection
    const who = info.subject?.CN ?? info.remoteAddress ?? 'someone';
    return `hello ${name}, from ${info.url} (${info.connectionId}, caller: ${who || 'a local process'})`;
  }
}
// #endregion

/** Serves Greeter on each kind of URL and calls it once on each; returns the answers. */
export async function main(log: Log = console.log): Promise<{ answers: string[]; refused: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bsonrpc-urls-'));
  const servers: Server[] = [];
  const answers: string[] = [];
  const say = (answer: unknown): void => {
    answers.push(String(answer));
    log(String(answer));
  };
  try {
    // #region tcp
    const server = await listen('tcp://127.0.0.1:0', () => new Greeter()); // port 0: any free port
    const rpc = await connect(server.url); // server.url has the real port: tcp://127.0.0.1:41234
    say(await rpc.invokeRequest('hello', 'tcp'));
    // #endregion
    servers.push(server);

    // #region bson
    const bsonServer = await listen('tcp://127.0.0.1:0?protocol=bson', () => new Greeter());
    const bson = await connect(bsonServer.url); // the URL keeps ?protocol=bson: a BsonRpc
    say(`${await bson.invokeRequest('hello', 'bson')} [${bson.constructor.name}]`);
    // #endregion
    servers.push(bsonServer);

    const socketPath = join(dir, 'greeter.sock');
    // #region unix
    const unixServer = await listen(`unix://${socketPath}?framing=ndjson`, () => new Greeter()); // an absolute path
    const local = await connect(unixServer.url); // unix:///tmp/.../greeter.sock?framing=ndjson
    say(await local.invokeRequest('hello', 'unix'));
    // #endregion
    servers.push(unixServer);

    const pki = makeTestPki(dir);
    // #region tls
    const tlsServer = await listen('tls://127.0.0.1:0', () => new Greeter(), {
      tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true, rejectUnauthorized: true },
    });
    const secure = await connect(tlsServer.url, null, {
      tls: { ca: pki.caCert, key: pki.clientKey, cert: pki.clientCert }, // trust the CA; show our certificate
    });
    say(await secure.invokeRequest('hello', 'tls'));
    // #endregion
    servers.push(tlsServer);

    // #region refused
    let refused = '';
    try {
      await connect(`unix://${join(dir, 'nobody-listens.sock')}`, null, { connectTimeout: 2000 });
    } catch (err) {
      if (!(err instanceof ConnectError)) throw err;
      refused = `${err.code}: ${err.message}`; // the code and the URL, for logs and retries
    }
    // #endregion
    log(refused);
    return { answers, refused };
  } finally {
    await Promise.all(servers.map((s) => s.close({ timeout: 1000 })));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
