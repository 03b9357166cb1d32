/**
 * TLS of the REST API from Kafka's settings: the `https` listeners' key and trust stores
 * (`listeners.https.ssl.*`, else the plain `ssl.*` keys, all or nothing as Kafka's
 * `valuesWithPrefixAllOrNothing`), `ssl.client.auth` (mutual TLS), `ssl.enabled.protocols` and
 * `ssl.cipher.suites`; the same settings make the client side of worker-to-worker forwarding.
 */
import { request as httpsRequest } from 'node:https';
import {
  type ConnectionOptions,
  createSecureContext,
  type SecureContextOptions,
  type TLSSocket,
  Server as TlsServer,
} from 'node:tls';
import { ConfigError } from '@sluice/api';
import { tlsOptions } from '../log/kafka/client-config.ts';
import { inboundAuthorization } from './auth/rest-auth.ts';

/** The listener prefix Kafka reads first for the REST server's TLS (`listeners.https.`). */
export const HTTPS_LISTENER_PREFIX = 'listeners.https.';
/** The prefix Kafka reads first for the TLS of `admin.listeners` (`admin.listeners.https.`). */
export const ADMIN_HTTPS_LISTENER_PREFIX = 'admin.listeners.https.';

export type ClientAuth = 'none' | 'requested' | 'required';

/** Server options for `https.createServer` (fastify's `https`), and what a client needs to call another worker. */
export interface RestTls {
  server: SecureContextOptions & { requestCert?: boolean; rejectUnauthorized?: boolean };
  client: ConnectionOptions;
  clientAuth: ClientAuth;
}

const PROTOCOL_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;
type ProtocolVersion = (typeof PROTOCOL_VERSIONS)[number];

/**
 * The `ssl.*` settings that apply to the REST server: every `listeners.https.ssl.*` key (or, for the
 * admin listeners, `admin.listeners.https.ssl.*`) with the prefix removed when at least one is set,
 * else the worker's plain `ssl.*` keys (Kafka's `valuesWithPrefixAllOrNothing`).
 */
export function restSslProps(
  worker: Readonly<Record<string, string>>,
  prefix: string = HTTPS_LISTENER_PREFIX,
): Record<string, string> {
  const prefixed: Record<string, string> = {};
  for (const [k, v] of Object.entries(worker)) {
    if (k.startsWith(prefix)) prefixed[k.slice(prefix.length)] = v;
  }
  if (Object.keys(prefixed).length > 0) return prefixed;
  const plain: Record<string, string> = {};
  for (const [k, v] of Object.entries(worker)) if (k.startsWith('ssl.')) plain[k] = v;
  return plain;
}

