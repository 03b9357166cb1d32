/**
 * Kafka client properties (`bootstrap.servers`, `acks`, `max.poll.records`, `security.protocol`,
 * ...) turned into the settings Sluice's clients use, and the layering Kafka Connect applies to a
 * task's clients (§3.3 of the behaviour digest):
 *
 * - source producer: Connect's defaults, then the worker's own connection properties, then the
 *   worker's `producer.*`, then the connector's `producer.override.*`;
 * - sink consumer: likewise with `consumer.*` and `consumer.override.*`;
 * - admin: the worker's connection properties, `admin.*`, `admin.override.*`.
 *
 * Overrides are checked against the worker's `connector.client.config.override.policy` (`All`,
 * `None`, `Principal`). Properties that a Java client knows but Sluice's clients have no use for
 * (`linger.ms`, `buffer.memory`, ...) are accepted and reported as ignored, so a user's existing
 * configuration keeps working; a known property with an invalid value is a ConfigError naming it.
 */

import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ConfigError, parseType } from '@sluice/api';
import { defaultSinkGroupId } from '../../config/connector-config.ts';
import { readPkcs12TrustStore } from '../../config/pkcs12-trust-store.ts';
import { withPrefix } from '../../config/properties.ts';
import { GROUP_KEYS, type GroupSettings, groupSettings } from './consumer-group-config.ts';
import { JAVA_CLIENT_CONFIG_TYPES } from './java-client-config-types.ts';
import type { PlatformaticLogClientConfig } from './library-clients.ts';

export type ClientKind = 'producer' | 'consumer' | 'admin';

/** Worker properties that configure every client's connection (Kafka passes the worker's non-prefixed client configs on). */
const CONNECTION_KEYS = [
  'bootstrap.servers',
  'client.dns.lookup',
  'security.protocol',
  'sasl.mechanism',
  'sasl.jaas.config',
  'request.timeout.ms',
  'retry.backoff.ms',
  'retry.backoff.max.ms',
  'socket.connection.setup.timeout.ms',
  'metadata.max.age.ms',
];
const CONNECTION_PREFIXES = ['ssl.', 'sasl.'];

/** The worker properties every task client inherits: `bootstrap.servers`, security and timeouts. */
export function workerConnectionProps(worker: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(worker)) {
    if (CONNECTION_KEYS.includes(k) || CONNECTION_PREFIXES.some((p) => k.startsWith(p))) out[k] = v;
  }
  return out;
}

/** Keys the `Principal` policy lets a connector override. */
const PRINCIPAL_KEYS = ['sasl.jaas.config', 'sasl.mechanism', 'security.protocol'];

/**
 * The errors of a connector's `producer.override.*` / `consumer.override.*` / `admin.override.*`
 * keys under the worker's policy, keyed by the full connector key; empty when all are allowed.
 */
export function clientOverridePolicyErrors(
  policy: string,
  connector: Readonly<Record<string, string | null>>,
): Map<string, string> {
  const errors = new Map<string, string>();
  const normalized = policyName(policy);
  for (const key of Object.keys(connector)) {
    const prefix = ['producer.override.', 'consumer.override.', 'admin.override.'].find((p) =>
      key.startsWith(p),
    );
    if (prefix === undefined) continue;
    const clientKey = key.slice(prefix.length);
    const allowed =
      normalized === 'All' || (normalized === 'Principal' && PRINCIPAL_KEYS.includes(clientKey));
    if (!allowed) {
      errors.set(
        key,
        `The '${normalized}' policy does not allow '${clientKey}' to be overridden in the connector configuration.`,
      );
    }
  }
  return errors;
}

/** `All`, `None` or `Principal` from a policy name or its Kafka class name. */
export function policyName(policy: string): 'All' | 'None' | 'Principal' {
  const simple = policy.trim().split('.').pop() ?? '';
  const name = simple.replace(/ConnectorClientConfigOverridePolicy$/, '');
  if (name === 'All' || name === 'None' || name === 'Principal') return name;
  throw ConfigError.invalidValue(
    'connector.client.config.override.policy',
    policy,
    'Expected one of All, None, Principal (or their org.apache.kafka.connect.connector.policy class names)',
  );
}

