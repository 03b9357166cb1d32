/**
 * Sluice's own REST security keys (not Apache Kafka Connect settings), defined in the worker's
 * ConfigDef so that they are typed, documented (`sluice --help`, validate) and checked at start: a
 * bad value stops the worker with a message naming the key. The REST server reads them back through
 * {@link REST_SECURITY_CONFIG_DEF} (`rest/auth/rest-auth.ts`, `rest/security-options.ts`).
 *
 * Also here: Kafka's JVM system property `java.security.auth.login.config`, accepted as a worker key
 * for the basic-auth extension's JAAS file, and `metrics.enable` (Sluice's off switch for metrics).
 */
import { ConfigDef, ConfigError, LambdaValidator, NonEmptyString, Range, ValidList } from '@sluice/api';

export const MASK_PASSWORDS_CONFIG = 'rest.mask.passwords';
export const TOKENS_FILE_CONFIG = 'rest.auth.tokens.file';
export const JWKS_FILE_CONFIG = 'rest.auth.jwt.jwks.file';
export const JWKS_URL_CONFIG = 'rest.auth.jwt.jwks.url';
export const JWT_ISSUER_CONFIG = 'rest.auth.jwt.issuer';
export const JWT_AUDIENCE_CONFIG = 'rest.auth.jwt.audience';
export const JWT_ROLES_CLAIM_CONFIG = 'rest.auth.jwt.roles.claim';
export const JWT_PRINCIPAL_CLAIM_CONFIG = 'rest.auth.jwt.principal.claim';
export const JWT_ALGORITHMS_CONFIG = 'rest.auth.jwt.algorithms';
export const JWT_CLOCK_SKEW_CONFIG = 'rest.auth.jwt.clock.skew.seconds';
export const USER_ROLES_CONFIG = 'rest.auth.user.roles';
export const JAAS_CONFIG_PROPERTY = 'java.security.auth.login.config';
/** Sluice's off switch for metrics (`docs/metrics.md`). */
export const METRICS_ENABLE_CONFIG = 'metrics.enable';

/** The JWT signature algorithms accepted: asymmetric ones only (no `none`, no `HS*`). */
export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

const ROLE_NAMES = ['viewer', 'operator', 'admin'];

const GROUP = 'Sluice REST security';

