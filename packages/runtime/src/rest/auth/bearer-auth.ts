/**
 * Bearer tokens for the REST API (Sluice's own): static tokens from a file, and JWTs verified
 * against a JWKS (a file or a URL) with issuer and audience checks (`jose`).
 *
 * Tokens file (JSON): `[{ "principal": "ci", "role": "operator", "token": "..." }]`, or
 * `"sha256": "<hex of the token>"` instead of `token` to keep the token itself out of the file.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ConfigError, type ParsedValue } from '@sluice/api';
import type * as Jose from 'jose';
import type { JWTVerifyGetKey } from 'jose';

// jose (~12 MB of RSS) is loaded when a bearer authenticator is first built, not with the worker.
let loadedJose: typeof Jose | undefined;
const jose = (): typeof Jose => (loadedJose ??= createRequire(import.meta.url)('jose') as typeof Jose);

import {
  JWKS_FILE_CONFIG,
  JWKS_URL_CONFIG,
  JWT_ALGORITHMS_CONFIG,
  JWT_AUDIENCE_CONFIG,
  JWT_CLOCK_SKEW_CONFIG,
  JWT_ISSUER_CONFIG,
  JWT_PRINCIPAL_CLAIM_CONFIG,
  JWT_ROLES_CLAIM_CONFIG,
  TOKENS_FILE_CONFIG,
} from '../../config/rest-security-config.ts';
import { highestRole, parseRole, type Role } from './roles.ts';

export {
  JWKS_FILE_CONFIG,
  JWKS_URL_CONFIG,
  JWT_ALGORITHMS_CONFIG,
  JWT_AUDIENCE_CONFIG,
  JWT_CLOCK_SKEW_CONFIG,
  JWT_ISSUER_CONFIG,
  JWT_PRINCIPAL_CLAIM_CONFIG,
  JWT_ROLES_CLAIM_CONFIG,
  TOKENS_FILE_CONFIG,
};

/** Who a valid bearer token belongs to. */
export interface BearerIdentity {
  principal: string;
  /** Undefined when the token carries no known role (then it may do nothing: 403). */
  role: Role | undefined;
}

interface StaticToken {
  principal: string;
  role: Role;
  digest: Buffer;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/** Static tokens from {@link TOKENS_FILE_CONFIG}, compared by SHA-256 digest in constant time. */
export class StaticTokens {
  readonly #tokens: StaticToken[];
  /** @throws ConfigError naming {@link TOKENS_FILE_CONFIG} and the entry at fault */
  constructor(file: string) {
    const fail = (reason: string): ConfigError => ConfigError.invalidValue(TOKENS_FILE_CONFIG, file, reason);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw fail(`cannot read the tokens file: ${(err as Error).message}`);
    }
    if (!Array.isArray(parsed))
      throw fail('expected a JSON array of {"principal", "role", "token" or "sha256"}');
    this.#tokens = parsed.map((entry: unknown, i): StaticToken => {
      const e = (entry ?? {}) as Record<string, unknown>;
      if (typeof e.principal !== 'string' || e.principal === '')
        throw fail(`entry ${i}: "principal" must be a non-empty string`);
      const role = typeof e.role === 'string' ? parseRole(e.role) : undefined;
      if (role === undefined)
        throw fail(`entry ${i} (${e.principal}): "role" must be viewer, operator or admin`);
      if (typeof e.token === 'string' && e.token.length >= 16)
        return { principal: e.principal, role, digest: sha256(e.token) };
      if (typeof e.sha256 === 'string' && /^[0-9a-f]{64}$/i.test(e.sha256)) {
        return { principal: e.principal, role, digest: Buffer.from(e.sha256, 'hex') };
      }
      throw fail(
        `entry ${i} (${e.principal}): needs "token" (16 characters or more) or "sha256" (64 hex digits)`,
      );
    });
  }
  find(token: string): BearerIdentity | undefined {
    const digest = sha256(token);
    let found: StaticToken | undefined;
    for (const t of this.#tokens) if (timingSafeEqual(t.digest, digest)) found ??= t;
    return found === undefined ? undefined : { principal: found.principal, role: found.role };
  }
}