/**
 * The properties of one task client, layered as Kafka Connect layers them: Connect's defaults for
 * the kind, the worker's connection properties, the worker's `<kind>.*`, the connector's
 * `<kind>.override.*`.
 */
export function taskClientProps(
  kind: ClientKind,
  worker: Readonly<Record<string, string>>,
  connector: Readonly<Record<string, string>>,
  defaults: Readonly<Record<string, string>> = {},
): Record<string, string> {
  return {
    ...defaults,
    ...workerConnectionProps(worker),
    ...withPrefix(worker, `${kind}.`),
    ...withPrefix(connector, `${kind}.override.`),
  };
}

/** Connect's own defaults for a source task's producer. */
export function sourceProducerDefaults(connector: string, task: number): Record<string, string> {
  return {
    acks: 'all',
    'enable.idempotence': 'false',
    'max.in.flight.requests.per.connection': '1',
    // A send waits for a topic being created (or created again) as long as the task runs.
    'max.block.ms': '9223372036854775807',
    'delivery.timeout.ms': '2147483647',
    'client.id': `connector-producer-${connector}-${task}`,
  };
}

/** Connect's own defaults for a sink task's consumer. */
export function sinkConsumerDefaults(connector: string, task: number): Record<string, string> {
  return {
    'group.id': defaultSinkGroupId(connector),
    'auto.offset.reset': 'earliest',
    'enable.auto.commit': 'false',
    'client.id': `connector-consumer-${connector}-${task}`,
  };
}

// -------------------------------------------------------------------------------------------
// Parsing

/** A property parsed as an integer within bounds; undefined when absent. */
function intProp(
  props: Readonly<Record<string, string>>,
  key: string,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
) {
  const raw = props[key];
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (!/^-?\d+$/.test(text)) throw ConfigError.invalidValue(key, raw, 'Not a number of type INT');
  const n = Number(text);
  if (n < min) throw ConfigError.invalidValue(key, raw, `Value must be at least ${min}`);
  if (n > max) throw ConfigError.invalidValue(key, raw, `Value must be no more than ${max}`);
  return n;
}

function choice<T extends string>(
  props: Readonly<Record<string, string>>,
  key: string,
  allowed: readonly T[],
) {
  const raw = props[key];
  if (raw === undefined) return undefined;
  const found = allowed.find((a) => a.toLowerCase() === raw.trim().toLowerCase());
  if (found === undefined)
    throw ConfigError.invalidValue(key, raw, `String must be one of: ${allowed.join(', ')}`);
  return found;
}

function boolProp(props: Readonly<Record<string, string>>, key: string): boolean | undefined {
  const raw = props[key];
  if (raw === undefined) return undefined;
  const t = raw.trim().toLowerCase();
  if (t === 'true') return true;
  if (t === 'false') return false;
  throw ConfigError.invalidValue(key, raw, 'Expected value to be either true or false');
}

/** The `username="..."`/`password="..."` options of a `sasl.jaas.config` line. */
export function parseJaasConfig(text: string): { loginModule: string; options: Record<string, string> } {
  const m = /^\s*([\w.$]+)\s+(required|requisite|sufficient|optional)\b([\s\S]*?);?\s*$/.exec(text);
  if (m === null) {
    throw ConfigError.invalidValue(
      'sasl.jaas.config',
      '[hidden]',
      'Expected "<LoginModule class> required key="value" ...;"',
    );
  }
  const options: Record<string, string> = {};
  const optionRe = /([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))/g;
  for (const o of m[3]!.matchAll(optionRe)) {
    options[o[1]!] = o[2] !== undefined ? o[2].replace(/\\(.)/g, '$1') : o[3]!;
  }
  return { loginModule: m[1]!, options };
}

function readPem(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw ConfigError.invalidValue(key, path, `Failed to load the file: ${(err as Error).message}`);
  }
}

