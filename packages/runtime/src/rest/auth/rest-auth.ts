/**
 * Authentication of REST requests, as the REST server asks for it: one decision per request that
 * matched a route. Built from the worker's settings by {@link restAuthFromWorker}; the server runs
 * none when the worker configures none.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ConfigError } from '@sluice/api';
import {
  type AuthRequest,
  basicAuthExtensionEnabled,
  isInternalRequest,
  JAAS_CONFIG_PROPERTY,
  JaasBasicAuth,
  jaasFileOf,
  UNAUTHORIZED_MESSAGE,
} from './jaas-basic-auth.ts';

export type { AuthRequest } from './jaas-basic-auth.ts';

/** Which requests a listener serves (see `admin.listeners`). */
export type ListenerRole = 'all' | 'api' | 'admin';

export type AuthDecision =
  | {
      allow: true /** Who made the request, for the log; undefined when anonymous or internal. */;
      principal?: string;
    }
  | { allow: false; status: 401 | 403; contentType: string; body: string; headers?: Record<string, string> };

export interface RestAuthenticator {
  check(request: AuthRequest, listener: ListenerRole): AuthDecision;
}

/**
 * The `Authorization` header of the REST request being served, so that a request this worker
 * forwards to another (a write to the leader) carries the user's credentials, as Kafka's
 * `RestClient` does.
 */
export const inboundAuthorization = new AsyncLocalStorage<string | undefined>();

/** Kafka's basic-auth extension: every listener but a separate admin one (Kafka does not extend those). */
class BasicAuthenticator implements RestAuthenticator {
  readonly #jaas: JaasBasicAuth;
  constructor(jaas: JaasBasicAuth) {
    this.#jaas = jaas;
  }
  check(request: AuthRequest, listener: ListenerRole): AuthDecision {
    if (listener === 'admin') return { allow: true };
    if (isInternalRequest(request.method, request.path)) return { allow: true };
    const user = this.#jaas.login(request.headers.authorization);
    if (user !== undefined) return { allow: true, principal: user === '' ? undefined : user };
    return { allow: false, status: 401, contentType: 'text/plain', body: UNAUTHORIZED_MESSAGE };
  }
}

/**
 * The authenticator the worker's settings ask for, or undefined (no authentication).
 * @throws ConfigError for a missing or broken JAAS file or users file
 */
export function restAuthFromWorker(
  worker: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv = process.env,
): RestAuthenticator | undefined {
  if (!basicAuthExtensionEnabled(worker)) return undefined;
  const file = jaasFileOf(worker, env);
  if (file === undefined) {
    throw new ConfigError(
      `rest.extension.classes names BasicAuthSecurityRestExtension, but no JAAS file is given: set -D${JAAS_CONFIG_PROPERTY}=<file> in KAFKA_OPTS, or the worker key ${JAAS_CONFIG_PROPERTY}`,
      { key: 'rest.extension.classes' },
    );
  }
  return new BasicAuthenticator(new JaasBasicAuth(file));
}