const JWKS_URL_VALIDATOR = LambdaValidator.with(
  (name, value) => {
    if (value === null || value === undefined || value === '') return;
    let url: URL;
    try {
      url = new URL(value as string);
    } catch {
      throw ConfigError.invalidValue(name, value, 'not a URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw ConfigError.invalidValue(name, value, 'expected an https:// (or http://) URL');
    }
  },
  () => 'an https:// URL',
);

const USER_ROLES_VALIDATOR = LambdaValidator.with(
  (name, value) => {
    if (value === null || value === undefined) return;
    for (const entry of value as readonly string[]) {
      const i = entry.lastIndexOf(':');
      const role =
        i > 0
          ? entry
              .slice(i + 1)
              .trim()
              .toLowerCase()
          : '';
      if (!ROLE_NAMES.includes(role) || entry.slice(0, i).trim() === '') {
        throw ConfigError.invalidValue(
          name,
          (value as readonly string[]).join(','),
          `entry '${entry}': expected <user>:<viewer|operator|admin>`,
        );
      }
    }
  },
  () => 'comma-separated <user>:<viewer|operator|admin>',
);

const JWT_ALGORITHMS_VALIDATOR = LambdaValidator.with(
  (name, value) => {
    const list = (value ?? []) as readonly string[];
    if (list.some((a) => a.toLowerCase() === 'none' || a.toUpperCase().startsWith('HS'))) {
      throw ConfigError.invalidValue(
        name,
        list.join(','),
        'only asymmetric algorithms are accepted (no "none", no HS*)',
      );
    }
    ValidList.in(false, ...JWT_ALGORITHMS).ensureValid(name, list);
  },
  () => `non-empty list of ${JWT_ALGORITHMS.join(', ')}`,
);

/** Adds Sluice's REST security keys (and `metrics.enable`) to `def`; returns `def`. */
export function defineRestSecurityKeys(def: ConfigDef): ConfigDef {
  let order = 0;
  const g = (): { group: string; orderInGroup: number } => ({ group: GROUP, orderInGroup: ++order });
  return def
    .define({
      name: MASK_PASSWORDS_CONFIG,
      type: 'BOOLEAN',
      defaultValue: false,
      importance: 'MEDIUM',
      documentation:
        'Sluice only: answer PASSWORD-type values (of the connector, its converters, transforms, predicates and ' +
        'Kafka client overrides) as <code>[hidden]</code> in every REST answer. Sending <code>[hidden]</code> back keeps ' +
        'the stored secret.',
      ...g(),
    })
    .define({
      name: TOKENS_FILE_CONFIG,
      type: 'STRING',
      defaultValue: null,
      importance: 'MEDIUM',
      documentation:
        'Sluice only: a JSON file of static bearer tokens, <code>[{"principal": "ci", "role": "operator", "token": "..."}]</code> ' +
        '(or <code>"sha256"</code> of the token instead of <code>"token"</code>). Setting it turns authentication and roles on.',
      ...g(),
    })
    .define({
      name: JWKS_FILE_CONFIG,
      type: 'STRING',
      defaultValue: null,
      importance: 'MEDIUM',
      documentation:
        'Sluice only: a JWKS file whose keys verify JWT bearer tokens. Set this or ' +
        `<code>${JWKS_URL_CONFIG}</code>, with <code>${JWT_ISSUER_CONFIG}</code> and <code>${JWT_AUDIENCE_CONFIG}</code>.`,
      ...g(),
    })
    .define({
      name: JWKS_URL_CONFIG,
      type: 'STRING',
      defaultValue: null,
      validator: JWKS_URL_VALIDATOR,
      importance: 'MEDIUM',
      documentation: `Sluice only: the URL of a JWKS whose keys verify JWT bearer tokens (instead of <code>${JWKS_FILE_CONFIG}</code>).`,
      ...g(),
    })
    .define({
      name: JWT_ISSUER_CONFIG,
      type: 'STRING',
      defaultValue: null,
      importance: 'MEDIUM',
      documentation: 'Sluice only: the <code>iss</code> a JWT must carry. Required with a JWKS.',
      ...g(),
    })
    .define({
      name: JWT_AUDIENCE_CONFIG,
      type: 'STRING',
      defaultValue: null,
      importance: 'MEDIUM',
      documentation: 'Sluice only: the <code>aud</code> a JWT must carry. Required with a JWKS.',
      ...g(),
    })
    .define({
      name: JWT_ROLES_CLAIM_CONFIG,
      type: 'STRING',
      defaultValue: 'roles',
      validator: new NonEmptyString(),
      importance: 'LOW',
      documentation:
        'Sluice only: the JWT claim holding the roles (a string of space-separated names, or an array); the highest of viewer, operator, admin counts.',
      ...g(),
    })
    .define({
      name: JWT_PRINCIPAL_CLAIM_CONFIG,
      type: 'STRING',
      defaultValue: 'sub',
      validator: new NonEmptyString(),
      importance: 'LOW',
      documentation: 'Sluice only: the JWT claim naming the user in the access log.',
      ...g(),
    })
    .define({
      name: JWT_ALGORITHMS_CONFIG,
      type: 'LIST',
      defaultValue: [...JWT_ALGORITHMS],
      validator: JWT_ALGORITHMS_VALIDATOR,
      importance: 'LOW',
      documentation: 'Sluice only: the JWT signature algorithms accepted (asymmetric ones only).',
      ...g(),
    })
    .define({
      name: JWT_CLOCK_SKEW_CONFIG,
      type: 'INT',
      defaultValue: 30,
      validator: Range.between(0, 3600),
      importance: 'LOW',
      documentation:
        "Sluice only: seconds of clock difference tolerated when checking a JWT's <code>exp</code> and <code>nbf</code>.",
      ...g(),
    })
    .define({
      name: USER_ROLES_CONFIG,
      type: 'LIST',
      defaultValue: null,
      validator: USER_ROLES_VALIDATOR,
      importance: 'MEDIUM',
      documentation:
        "Sluice only: roles of the basic-auth extension's users, <code>alice:admin,bob:viewer</code>. A user without an entry gets 403.",
      ...g(),
    })
    .define({
      name: JAAS_CONFIG_PROPERTY,
      type: 'STRING',
      defaultValue: null,
      importance: 'LOW',
      documentation:
        "The JAAS file of Kafka's basic-auth REST extension (Kafka reads it from the JVM system property of this name, " +
        'which Sluice also takes from <code>-Djava.security.auth.login.config=...</code> in <code>KAFKA_OPTS</code>).',
      ...g(),
    })
    .define({
      name: METRICS_ENABLE_CONFIG,
      type: 'BOOLEAN',
      defaultValue: true,
      importance: 'LOW',
      documentation:
        'Sluice only: <code>false</code> records no metrics (the task loops skip their counters) and answers ' +
        '<code>GET /metrics</code> with 404. Apache Kafka Connect always records its metrics.',
      group: 'Sluice metrics',
      orderInGroup: 1,
    });
}

/** Only the keys of {@link defineRestSecurityKeys}, to parse a raw worker properties map with. */
export const REST_SECURITY_CONFIG_DEF: ConfigDef = defineRestSecurityKeys(new ConfigDef());
