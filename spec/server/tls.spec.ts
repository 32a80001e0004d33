/**
 * tls:// with connect() and listen(): server certificates checked by the
 * client, client certificates (mTLS) shown to handlers through clientInfo,
 * and untrusted clients refused in the handshake, never reaching a handler.
 * Certificates are made at test time by the openssl CLI (samples/tls-certs.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConnectError, ConnectionClosedError, ConnectionInfo, connect, listen, rpcRequest, RpcContext, Server, serviceClass } from '../../lib';
import { makeTestPki, TestPki } from '../../samples/tls-certs';
import { until } from '../helpers/wait';

@serviceClass
class WhoAmI {
  calls = 0;
  @rpcRequest whoami(rpc: RpcContext): unknown {
    this.calls++;
    const info = rpc.clientInfo as ConnectionInfo;
    return { cn: info.subject?.CN ?? null, authorized: info.authorized, remoteAddress: info.remoteAddress };
  }
}

let pki: TestPki;
let server: Server;
const services = new WhoAmI();
const infos: ConnectionInfo[] = [];
const refusals: Error[] = [];

beforeAll(async () => {
  pki = makeTestPki(mkdtempSync(join(tmpdir(), 'bsonrpc-tls-listen-')));
  server = await listen(
    'tls://127.0.0.1:0',
    (info) => {
      infos.push(info);
      return services;
    },
    { tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true, rejectUnauthorized: true } },
  );
  server.on('error', (err) => refusals.push(err));
}, 30_000);

afterAll(async () => {
  await server?.close({ timeout: 1000 });
  if (pki) rmSync(pki.dir, { recursive: true, force: true });
});

/** Connects and calls whoami; the answer, or the error that stopped it. */
async function whoami(tls: object): Promise<unknown> {
  try {
    const rpc = await connect(server.url, null, { tls, timeout: 5000, connectTimeout: 5000 });
    try {
      return await rpc.invokeRequest('whoami');
    } finally {
      rpc.close();
    }
  } catch (err) {
    return err;
  }
}

test('a trusted client certificate: the handler sees its subject and that it was verified', async () => {
  expect(server.url).toMatch(/^tls:\/\/127\.0\.0\.1:\d+$/);
  expect(await whoami({ ca: pki.caCert, key: pki.clientKey, cert: pki.clientCert })).toEqual({
    cn: 'alice',
    authorized: true,
    remoteAddress: '127.0.0.1',
  });
  const info = infos[infos.length - 1];
  expect(info.peerCertificate?.subject).toMatchObject({ CN: 'alice', O: 'bsonrpc tests' });
  expect(info.peerCertificate?.issuer).toMatchObject({ CN: 'bsonrpc test CA' });
});

test.each([
  ['a certificate from another CA', () => ({ ca: pki.caCert, key: pki.rogueKey, cert: pki.rogueCert })],
  ['no certificate at all', () => ({ ca: pki.caCert })],
])('%s is refused in the handshake and never reaches a handler', async (_name, tls) => {
  const callsBefore = services.calls;
  const infosBefore = infos.length;
  const refusalsBefore = refusals.length;
  const outcome = await whoami(tls());
  // TLS 1.3 finishes the client's side of the handshake first: the refusal shows as a
  // failed connect, or as the connection closing under the first call.
  expect(outcome instanceof ConnectError || outcome instanceof ConnectionClosedError).toBe(true);
  await until(() => refusals.length > refusalsBefore, 'the server to report the refusal');
  expect(services.calls).toBe(callsBefore);
  expect(infos.length).toBe(infosBefore);
});

test('a client that does not trust the server certificate fails to connect, naming the URL', async () => {
  const err = await whoami({ key: pki.clientKey, cert: pki.clientCert }); // no ca: the system store does not know our test CA
  expect(err).toBeInstanceOf(ConnectError);
  expect((err as ConnectError).url).toBe(server.url);
  expect((err as Error).message).toMatch(/^cannot connect to tls:\/\/127\.0\.0\.1:\d+: .*certificate/);
});

test('without requestCert the handler sees no subject and authorized false', async () => {
  const plain = await listen('tls://127.0.0.1:0', () => new WhoAmI(), { tls: { key: pki.serverKey, cert: pki.serverCert } });
  try {
    const rpc = await connect(plain.url, null, { tls: { ca: pki.caCert } });
    expect(await rpc.invokeRequest('whoami')).toEqual({ cn: null, authorized: false, remoteAddress: '127.0.0.1' });
    rpc.close();
  } finally {
    await plain.close();
  }
});

test('protocol=bson over tls', async () => {
  const bson = await listen('tls://127.0.0.1:0?protocol=bson', () => new WhoAmI(), { tls: { key: pki.serverKey, cert: pki.serverCert } });
  try {
    const rpc = await connect(bson.url, null, { tls: { ca: pki.caCert } });
    expect(rpc.constructor.name).toBe('BsonRpc');
    expect(await rpc.invokeRequest('whoami')).toMatchObject({ cn: null });
    rpc.close();
  } finally {
    await bson.close();
  }
});

describe('wss://', () => {
  test('mTLS over WebSocket: the handler sees the client certificate; BSON works too', async () => {
    const tls = { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert, requestCert: true, rejectUnauthorized: true };
    for (const query of ['', '?protocol=bson']) {
      const wss = await listen(`wss://127.0.0.1:0/secure${query}`, () => new WhoAmI(), { tls });
      try {
        expect(wss.url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/secure/);
        const rpc = await connect(wss.url, null, { tls: { ca: pki.caCert, key: pki.clientKey, cert: pki.clientCert }, timeout: 5000 });
        expect(rpc.constructor.name).toBe(query ? 'BsonRpc' : 'JsonRpc');
        expect(await rpc.invokeRequest('whoami')).toEqual({ cn: 'alice', authorized: true, remoteAddress: '127.0.0.1' });
        rpc.close();
      } finally {
        await wss.close({ timeout: 1000 });
      }
    }
  });

  test('a client that does not trust the server certificate fails to connect, naming the URL', async () => {
    const wss = await listen('wss://127.0.0.1:0/secure', () => new WhoAmI(), { tls: { key: pki.serverKey, cert: pki.serverCert } });
    wss.on('error', () => undefined); // the refused handshake is reported on the server too
    try {
      const err = await connect(wss.url).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectError);
      expect((err as ConnectError).url).toBe(wss.url);
      expect((err as Error).message).toMatch(/^cannot connect to wss:\/\/127\.0\.0\.1:\d+\/secure: .*certificate/);
    } finally {
      await wss.close({ timeout: 1000 });
    }
  });
});
