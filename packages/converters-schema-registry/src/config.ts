import { AbstractConfig, CaseInsensitiveValidString, ConfigDef, ConfigError } from '@sluice/api';
import type { RegistryClientConfig } from './client/registry-client.ts';
import { REGISTRY_SSL_KEYS, registryTls } from './client/tls.ts';

export const TOPIC_NAME_STRATEGY = 'io.confluent.kafka.serializers.subject.TopicNameStrategy';
export const RECORD_NAME_STRATEGY = 'io.confluent.kafka.serializers.subject.RecordNameStrategy';
export const TOPIC_RECORD_NAME_STRATEGY = 'io.confluent.kafka.serializers.subject.TopicRecordNameStrategy';
const STRATEGIES = [TOPIC_NAME_STRATEGY, RECORD_NAME_STRATEGY, TOPIC_RECORD_NAME_STRATEGY];

/**
 * The keys Confluent's schema-registry converters read (`AbstractKafkaSchemaSerDeConfig` and
 * `AvroDataConfig`), with Confluent's defaults. Keys Sluice does not act on yet are still
 * defined (and documented as such) so that pasted configurations validate.
 */
export function schemaRegistryConverterConfigDef(): ConfigDef {
  const def = new ConfigDef()
    .define({
      name: 'schema.registry.url',
      type: 'LIST',
      importance: 'HIGH',
      documentation:
        "Comma-separated list of URLs for Schema Registry instances that can be used to register or look up schemas. With Sluice it may be the worker's own URL when the worker serves the built-in registry.",
    })
    .define({
      name: 'auto.register.schemas',
      type: 'BOOLEAN',
      defaultValue: true,
      importance: 'MEDIUM',
      documentation: 'Specify if the Serializer should attempt to register the Schema with Schema Registry',
    })
    .define({
      name: 'use.latest.version',
      type: 'BOOLEAN',
      defaultValue: false,
      importance: 'LOW',
      documentation:
        'Specify if the Serializer should use the latest subject version for serialization (only when auto.register.schemas is false).',
    })
    .define({
      name: 'latest.compatibility.strict',
      type: 'BOOLEAN',
      defaultValue: true,
      importance: 'LOW',
      documentation:
        'If true, with use.latest.version the data must be writable with the latest subject version; a value that is not is a DataException.',
    })
    .define({
      name: 'normalize.schemas',
      type: 'BOOLEAN',
      defaultValue: false,
      importance: 'LOW',
      documentation:
        'Whether to normalize schemas, which generally ignores ordering when it is not significant',
    })
    .define({
      name: 'key.subject.name.strategy',
      type: 'CLASS',
      defaultValue: TOPIC_NAME_STRATEGY,
      importance: 'MEDIUM',
      documentation:
        'Determines how to construct the subject name under which the key schema is registered with the schema registry. By default, <topic>-key is used as subject.',
    })
    .define({
      name: 'value.subject.name.strategy',
      type: 'CLASS',
      defaultValue: TOPIC_NAME_STRATEGY,
      importance: 'MEDIUM',
      documentation:
        'Determines how to construct the subject name under which the value schema is registered with the schema registry. By default, <topic>-value is used as subject.',
    })
    .define({
      name: 'basic.auth.credentials.source',
      type: 'STRING',
      defaultValue: 'URL',
      validator: CaseInsensitiveValidString.in('URL', 'USER_INFO', 'SASL_INHERIT'),
      importance: 'MEDIUM',
      documentation:
        'Specify how to pick the credentials for Basic Auth header. The supported values are URL, USER_INFO and SASL_INHERIT',
    })
    .define({
      name: 'basic.auth.user.info',
      type: 'PASSWORD',
      defaultValue: '',
      importance: 'MEDIUM',
      documentation: 'Specify the user info for Basic Auth in the form of {username}:{password}',
    })
    .define({
      name: 'schema.registry.basic.auth.user.info',
      type: 'PASSWORD',
      defaultValue: '',
      importance: 'MEDIUM',
      documentation: 'Specify the user info for Basic Auth in the form of {username}:{password}',
    })
    .define({
      name: 'bearer.auth.credentials.source',
      type: 'STRING',
      defaultValue: 'STATIC_TOKEN',
      importance: 'MEDIUM',
      documentation:
        'Specify how to pick the credentials for Bearer Auth header. Sluice supports STATIC_TOKEN.',
    })
    .define({
      name: 'bearer.auth.token',
      type: 'PASSWORD',
      defaultValue: '',
      importance: 'MEDIUM',
      documentation: 'Specify the Bearer token to be used for authentication',
    })
    .define({
      name: 'max.schemas.per.subject',
      type: 'INT',
      defaultValue: 1000,
      importance: 'LOW',
      documentation: 'Maximum number of schemas to create or cache locally.',
    })
    .define({
      name: 'schemas.cache.size',
      type: 'INT',
      defaultValue: 1000,
      importance: 'LOW',
      documentation: 'Size of the converted schemas cache',
    })
    .define({
      name: 'max.retries',
      type: 'INT',
      defaultValue: 3,
      importance: 'LOW',
      documentation: 'Maximum number of retries for a request to the registry.',
    })
    .define({
      name: 'retries.wait.ms',
      type: 'INT',
      defaultValue: 1000,
      importance: 'LOW',
      documentation: 'Time to wait before the first retry; doubled for each further retry.',
    })
    .define({
      name: 'retries.max.wait.ms',
      type: 'INT',
      defaultValue: 20000,
      importance: 'LOW',
      documentation: 'Maximum time to wait before a retry.',
    })
    .define({
      name: 'request.timeout.ms',
      type: 'INT',
      defaultValue: 30000,
      importance: 'LOW',
      documentation: 'Timeout of one request to the registry (Sluice key).',
    })
    .define({
      name: 'enhanced.avro.schema.support',
      type: 'BOOLEAN',
      defaultValue: false,
      importance: 'LOW',
      documentation:
        'Enable enhanced schema support to preserve package information and Enums. May require more memory and CPU.',
    })
    .define({
      name: 'connect.meta.data',
      type: 'BOOLEAN',
      defaultValue: true,
      importance: 'LOW',
      documentation: 'Allow the Connect converter to add its metadata to the output schema',
    })
    .define({
      name: 'scrub.invalid.names',
      type: 'BOOLEAN',
      defaultValue: false,
      importance: 'LOW',
      documentation: 'Whether to scrub invalid names by replacing invalid characters with valid characters',
    })
    .define({
      name: 'converter.type',
      type: 'STRING',
      validator: CaseInsensitiveValidString.in('key', 'value', 'header'),
      importance: 'LOW',
      documentation: 'How this converter will be used.',
    });
  for (const name of REGISTRY_SSL_KEYS) {
    const secret = name.endsWith('password') || name.endsWith('keystore.key');
    def.define({
      name,
      type: secret ? 'PASSWORD' : 'STRING',
      ...(name.endsWith('endpoint.identification.algorithm') ? { defaultValue: 'https' } : {}),
      ...(secret || !name.endsWith('endpoint.identification.algorithm') ? { defaultValue: null } : {}),
      importance: 'MEDIUM',
      documentation: `Kafka's ${name.slice('schema.registry.'.length)} for HTTPS registries (PEM or PKCS12 stores; JKS is not read).`,
    });
  }
  return def;
}

