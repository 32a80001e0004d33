/**
 * A JSON-RPC server behind TLS that accepts only clients holding a
 * certificate signed by its CA, and shows handlers who the client is.
 *
 * Run it alone with `npx ts-node samples/tls-server.ts`: it makes
 * throwaway certificates with the openssl CLI (samples/tls-certs.ts), calls
 * `whoami` as a trusted client, then shows an untrusted client refused.
 * In your own code, import from 'bsonrpc' instead of '../lib'.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { JsonRpc, rpcRequest, RpcContext, serviceClass } from '../lib';
import { connectTlsClient } from './tls-client';
import { makeTestPki } from './tls-certs';

// #region services
/** What the server shows each connection's handlers: the verified client certificate's subject. */
export interface TlsClientInfo {
  subject: tls.PeerCertificate['subject'];
}

@serviceClass
export class WhoAmIServices {
  /** How many times a handler ran (the spec checks no untrusted client reaches one). */
  calls = 0;

  @rpcRequest
  whoami(rpc: RpcContext): string {
    this.calls++;
    return String((rpc.clientInfo as TlsClientInfo).subject.CN);
  }
}
// #endregion

/** PEM key material for {@link startTlsServer}. */
export interface TlsServerPem {
  /** The server's private key and certificate (with a subjectAltName for the address clients use). */
  key: string;
  cert: string;
  /** The CA whose signature a client certificate must carry. */
  ca: string;
}

// #region server
export function startTlsServer(pem: TlsServerPem, services = new WhoAmIServices(), port = 0): tls.Server {
  const server = tls.createServer(
    {
      key: pem.key,
      cert: pem.cert,
      ca: pem.ca, // trust only client certificates signed by this CA
      requestCert: true, // ask every client for a certificate
      rejectUnauthorized: true, // and end the handshake when it is missing or not signed by `ca`
      minVersion: 'TLSv1.2',
    },
    (socket) => {
      // Reached only after a successful handshake: the certificate is verified.
      const subject = socket.getPeerCertificate().subject;
      new JsonRpc(socket, services, {
        clientInfo: { subject } satisfies TlsClientInfo,
        connectionId: `${socket.remoteAddress}:${socket.remotePort} ${subject.CN}`,
      });
    },
  );
  // A refused handshake never reaches the connection listener; say why, without a stack.
  server.on('tlsClientError', (err) => process.stderr.write(`tls: refused a client: ${err.message}\n`));
  return server.listen(port, '127.0.0.1');
}
// #endregion

/** Makes certificates, serves, calls as a trusted and an untrusted client; resolves to what it saw. */
export async function main(log: (line: string) => void = console.log): Promise<{ trusted: string; untrusted: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'bsonrpc-tls-'));
  const pki = makeTestPki(dir);
  const server = startTlsServer({ key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert });
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  try {
    const alice = await connectTlsClient({ port, key: pki.clientKey, cert: pki.clientCert, ca: pki.caCert });
    const trusted = String(await alice.getPeerProxy<WhoAmIServices>().whoami());
    log(`trusted client: whoami -> ${trusted}`); // "alice"
    alice.close();

    let untrusted: string;
    try {
      const mallory = await connectTlsClient({ port, key: pki.rogueKey, cert: pki.rogueCert, ca: pki.caCert });
      untrusted = `answered ${String(await mallory.getPeerProxy<WhoAmIServices>().whoami())}`;
      mallory.close();
    } catch (err) {
      untrusted = `refused (${(err as Error).message})`;
    }
    log(`untrusted client: ${untrusted}`);
    return { trusted, untrusted };
  } finally {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