function list(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Reads the REST TLS settings and loads the stores, so a bad path or password stops the worker
 * with a message naming the key (`listeners.https.ssl.keystore.location` when the prefixed form is used).
 * @param worker the worker properties (originals)
 * @param prefix `listeners.https.` for the listeners, `admin.listeners.https.` for the admin listeners
 * @throws ConfigError naming the key at fault
 */
export function restTls(
  worker: Readonly<Record<string, string>>,
  prefix: string = HTTPS_LISTENER_PREFIX,
): RestTls {
  const props = restSslProps(worker, prefix);
  const prefixed = Object.keys(worker).some((k) => k.startsWith(prefix));
  const keyName = (k: string): string => (prefixed ? `${prefix}${k}` : k);
  const rename = (err: unknown): never => {
    if (err instanceof ConfigError && prefixed && err.key !== undefined && !err.key.startsWith(prefix)) {
      throw new ConfigError(err.message.replaceAll(err.key, keyName(err.key)), {
        key: keyName(err.key),
        value: err.value,
      });
    }
    throw err;
  };
  const location = props['ssl.keystore.location'];
  const hasKey =
    (location !== undefined && location.trim() !== '') || (props['ssl.keystore.key'] ?? '').trim() !== '';
  if (!hasKey) {
    throw new ConfigError(
      `An https listener needs a key store: set ${keyName('ssl.keystore.location')} (PEM or PKCS12, with ${keyName('ssl.keystore.type')}) or ${keyName('ssl.keystore.key')} and ${keyName('ssl.keystore.certificate.chain')}`,
      { key: keyName('ssl.keystore.location') },
    );
  }
  let base: ConnectionOptions;
  try {
    base = tlsOptions(props);
  } catch (err) {
    if (err instanceof ConfigError) rename(err);
    // PKCS12 stores are read without a ConfigError of their own: name the store's key.
    const which =
      (err as NodeJS.ErrnoException).path === props['ssl.truststore.location'] ? 'truststore' : 'keystore';
    throw new ConfigError(
      `Invalid value ${(err as NodeJS.ErrnoException).path ?? ''} for configuration ${keyName(`ssl.${which}.location`)}: Failed to load the file: ${(err as Error).message}`,
      { key: keyName(`ssl.${which}.location`) },
    );
  }

  const clientAuthRaw = (props['ssl.client.auth'] ?? 'none').trim().toLowerCase();
  if (clientAuthRaw !== 'none' && clientAuthRaw !== 'requested' && clientAuthRaw !== 'required') {
    throw new ConfigError(
      `Invalid value ${props['ssl.client.auth']} for configuration ${keyName('ssl.client.auth')}: String must be one of: required, requested, none`,
      { key: keyName('ssl.client.auth'), value: props['ssl.client.auth'] },
    );
  }
  const clientAuth: ClientAuth = clientAuthRaw;

  const server: RestTls['server'] = {};
  for (const k of ['key', 'cert', 'ca', 'pfx', 'passphrase'] as const) {
    if (base[k] !== undefined) (server as Record<string, unknown>)[k] = base[k];
  }
  const protocols = list(props['ssl.enabled.protocols'] ?? 'TLSv1.2,TLSv1.3');
  for (const p of protocols) {
    if (!(PROTOCOL_VERSIONS as readonly string[]).includes(p)) {
      throw new ConfigError(
        `Invalid value ${p} for configuration ${keyName('ssl.enabled.protocols')}: Node.js knows ${PROTOCOL_VERSIONS.join(', ')}`,
        { key: keyName('ssl.enabled.protocols'), value: props['ssl.enabled.protocols'] },
      );
    }
  }
  if (protocols.length > 0) {
    const order = protocols.map((p) => PROTOCOL_VERSIONS.indexOf(p as ProtocolVersion)).sort();
    server.minVersion = PROTOCOL_VERSIONS[order[0]!]!;
    server.maxVersion = PROTOCOL_VERSIONS[order[order.length - 1]!]!;
  }
  const ciphers = list(props['ssl.cipher.suites']);
  if (ciphers.length > 0) {
    // Node takes TLS 1.3 suites (TLS_AES_128_GCM_SHA256, the same names as Java's) and older ones
    // by their OpenSSL names (ECDHE-RSA-AES128-GCM-SHA256) in one list.
    server.ciphers = ciphers.join(':');
  }
  if (clientAuth !== 'none') {
    server.requestCert = true;
    server.rejectUnauthorized = clientAuth === 'required';
  }

  // Load everything now: a wrong password or a broken file fails here, naming the key.
  try {
    createSecureContext(server);
  } catch (err) {
    const message = (err as Error).message;
    const key = /cipher/i.test(message)
      ? 'ssl.cipher.suites'
      : base.pfx !== undefined
        ? 'ssl.keystore.password'
        : props['ssl.keystore.key'] !== undefined
          ? 'ssl.key.password'
          : 'ssl.keystore.location';
    throw new ConfigError(
      `Invalid value for configuration ${keyName(key)}: cannot load the REST TLS key store: ${message}`,
      {
        key: keyName(key),
      },
    );
  }

  const client: ConnectionOptions = { ...base };
  if (server.minVersion !== undefined) client.minVersion = server.minVersion;
  if (server.maxVersion !== undefined) client.maxVersion = server.maxVersion;
  return { server, client, clientAuth };
}

/**
 * The code of a connection the other worker closed after the TLS handshake and before answering,
 * with a client certificate presented: a Node.js server that rejects a client certificate under
 * TLS 1.3 closes the socket without an alert, so the client sees only "socket hang up".
 */
const PEER_CLOSED_AFTER_HANDSHAKE = 'SLUICE_TLS_CLOSED_AFTER_HANDSHAKE';

// Node's codes for a certificate this side cannot verify (the other worker's, when forwarding).
const UNTRUSTED_PEER = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * What to do about a failed TLS exchange with another worker, for the log line and the error
 * answer (empty when the error is not a TLS one): this worker does not trust the other's
 * certificate, or the other refused this worker's certificate.
 */
export function tlsFailureHint(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  const message = (err as Error | undefined)?.message ?? '';
  if (UNTRUSTED_PEER.has(code)) {
    return (
      ": this worker does not trust the other worker's certificate; its trust store " +
      `(${HTTPS_LISTENER_PREFIX}ssl.truststore.location, else ssl.truststore.location) must hold the CA that signed the cluster's REST certificates`
    );
  }
  if (code === PEER_CLOSED_AFTER_HANDSHAKE) {
    return (
      ': the other worker closed the connection right after the TLS handshake, as a worker does that refuses ' +
      "this worker's client certificate (mutual TLS): the other worker's trust store must hold the CA that signed this worker's certificate"
    );
  }
  if (
    /ALERT_(UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_REQUIRED|CERTIFICATE_UNKNOWN|HANDSHAKE_FAILURE)/.test(
      code,
    ) ||
    /alert (unknown ca|bad certificate|certificate required)/i.test(message)
  ) {
    return (
      ": the other worker refused this worker's TLS certificate (mutual TLS); the other worker's trust store " +
      "must hold the CA that signed this worker's certificate, and this worker's key store must hold a certificate of the cluster's CA"
    );
  }
  return '';
}

/**
 * One WARN line for each client an https listener refuses: a failed handshake (a plain HTTP
 * request, no client certificate when one is required, no common protocol or cipher) and a client
 * certificate the trust store does not vouch for.
 *
 * Node.js refuses a client certificate it cannot verify after the handshake, silently; so when
 * the server requires verified clients, the check is made here instead (before the HTTP layer
 * sees the connection), and logged.
 */
export function logTlsRefusals(server: unknown, log: { warn(message: string): void }): void {
  if (!(server instanceof TlsServer)) return;
  const peer = (socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string =>
    `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
  server.on('tlsClientError', (err, socket) => {
    // OpenSSL's text ends with its source location: keep the reason (`http request`, `tlsv1 alert unknown ca`).
    const reason = /:SSL routines:[^:]*:([^:]+):/.exec(err.message)?.[1] ?? err.message.trim();
    log.warn(`REST TLS: the handshake with ${peer(socket)} failed: ${reason}`);
  });
  const s = server as TlsServer & { requestCert?: boolean; rejectUnauthorized?: boolean };
  if (s.requestCert !== true || s.rejectUnauthorized === false) return;
  // Read by every connection accepted from now on: the verification result is checked below.
  s.rejectUnauthorized = false;
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    if (socket.authorized) return;
    const cert = socket.getPeerCertificate();
    const none = cert === null || cert === undefined || Object.keys(cert).length === 0;
    log.warn(
      `REST TLS: refused the client certificate of ${peer(socket)}: ${none ? 'no certificate sent' : String(socket.authorizationError)}` +
        ' (ssl.client.auth=required: the certificate must be signed by a CA of the trust store)',
    );
    socket.destroy();
  });
}

let forwardingTls: ConnectionOptions | undefined;

/** Sets the TLS options this process uses to call other workers over HTTPS (the worker's own settings). */
export function setRestClientTls(options: ConnectionOptions | undefined): void {
  forwardingTls = options;
}

/** The response of {@link restClientRequest}. */
export interface RestClientResponse {
  status: number;
  text: string;
}

/**
 * One request to another worker: `https://` URLs with the worker's TLS settings (set through
 * {@link setRestClientTls}), anything else through `fetch`.
 */
export async function restClientRequest(
  url: URL,
  init: { method: string; headers: Record<string, string>; body?: Buffer; timeoutMs: number },
): Promise<RestClientResponse> {
  // A forwarded user request carries the user's credentials, as Kafka's RestClient forwards them.
  const authorization = inboundAuthorization.getStore();
  if (authorization !== undefined && init.headers.authorization === undefined) {
    init = { ...init, headers: { ...init.headers, authorization } };
  }
  if (url.protocol !== 'https:' || forwardingTls === undefined) {
    const response = await fetch(url, {
      method: init.method,
      headers: init.headers,
      ...(init.body === undefined ? {} : { body: init.body }),
      signal: AbortSignal.timeout(init.timeoutMs),
    });
    return { status: response.status, text: await response.text() };
  }
  const tls = forwardingTls;
  return await new Promise<RestClientResponse>((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        ...tls,
        method: init.method,
        headers: {
          ...init.headers,
          ...(init.body === undefined ? {} : { 'content-length': String(init.body.length) }),
        },
        timeout: init.timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timed out after ${init.timeoutMs} ms`)));
    let secured = false;
    let answered = false;
    req.on('socket', (socket) => socket.once('secureConnect', () => (secured = true)));
    req.on('response', () => (answered = true));
    req.on('error', (err: NodeJS.ErrnoException) => {
      const presented = tls.pfx !== undefined || tls.cert !== undefined;
      if (secured && !answered && presented && err.code === 'ECONNRESET') {
        const closed: NodeJS.ErrnoException = new Error(`${err.message} (after the TLS handshake)`, {
          cause: err,
        });
        closed.code = PEER_CLOSED_AFTER_HANDSHAKE;
        reject(closed);
        return;
      }
      reject(err);
    });
    req.end(init.body);
  });
}
