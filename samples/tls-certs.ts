/**
 * Throwaway certificates for the TLS sample and its spec, made with the
 * `openssl` CLI (Debian's `openssl` package; on the project's machines it
 * is installed with the image). X.509 cannot be made with node:crypto
 * alone, so a missing `openssl` is an error, never a skip.
 *
 * Makes, in `dir`: a CA; a server certificate for 127.0.0.1 and ::1
 * (subjectAltName IP) signed by it; a client certificate signed by it
 * (trusted); and a second CA with a client certificate of its own
 * (untrusted by the server). EC P-256 keys, valid for two days.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** PEM texts of everything made. */
export interface TestPki {
  dir: string;
  caCert: string;
  serverKey: string;
  serverCert: string;
  /** Signed by the CA: the server accepts it. */
  clientKey: string;
  clientCert: string;
  /** Signed by another CA: the server refuses it. */
  rogueKey: string;
  rogueCert: string;
}

const CONFIG = `
[req]
distinguished_name = dn
prompt = no
[dn]
CN = placeholder
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[server_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,IP:::1
[client_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
`;

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(dir: string, args: string[]): void {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('the openssl CLI is not installed (Debian: apt-get install openssl); it is needed to make test certificates');
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

function makeCa(dir: string, name: string, cn: string): void {
  openssl(dir, ['req', '-x509', '-config', 'openssl.cnf', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`, '-extensions', 'ca_ext']);
}

function makeLeaf(dir: string, name: string, subject: string, ca: string, ext: string): void {
  openssl(dir, ['req', '-new', '-config', 'openssl.cnf', ...KEY, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  const serial = `0x${randomBytes(8).toString('hex')}`;
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-set_serial', serial, '-days', '2', '-out', `${name}.crt`, '-extfile', 'openssl.cnf', '-extensions', ext]);
}

/** Makes the CA, server, trusted client and untrusted client certificates in `dir` (an existing, empty directory). */
export function makeTestPki(dir: string, clientCn = 'alice'): TestPki {
  writeFileSync(join(dir, 'openssl.cnf'), CONFIG);
  makeCa(dir, 'ca', 'bsonrpc test CA');
  makeLeaf(dir, 'server', '/CN=127.0.0.1', 'ca', 'server_ext');
  makeLeaf(dir, 'client', `/O=bsonrpc tests/CN=${clientCn}`, 'ca', 'client_ext');
  makeCa(dir, 'rogue-ca', 'some other CA');
  makeLeaf(dir, 'rogue', '/O=elsewhere/CN=mallory', 'rogue-ca', 'client_ext');
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  return {
    dir,
    caCert: read('ca.crt'),
    serverKey: read('server.key'),
    serverCert: read('server.crt'),
    clientKey: read('client.key'),
    clientCert: read('client.crt'),
    rogueKey: read('rogue.key'),
    rogueCert: read('rogue.crt'),
  };
}
