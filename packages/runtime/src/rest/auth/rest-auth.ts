/**
 * Authentication and roles of REST requests, as the REST server asks for them: one decision per
 * request that matched a route. Built from the worker's settings by {@link restAuthFromWorker};
 * the server runs none when the worker configures none.
 *
 * - Kafka's basic-auth extension (`rest.extension.classes`, a JAAS file): see `jaas-basic-auth.ts`.
 * - Sluice's own: bearer tokens (`rest.auth.tokens.file`), JWTs (`rest.auth.jwt.*`), roles for
 *   basic-auth users (`rest.auth.user.roles=alice:admin,bob:viewer`). With any of these set, every
 *   request needs a role (`roles.ts`): 401 without valid credentials, 403 without the role.
 * - Internal worker-to-worker requests (`POST /connectors/{c}/tasks`, `PUT /connectors/{c}/fence`)
 *   are signed (KIP-507) and need no user credentials, as in Kafka.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ConfigError } from '@sluice/api';
import {
  REST_SECURITY_CONFIG_DEF,
  TOKENS_FILE_CONFIG,
  USER_ROLES_CONFIG,
} from '../../config/rest-security-config.ts';
import { type BearerIdentity, JwtVerifier, jwtSettingsOf, StaticTokens } from './bearer-auth.ts';
import {
  type AuthRequest,
  basicAuthExtensionEnabled,
  basicCredentials,
  isInternalRequest,
  JAAS_CONFIG_PROPERTY,
  JaasBasicAuth,
  jaasFileOf,
  UNAUTHORIZED_MESSAGE,
} from './jaas-basic-auth.ts';
import { parseRole, type Role, requiredRole, roleAllows } from './roles.ts';

export type { AuthRequest } from './jaas-basic-auth.ts';

export { USER_ROLES_CONFIG };

/** Which requests a listener serves (see `admin.listeners`). */
export type ListenerRole = 'all' | 'api' | 'admin';

export type AuthDecision =
  | {
      allow: true /** Who made the request, for the log; undefined when anonymous or internal. */;
      principal?: string;
    }
  | { allow: false; status: 401 | 403; contentType: string; body: string; headers?: Record<string, string> };

export interface RestAuthenticator {
  /** @param operationId the matched route's, undefined for the schema registry's paths */
  check(request: AuthRequest, listener: ListenerRole, operationId: string | undefined): Promise<AuthDecision>;
}

/**
 * The `Authorization` header of the REST request being served, so that a request this worker
 * forwards to another (a write to the leader) carries the user's credentials, as Kafka's
 * `RestClient` does.
 */
export const inboundAuthorization = new AsyncLocalStorage<string | undefined>();

interface Settings {
  basic: JaasBasicAuth | undefined;
  tokens: StaticTokens | undefined;
  jwt: JwtVerifier | undefined;
  /** Basic-auth users' roles; undefined when roles are not enforced. */
  userRoles: Map<string, Role> | undefined;
}

// Kafka 4.1.1 answers this text with Content-Type application/json (recorded: test/rest/goldens/basic-auth).
const KAFKA_401: AuthDecision = {
  allow: false,
  status: 401,
  contentType: 'application/json',
  body: UNAUTHORIZED_MESSAGE,
};

class Authenticator implements RestAuthenticator {
  readonly #s: Settings;
  readonly #roles: boolean;
  constructor(settings: Settings) {
    this.#s = settings;
    this.#roles =
      settings.userRoles !== undefined || settings.tokens !== undefined || settings.jwt !== undefined;
  }

