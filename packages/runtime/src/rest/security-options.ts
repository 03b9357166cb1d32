/**
 * The REST server's security options from a worker configuration: `listeners` and
 * `admin.listeners` with their protocols, the TLS of the `https` ones (`rest/tls.ts`), and the
 * client TLS this worker uses to forward to other workers when it advertises an `https` URL.
 */

import { MASK_PASSWORDS_CONFIG } from '../config/rest-security-config.ts';
import type { WorkerConfig } from '../config/worker-config.ts';
import { restAuthFromWorker } from './auth/rest-auth.ts';
import type { RestListener, RestServerOptions } from './rest-server.ts';
import { ADMIN_HTTPS_LISTENER_PREFIX, restTls, setRestClientTls } from './tls.ts';

/**
 * The listeners, their TLS and the authentication of a worker's REST server.
 * @throws ConfigError naming the key when an https listener's key or trust store cannot be loaded,
 *   or the authentication settings are broken
 */
export function restSecurityOptions(
  config: WorkerConfig,
  env: NodeJS.ProcessEnv = process.env,
): Pick<RestServerOptions, 'listeners' | 'adminListeners' | 'adminTls' | 'tls' | 'auth' | 'maskPasswords'> {
  const auth = restAuthFromWorker(config.originalsStrings(), env);
  const common = {
    maskPasswords: config.getBoolean(MASK_PASSWORDS_CONFIG) === true,
    ...(auth === undefined ? {} : { auth }),
  };
  const toRest = (l: { protocol: 'http' | 'https'; host: string; port: number }): RestListener => ({
    protocol: l.protocol,
    host: l.host,
    port: l.port,
  });
  const listeners = config.listeners().map(toRest);
  const adminConfigured = config.adminListeners();
  const adminListeners = adminConfigured === null ? null : adminConfigured.map(toRest);
  const https = listeners.some((l) => l.protocol === 'https') || config.advertisedProtocol() === 'https';
  // Kafka's admin listeners read admin.listeners.https.ssl.*, else the plain ssl.* keys.
  const adminTls = (adminListeners ?? []).some((l) => l.protocol === 'https')
    ? restTls(config.originalsStrings(), ADMIN_HTTPS_LISTENER_PREFIX).server
    : undefined;
  const admin = { adminListeners, ...(adminTls === undefined ? {} : { adminTls }) };
  if (!https) {
    setRestClientTls(undefined);
    return { listeners, ...admin, ...common };
  }
  const tls = restTls(config.originalsStrings());
  // Forwarding to other workers' https URLs presents this worker's certificate and trusts its trust store.
  setRestClientTls(tls.client);
  return { listeners, ...admin, tls: tls.server, ...common };
}