/** JWT verification settings. */
export interface JwtSettings {
  jwksFile?: string;
  jwksUrl?: string;
  issuer: string;
  audience: string;
  rolesClaim: string;
  principalClaim: string;
  algorithms: string[];
  clockSkewSeconds: number;
}

/** JWTs signed by a key of the JWKS, with the issuer and audience required. */
export class JwtVerifier {
  readonly #keys: JWTVerifyGetKey;
  readonly #settings: JwtSettings;
  /** @throws ConfigError for an unreadable JWKS file or a bad URL */
  constructor(settings: JwtSettings) {
    this.#settings = settings;
    if (settings.jwksFile !== undefined) {
      let jwks: unknown;
      try {
        jwks = JSON.parse(readFileSync(settings.jwksFile, 'utf8'));
      } catch (err) {
        throw ConfigError.invalidValue(
          JWKS_FILE_CONFIG,
          settings.jwksFile,
          `cannot read the JWKS: ${(err as Error).message}`,
        );
      }
      try {
        this.#keys = jose().createLocalJWKSet(jwks as Parameters<typeof Jose.createLocalJWKSet>[0]);
      } catch (err) {
        throw ConfigError.invalidValue(
          JWKS_FILE_CONFIG,
          settings.jwksFile,
          `not a JWKS: ${(err as Error).message}`,
        );
      }
    } else {
      let url: URL;
      try {
        url = new URL(settings.jwksUrl ?? '');
      } catch {
        throw ConfigError.invalidValue(JWKS_URL_CONFIG, settings.jwksUrl, 'not a URL');
      }
      this.#keys = jose().createRemoteJWKSet(url);
    }
  }

  /** The token's identity, or undefined when it is not valid (bad signature, expired, wrong issuer or audience, ...). */
  async verify(token: string): Promise<BearerIdentity | undefined> {
    const s = this.#settings;
    try {
      const { payload } = await jose().jwtVerify(token, this.#keys, {
        issuer: s.issuer,
        audience: s.audience,
        algorithms: s.algorithms,
        clockTolerance: s.clockSkewSeconds,
        requiredClaims: ['exp'],
      });
      const principal = payload[s.principalClaim];
      if (typeof principal !== 'string' || principal === '') return undefined;
      const claim = payload[s.rolesClaim];
      const names =
        typeof claim === 'string'
          ? claim.split(/[\s,]+/)
          : Array.isArray(claim)
            ? claim.filter((c): c is string => typeof c === 'string')
            : [];
      return { principal, role: highestRole(names) };
    } catch {
      return undefined;
    }
  }
}

/**
 * The JWT settings of a worker, or undefined when no JWKS is configured.
 * @param worker the worker's settings parsed with `REST_SECURITY_CONFIG_DEF` (types and values already checked)
 */
export function jwtSettingsOf(worker: Readonly<Record<string, ParsedValue>>): JwtSettings | undefined {
  const text = (key: string): string | undefined => {
    const v = worker[key];
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  };
  const file = text(JWKS_FILE_CONFIG);
  const url = text(JWKS_URL_CONFIG);
  if (file === undefined && url === undefined) return undefined;
  if (file !== undefined && url !== undefined) {
    throw new ConfigError(`Set one of ${JWKS_FILE_CONFIG} and ${JWKS_URL_CONFIG}, not both`, {
      key: JWKS_URL_CONFIG,
    });
  }
  const required = (key: string): string => {
    const v = text(key);
    if (v === undefined) {
      throw new ConfigError(
        `Missing required configuration "${key}": JWTs are only accepted with an issuer and an audience to check`,
        { key },
      );
    }
    return v;
  };
  return {
    ...(file === undefined ? {} : { jwksFile: file }),
    ...(url === undefined ? {} : { jwksUrl: url }),
    issuer: required(JWT_ISSUER_CONFIG),
    audience: required(JWT_AUDIENCE_CONFIG),
    rolesClaim: text(JWT_ROLES_CLAIM_CONFIG) ?? 'roles',
    principalClaim: text(JWT_PRINCIPAL_CLAIM_CONFIG) ?? 'sub',
    algorithms: [...((worker[JWT_ALGORITHMS_CONFIG] as readonly string[] | null) ?? [])],
    clockSkewSeconds: Number(worker[JWT_CLOCK_SKEW_CONFIG] ?? 30),
  };
}