  #unauthorized(): AuthDecision {
    // Same answer whatever went wrong: no hint whether the user or token exists.
    if (this.#s.basic !== undefined && !this.#roles) return KAFKA_401;
    const schemes = [
      ...(this.#s.tokens !== undefined || this.#s.jwt !== undefined ? ['Bearer realm="sluice"'] : []),
      ...(this.#s.basic !== undefined ? ['Basic realm="sluice"'] : []),
    ];
    return {
      allow: false,
      status: 401,
      contentType: 'application/json',
      body: JSON.stringify({
        error_code: 401,
        message: 'Authentication required: the credentials are missing or not valid',
      }),
      headers: { 'www-authenticate': schemes.join(', ') },
    };
  }

  async #identify(header: string | string[] | undefined): Promise<BearerIdentity | 'anyone' | undefined> {
    if (typeof header !== 'string') return this.#s.basic !== undefined ? this.#basic(undefined) : undefined;
    const space = header.indexOf(' ');
    const scheme = space > 0 ? header.slice(0, space).toLowerCase() : '';
    if (scheme === 'bearer') {
      const token = header.slice(space + 1).trim();
      if (token === '') return undefined;
      const fromFile = this.#s.tokens?.find(token);
      if (fromFile !== undefined) return fromFile;
      return (await this.#s.jwt?.verify(token)) ?? undefined;
    }
    if (this.#s.basic !== undefined) return this.#basic(header);
    return undefined;
  }

  #basic(header: string | undefined): BearerIdentity | 'anyone' | undefined {
    const user = this.#s.basic!.login(header);
    if (user === undefined) return undefined;
    // An empty users file lets everyone in (Kafka): without roles, as anyone.
    if (user === '') return this.#roles ? undefined : 'anyone';
    if (basicCredentials(header) === undefined) return this.#roles ? undefined : 'anyone';
    return { principal: user, role: this.#s.userRoles?.get(user) };
  }

  async check(
    request: AuthRequest,
    listener: ListenerRole,
    operationId: string | undefined,
  ): Promise<AuthDecision> {
    if (isInternalRequest(request.method, request.path)) return { allow: true };
    // Kafka's REST extensions do not reach a separate admin listener; Sluice's roles do.
    if (listener === 'admin' && !this.#roles) return { allow: true };
    const who = await this.#identify(request.headers.authorization);
    if (who === undefined) return this.#unauthorized();
    if (who === 'anyone') return { allow: true };
    if (!this.#roles) return { allow: true, principal: who.principal };
    const needed = requiredRole(operationId, request.method);
    if (who.role === undefined || !roleAllows(who.role, needed)) {
      return {
        allow: false,
        status: 403,
        contentType: 'application/json',
        body: JSON.stringify({
          error_code: 403,
          message: `${who.principal} (${who.role === undefined ? 'no role' : `role ${who.role}`}) may not ${request.method} ${request.path}: it needs the ${needed} role`,
        }),
      };
    }
    return { allow: true, principal: who.principal };
  }
}

function parseUserRoles(entries: readonly string[]): Map<string, Role> {
  // The entries were checked by the ConfigDef's validator.
  const roles = new Map<string, Role>();
  for (const entry of entries) {
    const i = entry.lastIndexOf(':');
    roles.set(entry.slice(0, i).trim(), parseRole(entry.slice(i + 1))!);
  }
  return roles;
}

/**
 * The authenticator the worker's settings ask for, or undefined (no authentication).
 * @param worker the worker properties; Sluice's keys are parsed and checked with `REST_SECURITY_CONFIG_DEF`
 * @throws ConfigError naming the key: a bad value, a missing or broken JAAS file, users file, tokens file or JWKS
 */
export function restAuthFromWorker(
  worker: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv = process.env,
): RestAuthenticator | undefined {
  const parsed = REST_SECURITY_CONFIG_DEF.parse(worker);
  let basic: JaasBasicAuth | undefined;
  if (basicAuthExtensionEnabled(worker)) {
    const file = jaasFileOf(worker, env);
    if (file === undefined) {
      throw new ConfigError(
        `rest.extension.classes names BasicAuthSecurityRestExtension, but no JAAS file is given: set -D${JAAS_CONFIG_PROPERTY}=<file> in KAFKA_OPTS, or the worker key ${JAAS_CONFIG_PROPERTY}`,
        { key: 'rest.extension.classes' },
      );
    }
    basic = new JaasBasicAuth(file);
  }
  const tokensFile = (parsed[TOKENS_FILE_CONFIG] as string | null)?.trim();
  const tokens = tokensFile ? new StaticTokens(tokensFile) : undefined;
  const jwtSettings = jwtSettingsOf(parsed);
  const jwt = jwtSettings === undefined ? undefined : new JwtVerifier(jwtSettings);
  const rolesValue = parsed[USER_ROLES_CONFIG] as readonly string[] | null;
  const userRoles = rolesValue !== null && rolesValue.length > 0 ? parseUserRoles(rolesValue) : undefined;
  if (userRoles !== undefined && basic === undefined) {
    throw new ConfigError(
      `${USER_ROLES_CONFIG} gives roles to basic-auth users, but the basic-auth extension is not enabled (rest.extension.classes)`,
      {
        key: USER_ROLES_CONFIG,
      },
    );
  }
  if (basic === undefined && tokens === undefined && jwt === undefined) return undefined;
  // Bearer tokens with basic auth but no user roles: basic users get no role (403) until given one.
  return new Authenticator({
    basic,
    tokens,
    jwt,
    userRoles: userRoles ?? (tokens !== undefined || jwt !== undefined ? new Map() : undefined),
  });
}