/** TLS options from Kafka's `ssl.*` properties (PEM or PKCS12 stores; JKS has no Node equivalent). */
export function tlsOptions(props: Readonly<Record<string, string>>): TlsOptions {
  const tls: TlsOptions = {};
  const trustType = (props['ssl.truststore.type'] ?? 'JKS').toUpperCase();
  const trustCerts = props['ssl.truststore.certificates'];
  const trustLocation = props['ssl.truststore.location'];
  if (trustCerts !== undefined && trustCerts.trim() !== '') tls.ca = trustCerts;
  else if (trustLocation !== undefined && trustLocation.trim() !== '') {
    if (trustType === 'PEM') tls.ca = readPem('ssl.truststore.location', trustLocation);
    else if (trustType === 'PKCS12') {
      // Node's `pfx` needs a private key in the bundle; a trust store has none: read its certificates.
      tls.ca = readPkcs12TrustStore(trustLocation, props['ssl.truststore.password']);
    } else {
      throw ConfigError.invalidValue(
        'ssl.truststore.type',
        trustType,
        'Sluice reads PEM and PKCS12 trust stores; convert a JKS store with `keytool -importkeystore -deststoretype PKCS12`',
      );
    }
  }
  const keyType = (props['ssl.keystore.type'] ?? 'JKS').toUpperCase();
  const keyPem = props['ssl.keystore.key'];
  const chainPem = props['ssl.keystore.certificate.chain'];
  const keyLocation = props['ssl.keystore.location'];
  const keyPassword = props['ssl.key.password'] ?? props['ssl.keystore.password'];
  if (keyPem !== undefined && keyPem.trim() !== '') {
    tls.key = keyPem;
    if (chainPem !== undefined) tls.cert = chainPem;
    if (keyPassword !== undefined) tls.passphrase = keyPassword;
  } else if (keyLocation !== undefined && keyLocation.trim() !== '') {
    if (keyType === 'PEM') {
      const pem = readPem('ssl.keystore.location', keyLocation);
      tls.key = pem;
      tls.cert = pem;
      if (keyPassword !== undefined) tls.passphrase = keyPassword;
    } else if (keyType === 'PKCS12') {
      const entry = { buf: readFileSync(keyLocation), passphrase: props['ssl.keystore.password'] ?? '' };
      tls.pfx = Array.isArray(tls.pfx) ? [...tls.pfx, entry] : [entry];
    } else {
      throw ConfigError.invalidValue(
        'ssl.keystore.type',
        keyType,
        'Sluice reads PEM and PKCS12 key stores; convert a JKS store with `keytool -importkeystore -deststoretype PKCS12`',
      );
    }
  }
  // Kafka verifies the broker's host name unless the algorithm is set to the empty string.
  if ((props['ssl.endpoint.identification.algorithm'] ?? 'https').trim() === '') {
    tls.checkServerIdentity = () => undefined;
  }
  return tls;
}

/** Connection settings of a client: servers, timeouts, TLS and SASL. */
export function connectionSettings(props: Readonly<Record<string, string>>): PlatformaticLogClientConfig {
  const bootstrap = props['bootstrap.servers'];
  if (bootstrap === undefined || bootstrap.trim() === '')
    throw new ConfigError('Missing required configuration "bootstrap.servers" which has no default value.', {
      key: 'bootstrap.servers',
    });
  const out: PlatformaticLogClientConfig = { bootstrapServers: bootstrap };
  const clientId = props['client.id'];
  if (clientId !== undefined && clientId !== '') out.clientId = clientId;
  const requestTimeout = intProp(props, 'request.timeout.ms', 0);
  if (requestTimeout !== undefined) out.requestTimeoutMs = requestTimeout;
  const retryBackoff = intProp(props, 'retry.backoff.ms', 0);
  if (retryBackoff !== undefined) out.retryBackoffMs = retryBackoff;
  const retryBackoffMax = intProp(props, 'retry.backoff.max.ms', 0);
  if (retryBackoffMax !== undefined) out.retryBackoffMaxMs = retryBackoffMax;
  const connectTimeout = intProp(props, 'socket.connection.setup.timeout.ms', 0);
  if (connectTimeout !== undefined) out.connectTimeoutMs = connectTimeout;

  const protocol =
    choice(props, 'security.protocol', ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const) ??
    'PLAINTEXT';
  if (protocol === 'SSL' || protocol === 'SASL_SSL') out.tls = tlsOptions(props);
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') {
    const mechanism =
      choice(props, 'sasl.mechanism', [
        'PLAIN',
        'SCRAM-SHA-256',
        'SCRAM-SHA-512',
        'OAUTHBEARER',
        'GSSAPI',
      ] as const) ?? 'GSSAPI';
    if (mechanism === 'GSSAPI' || mechanism === 'OAUTHBEARER') {
      throw ConfigError.invalidValue(
        'sasl.mechanism',
        mechanism,
        'Sluice supports the SASL mechanisms PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512',
      );
    }
    const jaas = props['sasl.jaas.config'];
    if (jaas === undefined || jaas.trim() === '') {
      throw new ConfigError(
        `Missing configuration "sasl.jaas.config": SASL mechanism ${mechanism} needs a username and password`,
        { key: 'sasl.jaas.config' },
      );
    }
    const { options } = parseJaasConfig(jaas);
    if (options.username === undefined || options.password === undefined) {
      throw ConfigError.invalidValue(
        'sasl.jaas.config',
        '[hidden]',
        'Expected username="..." and password="..." options',
      );
    }
    out.sasl = { mechanism, username: options.username, password: options.password };
  }
  return out;
}

