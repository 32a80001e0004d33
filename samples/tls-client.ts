/**
 * The client side of samples/tls-server.ts: connects with a client
 * certificate, checks the server's certificate against the CA (and its
 * subjectAltName against the address), and returns a `JsonRpc` over the
 * TLS socket once the handshake is done.
 */
import * as tls from 'node:tls';
import { JsonRpc, JsonRpcOptions } from '../lib';

/** Where to connect and with which PEM key material. */
export interface TlsClientOptions {
  port: number;
  /** Default 127.0.0.1: the address the server certificate names. */
  host?: string;
  /** The client's private key and certificate. */
  key: string;
  cert: string;
  /** The CA that signed the server's certificate. */
  ca: string;
}

// #region client
export function connectTlsClient(o: TlsClientOptions, options: JsonRpcOptions = {}): Promise<JsonRpc> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: o.host ?? '127.0.0.1', port: o.port, key: o.key, cert: o.cert, ca: o.ca });
    socket.once('error', reject);
    socket.once('secureConnect', () => {
      socket.off('error', reject);
      // With TLS 1.3 the server checks our certificate after this point: a
      // refusal then shows as the connection closing, failing pending calls.
      resolve(new JsonRpc(socket, null, { timeout: 5000, ...options }));
    });
  });
}
// #endregion
