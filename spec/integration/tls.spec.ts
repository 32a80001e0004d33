/**
 * TLS with client certificates (samples/tls-server.ts, samples/tls-client.ts)
 * over 127.0.0.1, with certificates made at test time by the openssl CLI
 * (samples/tls-certs.ts): a trusted client reaches `whoami` and is told its
 * certificate's CN; an untrusted or certificate-less client is refused in
 * the handshake and never reaches a handler.
 */
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { types } from 'node:util';
import * as tls from 'node:tls';
import { ConnectionClosedError, JsonRpc } from '../../lib';
import { makeTestPki, TestPki } from '../../samples/tls-certs';
import { connectTlsClient } from '../../samples/tls-client';
import { startTlsServer, WhoAmIServices } from '../../samples/tls-server';
import { until } from '../helpers/wait';

let pki: TestPki;
let server: tls.Server;
let port: number;
let services: WhoAmIServices;
const refusals: Error[] = [];
let accepted = 0;

beforeAll(async () => {
  // No openssl is a loud failure here, not a skip: makeTestPki says what to install.
  pki = makeTestPki(mkdtempSync(join(tmpdir(), 'bsonrpc-tls-spec-')));
  services = new WhoAmIServices();
  server = startTlsServer({ key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert }, services);
  server.removeAllListeners('tlsClientError');
  server.on('tlsClientError', (err) => refusals.push(err));
  server.on('secureConnection', () => accepted++);
  await once(server, 'listening');
  port = (server.address() as { port: number }).port;
}, 30_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
});

/** Connects and calls whoami; resolves to the answer or the error that stopped it. */
async function tryWhoami(o: { key?: string; cert?: string; maxVersion?: tls.SecureVersion }): Promise<unknown> {
  let rpc: JsonRpc | undefined;
  try {
    if (o.key && o.cert && !o.maxVersion) {
      rpc = await connectTlsClient({ port, key: o.key, cert: o.cert, ca: pki.caCert });
    } else {
      const socket = tls.connect({ host: '127.0.0.1', port, key: o.key, cert: o.cert, ca: pki.caCert, maxVersion: o.maxVersion });
      await new Promise((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
      rpc = new JsonRpc(socket, null, { timeout: 5000 });
    }
    return await rpc.getPeerProxy<WhoAmIServices>().whoami();
  } catch (err) {
    return err;
  } finally {
    rpc?.close();
  }
}

test('the certificates name what the test relies on', () => {
  const ca = new X509Certificate(pki.caCert);
  expect(new X509Certificate(pki.serverCert).subjectAltName).toMatch(/IP Address:127\.0\.0\.1/);
  expect(new X509Certificate(pki.clientCert).checkIssued(ca)).toBe(true);
  expect(new X509Certificate(pki.clientCert).subject).toMatch(/CN=alice/);
  expect(new X509Certificate(pki.rogueCert).checkIssued(ca)).toBe(false);
});

test('a trusted client calls whoami and gets the CN of its certificate', async () => {
  const before = services.calls;
  const rpc = await connectTlsClient({ port, key: pki.clientKey, cert: pki.clientCert, ca: pki.caCert });
  try {
    expect(await rpc.getPeerProxy<WhoAmIServices>().whoami()).toBe('alice');
    expect(await rpc.invokeRequest('whoami')).toBe('alice');
  } finally {
    rpc.close();
  }
  expect(services.calls).toBe(before + 2);
});

test.each([
  ['a certificate from another CA (TLS 1.3)', () => ({ key: pki.rogueKey, cert: pki.rogueCert })],
  ['a certificate from another CA (TLS 1.2)', () => ({ key: pki.rogueKey, cert: pki.rogueCert, maxVersion: 'TLSv1.2' as const })],
  ['no certificate at all', () => ({})],
])('a client with %s is refused in the handshake; no handler runs', async (_name, opts) => {
  const calls = services.calls;
  const acceptedBefore = accepted;
  const refusedBefore = refusals.length;
  const outcome = await tryWhoami(opts());
  // TLS 1.3 clients finish their side of the handshake before the server
  // checks their certificate: the refusal then closes the connection under
  // the pending call. TLS 1.2 refuses before the client's side completes.
  // (node:tls errors come from another realm than jest's Error: check the shape.)
  expect(types.isNativeError(outcome)).toBe(true);
  if (outcome instanceof ConnectionClosedError) expect(outcome.message).toMatch(/whoami/);
  await until(() => refusals.length > refusedBefore, 'the server to log the refusal');
  expect(refusals.length).toBe(refusedBefore + 1);
  expect(accepted).toBe(acceptedBefore);
  expect(services.calls).toBe(calls);
});

test('a client that does not trust the server CA refuses the server', async () => {
  const socket = tls.connect({ host: '127.0.0.1', port, key: pki.clientKey, cert: pki.clientCert });
  const err = await new Promise<Error>((resolve) => socket.once('error', resolve).once('secureConnect', () => resolve(new Error('connected'))));
  socket.destroy();
  expect((err as NodeJS.ErrnoException).code).toMatch(/SELF_SIGNED|UNABLE_TO|CERT/);
});