/** What a source task's producer is configured with. */
export function producerSettings(props: Readonly<Record<string, string>>): PlatformaticLogClientConfig {
  const out = connectionSettings(props);
  const acks = choice(props, 'acks', ['all', '-1', '0', '1'] as const);
  if (acks !== undefined) out.acks = acks === 'all' || acks === '-1' ? 'all' : acks === '1' ? 1 : 0;
  const idempotent = boolProp(props, 'enable.idempotence');
  if (idempotent !== undefined) out.idempotent = idempotent;
  const compression = choice(props, 'compression.type', ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const);
  if (compression !== undefined) out.compression = compression;
  const maxRequest = intProp(props, 'max.request.size', 1);
  if (maxRequest !== undefined) out.maxRequestBytes = maxRequest;
  // Kafka's are longs: Long.MAX_VALUE (Connect's max.block.ms) means for ever.
  const maxBlock = intProp(props, 'max.block.ms', 0, Number.POSITIVE_INFINITY);
  if (maxBlock !== undefined) out.maxBlockMs = maxBlock;
  const deliveryTimeout = intProp(props, 'delivery.timeout.ms', 0, 2_147_483_647);
  if (deliveryTimeout !== undefined) out.deliveryTimeoutMs = deliveryTimeout;
  return out;
}

/**
 * Bytes fetched per partition per request when `max.partition.fetch.bytes` is not set. Kafka's
 * consumer uses 1 MiB, but its fetcher works on a thread of its own while the task runs; a Sluice
 * sink task fetches on its own thread, so it asks for more per round trip (fewer round trips for
 * the same data). `put` batches stay bounded by `max.poll.records`, and a whole fetch by
 * `fetch.max.bytes`. benchmarks/standalone-file reports the client's fetch rate with this value.
 */
export const DEFAULT_MAX_PARTITION_FETCH_BYTES = 4 * 1_048_576;

/** How a sink task's consumer reads. */
export interface ConsumerSettings {
  groupId: string;
  autoOffsetReset: 'earliest' | 'latest' | 'none';
  /** Most records handed to one `put` (Kafka's `max.poll.records`). */
  maxPollRecords: number;
  fetchMaxBytes: number;
  maxPartitionFetchBytes: number;
  fetchMinBytes: number;
  fetchMaxWaitMs: number;
  isolationLevel: 'read_uncommitted' | 'read_committed';
  /** How often the subscription of a `topics.regex` sink is re-evaluated (`metadata.max.age.ms`). */
  metadataMaxAgeMs: number;
  /** The group membership settings (consumer-group-config.ts). */
  group: GroupSettings;
}