export interface SchemaRegistryConverterSettings {
  readonly client: RegistryClientConfig;
  readonly autoRegister: boolean;
  readonly useLatestVersion: boolean;
  readonly latestCompatibilityStrict: boolean;
  readonly normalize: boolean;
  readonly subjectStrategy: string;
  readonly cacheSize: number;
  readonly maxSchemasPerSubject: number;
  readonly enhancedSchemaSupport: boolean;
  readonly connectMetaData: boolean;
  readonly scrubInvalidNames: boolean;
}

/** Reads and checks a converter's configuration; a ConfigError names the key and the reason. */
export function readConverterSettings(
  def: ConfigDef,
  configs: Readonly<Record<string, unknown>>,
  isKey: boolean,
): SchemaRegistryConverterSettings {
  if (configs['schema.registry.url'] === undefined || configs['schema.registry.url'] === '') {
    throw new ConfigError(
      "Missing required configuration \"schema.registry.url\" which has no default value. Set it to the registry's URL (with Sluice's built-in registry: the worker's REST URL).",
      { key: 'schema.registry.url' },
    );
  }
  const config = new AbstractConfig(def, { 'converter.type': isKey ? 'key' : 'value', ...configs });
  const urls = config
    .getList('schema.registry.url')!
    .map((u) => u.trim())
    .filter((u) => u !== '');
  for (const u of urls) {
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      throw ConfigError.invalidValue('schema.registry.url', u, 'not a URL (expected http://host:port)');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw ConfigError.invalidValue(
        'schema.registry.url',
        u,
        'only http:// and https:// URLs are supported',
      );
    }
  }
  const source = config.getString('basic.auth.credentials.source')!.toUpperCase();
  const userInfo =
    config.getPassword('basic.auth.user.info')?.value() ||
    config.getPassword('schema.registry.basic.auth.user.info')?.value() ||
    '';
  let basicAuth: string | null = null;
  if (source === 'USER_INFO') {
    if (!userInfo.includes(':')) {
      throw ConfigError.invalidValue(
        'basic.auth.user.info',
        '[hidden]',
        'with basic.auth.credentials.source=USER_INFO it must be {username}:{password}',
      );
    }
    basicAuth = userInfo;
  } else if (source === 'SASL_INHERIT') {
    throw ConfigError.invalidValue(
      'basic.auth.credentials.source',
      source,
      'SASL_INHERIT is not supported by Sluice yet; use USER_INFO',
    );
  }
  const token = config.getPassword('bearer.auth.token')?.value() ?? '';
  const strategy = config.getClassName(isKey ? 'key.subject.name.strategy' : 'value.subject.name.strategy')!;
  if (!STRATEGIES.includes(strategy)) {
    throw ConfigError.invalidValue(
      isKey ? 'key.subject.name.strategy' : 'value.subject.name.strategy',
      strategy,
      `Sluice knows ${STRATEGIES.join(', ')}`,
    );
  }
  return {
    client: {
      urls,
      basicAuth,
      bearerToken: token === '' ? null : token,
      maxRetries: config.getInt('max.retries')!,
      retriesWaitMs: config.getInt('retries.wait.ms')!,
      retriesMaxWaitMs: config.getInt('retries.max.wait.ms')!,
      requestTimeoutMs: config.getInt('request.timeout.ms')!,
      tls: registryTls((key) => {
        const v =
          key.endsWith('password') || key.endsWith('keystore.key')
            ? config.getPassword(key)?.value()
            : config.getString(key);
        return v ?? undefined;
      }),
    },
    autoRegister: config.getBoolean('auto.register.schemas')!,
    useLatestVersion: config.getBoolean('use.latest.version')!,
    latestCompatibilityStrict: config.getBoolean('latest.compatibility.strict')!,
    normalize: config.getBoolean('normalize.schemas')!,
    subjectStrategy: strategy,
    cacheSize: config.getInt('schemas.cache.size')!,
    maxSchemasPerSubject: config.getInt('max.schemas.per.subject')!,
    enhancedSchemaSupport: config.getBoolean('enhanced.avro.schema.support')!,
    connectMetaData: config.getBoolean('connect.meta.data')!,
    scrubInvalidNames: config.getBoolean('scrub.invalid.names')!,
  };
}

/** The subject for a schema under Confluent's strategies. `recordName` is the Avro full name (or the type for primitives). */
export function subjectName(strategy: string, topic: string, isKey: boolean, recordName: string): string {
  switch (strategy) {
    case RECORD_NAME_STRATEGY:
      return recordName;
    case TOPIC_RECORD_NAME_STRATEGY:
      return `${topic}-${recordName}`;
    default:
      return `${topic}-${isKey ? 'key' : 'value'}`;
  }
}