export function consumerSettings(props: Readonly<Record<string, string>>): ConsumerSettings {
  const groupId = props['group.id'];
  if (groupId === undefined || groupId.trim() === '')
    throw ConfigError.invalidValue('group.id', groupId ?? '', 'A sink task needs a consumer group id');
  return {
    groupId,
    autoOffsetReset:
      choice(props, 'auto.offset.reset', ['earliest', 'latest', 'none'] as const) ?? 'earliest',
    maxPollRecords: intProp(props, 'max.poll.records', 1, 2 ** 31 - 1) ?? 500,
    fetchMaxBytes: intProp(props, 'fetch.max.bytes', 0) ?? 52_428_800,
    maxPartitionFetchBytes:
      intProp(props, 'max.partition.fetch.bytes', 0) ?? DEFAULT_MAX_PARTITION_FETCH_BYTES,
    fetchMinBytes: intProp(props, 'fetch.min.bytes', 0) ?? 1,
    fetchMaxWaitMs: intProp(props, 'fetch.max.wait.ms', 0) ?? 500,
    isolationLevel:
      choice(props, 'isolation.level', ['read_uncommitted', 'read_committed'] as const) ?? 'read_uncommitted',
    metadataMaxAgeMs: intProp(props, 'metadata.max.age.ms', 0) ?? 300_000,
    group: groupSettings(props),
  };
}

/**
 * The keys of a client's properties that Sluice's clients do not use (Java-client tuning such as
 * `linger.ms`), for a warning like Kafka's "supplied but isn't a known config".
 */
export function ignoredClientKeys(kind: ClientKind, props: Readonly<Record<string, string>>): string[] {
  const used = new Set([
    ...CONNECTION_KEYS,
    'client.id',
    ...(kind === 'producer'
      ? [
          'acks',
          'enable.idempotence',
          'compression.type',
          'max.request.size',
          'max.in.flight.requests.per.connection',
          'max.block.ms',
          'delivery.timeout.ms',
        ]
      : []),
    ...(kind === 'consumer'
      ? [
          'group.id',
          'auto.offset.reset',
          'enable.auto.commit',
          'max.poll.records',
          'fetch.max.bytes',
          'max.partition.fetch.bytes',
          'fetch.min.bytes',
          'fetch.max.wait.ms',
          'isolation.level',
          ...GROUP_KEYS,
        ]
      : []),
  ]);
  return Object.keys(props)
    .filter((k) => !used.has(k) && !CONNECTION_PREFIXES.some((p) => k.startsWith(p)))
    .sort();
}

/**
 * Parses a task client's layered properties the way the client will (on the embedded log only the
 * consumer settings matter); throws the ConfigError naming the bad key.
 */
export function checkClientProps(
  kind: ClientKind,
  props: Readonly<Record<string, string>>,
  usesKafka: boolean,
): void {
  if (usesKafka) {
    if (kind === 'producer') producerSettings(props);
    else connectionSettings(props);
  }
  if (kind === 'consumer') consumerSettings(props);
}

/**
 * Checks a connector's client overrides: the policy, then each client's layered properties parse.
 * Returns errors keyed by connector key (for `config/validate`), empty when all is well.
 */
export function validateClientOverrides(
  policy: string,
  worker: Readonly<Record<string, string>>,
  connector: Readonly<Record<string, string>>,
  isSink: boolean,
  usesKafka: boolean,
): Map<string, string> {
  const errors = clientOverridePolicyErrors(policy, connector);
  if (errors.size > 0) return errors;
  for (const kind of [isSink ? 'consumer' : 'producer', 'admin'] as const) {
    const own = withPrefix(connector, `${kind}.override.`);
    if (Object.keys(own).length === 0) continue;
    const defaults = kind === 'consumer' ? sinkConsumerDefaults('validate', 0) : {};
    // Keys Sluice's client does not use are still values of a Java client's type (Kafka checks them).
    let typeErrors = 0;
    for (const key of ignoredClientKeys(kind, own)) {
      const type = JAVA_CLIENT_CONFIG_TYPES[kind][key];
      if (type === undefined) continue;
      try {
        parseType(key, own[key], type);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        const name = `${kind}.override.${key}`;
        errors.set(name, err.message.replace(`configuration ${key}`, `configuration ${name}`));
        typeErrors++;
      }
    }
    if (typeErrors > 0) continue;
    try {
      checkClientProps(kind, taskClientProps(kind, worker, connector, defaults), usesKafka);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const key =
        err.key !== undefined && own[err.key] !== undefined
          ? `${kind}.override.${err.key}`
          : `${kind}.override.${Object.keys(own)[0]}`;
      const message =
        err.key !== undefined
          ? err.message.replace(`configuration ${err.key}`, `configuration ${key}`)
          : err.message;
      errors.set(key, message);
    }
  }
  return errors;
}
