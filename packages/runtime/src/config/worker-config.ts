/**
 * The standalone worker's configuration: Kafka Connect's `WorkerConfig` + `StandaloneConfig` +
 * `RestServerConfig` keys, with Kafka's names, defaults, documentation and validators, plus Sluice's
 * own `embedded.log.dir`.
 *
 * Deliberate differences from Apache Kafka Connect:
 * - `bootstrap.servers` has no default (Kafka: `localhost:9092`). Its absence is what selects the
 *   embedded, file-backed log (in `embedded.log.dir`) instead of Kafka. An empty value is an error
 *   rather than silently meaning "embedded".
 * - `offset.storage.file.filename` is required only when `bootstrap.servers` is set (as in Kafka);
 *   on the embedded log it defaults to `<embedded.log.dir>/connect.offsets`.
 * - Keys Kafka reads through the JVM (SSL keystores, `client.dns.lookup`) are not declared here;
 *   the metrics and plugin-discovery keys are declared (so their values are validated as in Kafka)
 *   but a Node worker has no JMX nor class-path scanning to apply them to.
 */

import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  AbstractConfig,
  CaseInsensitiveValidString,
  ConfigDef,
  ConfigError,
  javaTrim,
  LambdaValidator,
  NonEmptyString,
  type ParsedValue,
  Range,
  ValidString,
} from '@sluice/api';
import {
  HEADER_CONVERTER_CLASS_DOC,
  KEY_CONVERTER_CLASS_DOC,
  VALUE_CONVERTER_CLASS_DOC,
} from './connector-config.ts';
import { defineRestSecurityKeys } from './rest-security-config.ts';

/** Sluice's key for the embedded log's directory. */
export const EMBEDDED_LOG_DIR_CONFIG = 'embedded.log.dir';
/** Default of {@link EMBEDDED_LOG_DIR_CONFIG}. */
export const EMBEDDED_LOG_DIR_DEFAULT = './sluice-data';
/** The offsets file's name inside the embedded log's directory when none is configured. */
export const EMBEDDED_OFFSETS_FILE_NAME = 'connect.offsets';

const BOOTSTRAP_SERVERS_DOC =
  'A list of host/port pairs used to establish the initial connection to the Kafka cluster. ' +
  'Clients use this list to bootstrap and discover the full set of Kafka brokers. ' +
  'While the order of servers in the list does not matter, we recommend including more than one server to ensure resilience if any servers are down. ' +
  'This list does not need to contain the entire set of brokers, as Kafka clients automatically manage and update connections to the cluster efficiently. ' +
  'This list must be in the form <code>host1:port1,host2:port2,...</code>.' +
  ' Sluice: when this is not set, a standalone worker runs on the embedded, file-backed log in ' +
  '<code>embedded.log.dir</code> instead of Kafka (Apache Kafka Connect defaults to <code>localhost:9092</code>).';

// The converter docs are shared with the connector-level keys.

const PLUGIN_PATH_DOC =
  'List of paths separated by commas (,) that ' +
  'contain plugins (connectors, converters, transformations). The list should consist' +
  ' of top level directories that include any combination of: \n' +
  'a) directories immediately containing jars with plugins and their dependencies\n' +
  'b) uber-jars with plugins and their dependencies\n' +
  'c) directories immediately containing the package directory structure of classes of ' +
  'plugins and their dependencies\n' +
  'Note: symlinks will be followed to discover dependencies or plugins.\n' +
  'Examples: plugin.path=/usr/local/share/java,/usr/local/share/kafka/plugins,' +
  '/opt/connectors\n' +
  'Do not use config provider variables in this property, since the raw path is used ' +
  "by the worker's scanner before config providers are initialized and used to " +
  'replace variables.';

const PLUGIN_DISCOVERY_DOC =
  'Method to use to discover plugins present in the classpath ' +
  'and plugin.path configuration. This can be one of multiple values with the following meanings:\n' +
  '* only_scan: Discover plugins only by reflection. ' +
  'Plugins which are not discoverable by ServiceLoader will not impact worker startup.\n' +
  '* hybrid_warn: Discover plugins reflectively and by ServiceLoader. ' +
  'Plugins which are not discoverable by ServiceLoader will print warnings during worker startup.\n' +
  '* hybrid_fail: Discover plugins reflectively and by ServiceLoader. ' +
  'Plugins which are not discoverable by ServiceLoader will cause worker startup to fail.\n' +
  '* service_load: Discover plugins only by ServiceLoader. Faster startup than other modes. ' +
  'Plugins which are not discoverable by ServiceLoader may not be usable.';

const CONFIG_PROVIDERS_DOC =
  'Comma-separated names of <code>ConfigProvider</code> classes, loaded and used ' +
  'in the order specified. Implementing the interface  ' +
  '<code>ConfigProvider</code> allows you to replace variable references in connector configurations, ' +
  'such as for externalized secrets. ';

const CONNECTOR_CLIENT_POLICY_CLASS_DOC =
  'Class name or alias of implementation of <code>ConnectorClientConfigOverridePolicy</code>. Defines what client configurations can be ' +
  'overridden by the connector. The default implementation is `All`, meaning connector configurations can override all client properties. ' +
  'The other possible policies in the framework include `None` to disallow connectors from overriding client properties, ' +
  'and `Principal` to allow connectors to override only client principals.';

const METRICS_RECORDING_LEVEL_DOC =
  'The highest recording level for metrics. It has three levels for recording metrics - info, debug, and trace.\n' +
  ' \n' +
  'INFO level records only essential metrics necessary for monitoring system performance and health. It collects vital data without gathering too much detail, making it suitable for production environments where minimal overhead is desired.\n' +
  '\n' +
  "DEBUG level records most metrics, providing more detailed information about the system's operation. It's useful for development and testing environments where you need deeper insights to debug and fine-tune the application.\n" +
  '\n' +
  "TRACE level records all possible metrics, capturing every detail about the system's performance and operation. It's best for controlled environments where in-depth analysis is required, though it can introduce significant overhead.";

const TOPIC_CREATION_ENABLE_DOC =
  'Whether to allow ' +
  'automatic creation of topics used by source connectors, when source connectors ' +
  'are configured with `topic.creation.` properties. Each task will use an ' +
  'admin client to create its topics and will not depend on the Kafka brokers ' +
  'to create topics automatically.';

const LISTENERS_DOC =
  'List of comma-separated URIs the REST API will listen on. The supported protocols are HTTP and HTTPS.\n' +
  ' Specify hostname as 0.0.0.0 to bind to all interfaces.\n' +
  ' Leave hostname empty to bind to default interface.\n' +
  ' Examples of legal listener lists: HTTP://myhost:8083,HTTPS://myhost:8084';

const ACCESS_CONTROL_ALLOW_ORIGIN_DOC =
  'Value to set the Access-Control-Allow-Origin header to for REST API requests.' +
  'To enable cross origin access, set this to the domain of the application that should be permitted' +
  " to access the API, or '*' to allow access from any domain. The default value only allows access" +
  ' from the domain of the REST API.';

const ACCESS_CONTROL_ALLOW_METHODS_DOC =
  'Sets the methods supported for cross origin requests by setting the Access-Control-Allow-Methods header. ' +
  'The default value of the Access-Control-Allow-Methods header allows cross origin requests for GET, POST and HEAD.';

const ADMIN_LISTENERS_DOC =
  'List of comma-separated URIs the Admin REST API will listen on.' +
  ' The supported protocols are HTTP and HTTPS.' +
  ' An empty or blank string will disable this feature.' +
  " The default behavior is to use the regular listener (specified by the 'listeners' property).";

const REST_EXTENSION_CLASSES_DOC =
  'Comma-separated names of <code>ConnectRestExtension</code> classes, loaded and called ' +
  'in the order specified. Implementing the interface  ' +
  "<code>ConnectRestExtension</code> allows you to inject into Connect's REST API user defined resources like filters. " +
  'Typically used to add custom capability like logging, security, etc. ';

const OFFSET_STORAGE_FILE_FILENAME_DOC =
  'File to store source connector offsets' +
  '. Sluice: required when <code>bootstrap.servers</code> is set, as in Apache Kafka Connect; on the embedded log' +
  ' it defaults to <code>connect.offsets</code> in <code>embedded.log.dir</code>.';

const EMBEDDED_LOG_DIR_DOC =
  'Sluice only (not an Apache Kafka Connect setting): the directory of the embedded, file-backed log that a ' +
  'standalone worker uses instead of Kafka when <code>bootstrap.servers</code> is not set. ' +
  'Ignored when <code>bootstrap.servers</code> is set.';

/** Kafka's `Utils.isBlank`. */
function isBlank(s: string | null | undefined): boolean {
  return s === null || s === undefined || javaTrim(s) === '';
}

/** Java's `String.split(regex)`: trailing empty strings removed (`"".split(x)` is `[""]`). */
function javaSplit(s: string, separator: RegExp): string[] {
  if (s === '') return [''];
  const parts = s.split(separator);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

const BOOTSTRAP_SERVERS_VALIDATOR = LambdaValidator.with(
  (name, value) => {
    if (value === null || value === undefined) return;
    if ((value as readonly string[]).length === 0) {
      throw new ConfigError(
        `Invalid value for ${name}: the list is empty. List the Kafka brokers as host1:port1,host2:port2,... ` +
          'or remove the key to run on the embedded log.',
        { key: name, value },
      );
    }
  },
  () => 'non-empty list, or not set for the embedded log',
);

/** Kafka's `RestServerConfig.ListenersValidator`. */
const LISTENERS_VALIDATOR = LambdaValidator.with(
  (name, value) => {
    if (!Array.isArray(value)) {
      throw new ConfigError(
        'Invalid value type for listeners (expected list of URLs , ex: http://localhost:8080,https://localhost:8443).',
        { key: name, value },
      );
    }
    if (value.length === 0) {
      throw new ConfigError(
        'Invalid value for listeners, at least one URL is expected, ex: http://localhost:8080,https://localhost:8443.',
        { key: name, value },
      );
    }
    for (const item of value) {
      if (typeof item !== 'string') {
        throw new ConfigError('Invalid type for listeners (expected String).', { key: name, value });
      }
      if (isBlank(item)) {
        throw new ConfigError('Empty URL found when parsing listeners list.', { key: name, value });
      }
    }
  },
  () => 'List of comma-separated URLs, ex: http://localhost:8080,https://localhost:8443.',
);

/** Kafka's `RestServerConfig.AdminListenersValidator`. */
const ADMIN_LISTENERS_VALIDATOR = LambdaValidator.with(
  (name, value) => {
    if (value === null || value === undefined) return;
    if (!Array.isArray(value)) {
      throw new ConfigError('Invalid value type for admin.listeners (expected list).', { key: name, value });
    }
    for (const item of value) {
      if (typeof item !== 'string') {
        throw new ConfigError('Invalid type for admin.listeners (expected String).', { key: name, value });
      }
      if (isBlank(item)) {
        throw new ConfigError('Empty URL found when parsing admin.listeners list.', { key: name, value });
      }
    }
  },
  () => 'List of comma-separated URLs, ex: http://localhost:8080,https://localhost:8443.',
);

const HEADER_ACTIONS = ['set', 'add', 'setDate', 'addDate'] as const;

/**
 * Jetty's `StringUtil.csvSplit`: comma-separated items, whitespace around them dropped; an item may be
 * in double quotes (then commas inside it are kept, and `\` escapes the next character).
 */
function csvSplit(s: string): string[] {
  const items: string[] = [];
  let i = 0;
  while (i <= s.length) {
    while (i < s.length && javaTrim(s[i]!) === '') i++;
    let item = '';
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === '\\' && i + 1 < s.length) i++;
        item += s[i++];
      }
      i++; // closing quote
      while (i < s.length && s[i] !== ',') i++;
    } else {
      while (i < s.length && s[i] !== ',') item += s[i++];
      item = javaTrim(item);
    }
    items.push(item);
    i++; // the comma (or past the end)
  }
  return items;
}

/** Kafka's `RestServerConfig.validateHttpResponseHeaderConfig`. */
function validateHttpResponseHeaderConfig(config: string): void {
  const trimmed = javaTrim(config);
  const ws = /[ \t\n\v\f\r]+/.exec(trimmed);
  const configTokens =
    ws === null ? [trimmed] : [trimmed.slice(0, ws.index), trimmed.slice(ws.index + ws[0].length)];
  if (configTokens.length !== 2) {
    throw new ConfigError(
      `Invalid format of header config '${config}'. Expected: '[action] [header name]:[header value]'`,
    );
  }
  const method = javaTrim(configTokens[0]!);
  if (!HEADER_ACTIONS.some((a) => a.toLowerCase() === method.toLowerCase())) {
    throw new ConfigError(
      `Invalid header config action: '${method}'. Expected one of [${HEADER_ACTIONS.join(', ')}]`,
    );
  }
  const header = configTokens[1]!;
  const headerTokens = javaSplit(javaTrim(header), /:/);
  if (headerTokens.length !== 2) {
    throw new ConfigError(
      `Invalid format of header name and header value pair '${header}'. Expected: '[header name]:[header value]'`,
    );
  }
  const headerName = javaTrim(headerTokens[0]!);
  if (headerName === '' || /[ \t\n\v\f\r]/.test(headerName)) {
    throw new ConfigError(
      `Invalid header name '${headerName}'. The '[header name]' cannot contain whitespace`,
    );
  }
}

/** Kafka's `RestServerConfig.ResponseHttpHeadersValidator`. */
const RESPONSE_HTTP_HEADERS_VALIDATOR = LambdaValidator.with(
  (_name, value) => {
    const s = value as string | null;
    if (isBlank(s)) return;
    for (const rule of csvSplit(s!)) validateHttpResponseHeaderConfig(rule);
  },
  () =>
    'Comma-separated header rules, where each header rule is of the form ' +
    "'[action] [header name]:[header value]' and optionally surrounded by double quotes " +
    'if any part of a header rule contains a comma',
);

/**
 * The standalone worker's keys (Kafka's `StandaloneConfig.configDef()` less the JVM-only keys, plus
 * `embedded.log.dir`), in Kafka's definition order.
 */
export const WORKER_CONFIG_DEF: ConfigDef = new ConfigDef()
  .define({
    name: 'bootstrap.servers',
    type: 'LIST',
    defaultValue: null,
    validator: BOOTSTRAP_SERVERS_VALIDATOR,
    importance: 'HIGH',
    documentation: BOOTSTRAP_SERVERS_DOC,
  })
  .define('key.converter', 'CLASS', 'HIGH', KEY_CONVERTER_CLASS_DOC)
  .define('value.converter', 'CLASS', 'HIGH', VALUE_CONVERTER_CLASS_DOC)
  .define(
    'task.shutdown.graceful.timeout.ms',
    'LONG',
    '5000',
    'LOW',
    'Amount of time to wait for tasks to shutdown gracefully. This is the total amount of time,' +
      ' not per task. All task have shutdown triggered, then they are waited on sequentially.',
  )
  .define(
    'offset.flush.interval.ms',
    'LONG',
    60000,
    'LOW',
    'Interval at which to try committing offsets for tasks.',
  )
  .define(
    'offset.flush.timeout.ms',
    'LONG',
    5000,
    'LOW',
    'Maximum number of milliseconds to wait for records to flush and partition offset data to be' +
      ' committed to offset storage before cancelling the process and restoring the offset ' +
      'data to be committed in a future attempt. This property has no effect for source connectors ' +
      'running with exactly-once support.',
  )
  .define('plugin.path', 'LIST', null, 'LOW', PLUGIN_PATH_DOC)
  .define(
    'plugin.discovery',
    'STRING',
    'hybrid_warn',
    CaseInsensitiveValidString.in('only_scan', 'hybrid_warn', 'hybrid_fail', 'service_load'),
    'LOW',
    PLUGIN_DISCOVERY_DOC,
  )
  .define(
    'metrics.sample.window.ms',
    'LONG',
    30000,
    Range.atLeast(0),
    'LOW',
    'The window of time a metrics sample is computed over.',
  )
  .define(
    'metrics.num.samples',
    'INT',
    2,
    Range.atLeast(1),
    'LOW',
    'The number of samples maintained to compute metrics.',
  )
  .define(
    'metrics.recording.level',
    'STRING',
    'INFO',
    ValidString.in('INFO', 'DEBUG'),
    'LOW',
    METRICS_RECORDING_LEVEL_DOC,
  )
  .define(
    'metric.reporters',
    'LIST',
    'org.apache.kafka.common.metrics.JmxReporter',
    'LOW',
    'A list of classes to use as metrics reporters. Implementing the <code>org.apache.kafka.common.metrics.MetricsReporter</code> interface allows plugging in classes that will be notified of new metric creation.',
  )
  .define(
    'header.converter',
    'CLASS',
    'org.apache.kafka.connect.storage.SimpleHeaderConverter',
    'LOW',
    HEADER_CONVERTER_CLASS_DOC,
  )
  .define('config.providers', 'LIST', [], 'LOW', CONFIG_PROVIDERS_DOC)
  .define(
    'connector.client.config.override.policy',
    'STRING',
    'All',
    'MEDIUM',
    CONNECTOR_CLIENT_POLICY_CLASS_DOC,
  )
  .define('topic.creation.enable', 'BOOLEAN', true, 'LOW', TOPIC_CREATION_ENABLE_DOC)
  .define(
    'topic.tracking.enable',
    'BOOLEAN',
    true,
    'LOW',
    'Enable tracking the set of active topics per connector during runtime.',
  )
  .define(
    'topic.tracking.allow.reset',
    'BOOLEAN',
    true,
    'LOW',
    'If set to true, it allows user requests to reset the set of active topics per connector.',
  )
  .define('listeners', 'LIST', ['http://:8083'], LISTENERS_VALIDATOR, 'LOW', LISTENERS_DOC)
  .define(
    'rest.advertised.host.name',
    'STRING',
    null,
    'LOW',
    'If this is set, this is the hostname that will be given out to other workers to connect to.',
  )
  .define(
    'rest.advertised.port',
    'INT',
    null,
    'LOW',
    'If this is set, this is the port that will be given out to other workers to connect to.',
  )
  .define(
    'rest.advertised.listener',
    'STRING',
    null,
    'LOW',
    'Sets the advertised listener (HTTP or HTTPS) which will be given to other workers to use.',
  )
  .define('access.control.allow.origin', 'STRING', '', 'LOW', ACCESS_CONTROL_ALLOW_ORIGIN_DOC)
  .define('access.control.allow.methods', 'STRING', '', 'LOW', ACCESS_CONTROL_ALLOW_METHODS_DOC)
  .define(
    'response.http.headers.config',
    'STRING',
    '',
    RESPONSE_HTTP_HEADERS_VALIDATOR,
    'LOW',
    'Rules for REST API HTTP response headers',
  )
  .define('rest.extension.classes', 'LIST', '', 'LOW', REST_EXTENSION_CLASSES_DOC)
  .define('admin.listeners', 'LIST', null, ADMIN_LISTENERS_VALIDATOR, 'LOW', ADMIN_LISTENERS_DOC)
  .define({
    name: 'offset.storage.file.filename',
    type: 'STRING',
    defaultValue: null,
    importance: 'HIGH',
    documentation: OFFSET_STORAGE_FILE_FILENAME_DOC,
    alternativeString: 'required with bootstrap.servers; else <embedded.log.dir>/connect.offsets',
  })
  .define(
    EMBEDDED_LOG_DIR_CONFIG,
    'STRING',
    EMBEDDED_LOG_DIR_DEFAULT,
    new NonEmptyString(),
    'MEDIUM',
    EMBEDDED_LOG_DIR_DOC,
  )
  .define(
    'log.format',
    'STRING',
    'text',
    CaseInsensitiveValidString.in('text', 'json'),
    'LOW',
    "How the worker writes its log lines: <code>text</code> (Kafka Connect's layout, " +
      '<code>[time] LEVEL [connector|task-0] message (logger)</code>) or <code>json</code> (one JSON ' +
      'object per line). The environment variable <code>SLUICE_LOG_FORMAT</code> overrides it. Sluice only.',
  );
// Sluice's REST security keys (rest.auth.*, rest.mask.passwords) and metrics.enable.
defineRestSecurityKeys(WORKER_CONFIG_DEF);

/** One REST listener, from `listeners` or `admin.listeners`. */
export interface Listener {
  /** Lower-cased. */
  protocol: 'http' | 'https';
  /** Without IPv6 brackets; `""` binds the default interface. */
  host: string;
  /** 0 for an ephemeral port. */
  port: number;
}

/** Kafka's `RestServer.LISTENER_PATTERN` (matched against the whole listener). */
const LISTENER_PATTERN = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/;

/**
 * Parses one listener URL as Kafka's `RestServer.createConnector` does: `protocol://host:port`, with
 * `http` or `https` in any case, an empty host allowed, an IPv6 host in brackets.
 * @throws ConfigError naming the listener and `key`
 */
export function parseListener(listener: string, key = 'listeners'): Listener {
  const fail = (reason: string): ConfigError =>
    new ConfigError(`Invalid listener '${listener}' in ${key}: ${reason}`, { key, value: listener });
  const m = LISTENER_PATTERN.exec(listener);
  if (m === null) throw fail("Listener doesn't have the right format (protocol://hostname:port).");
  const protocol = m[1]!.toLowerCase();
  if (protocol !== 'http' && protocol !== 'https') {
    throw fail('Listener protocol must be either "http" or "https".');
  }
  const port = Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw fail('the port must be between 0 and 65535.');
  }
  return { protocol, host: m[2]!, port };
}

/** Options for {@link WorkerConfig.workerId} and {@link WorkerConfig.advertisedUrl}. */
export interface AdvertisedAddressOptions {
  /**
   * The host to use when neither `rest.advertised.host.name` nor the listener names one. Default: the
   * machine's host name (`os.hostname()`). Kafka uses the local host's IP address here
   * (`InetAddress.getLocalHost().getHostAddress()`); pass it to match Kafka exactly.
   */
  localHost?: string;
  /** The port the server actually bound, used when the listener's port is 0. */
  boundPort?: number;
}

function numberOf(value: number | bigint | null): number {
  return value === null ? 0 : Number(value);
}

/**
 * A parsed, validated standalone worker configuration.
 *
 * ```ts
 * const config = new WorkerConfig(await loadPropertiesFile('worker.properties'));
 * config.usesEmbeddedLog(); // true when bootstrap.servers is not set
 * config.workerId();        // e.g. 'myhost:8083'
 * ```
 */
export class WorkerConfig extends AbstractConfig {
  /**
   * @param props the worker properties
   * @throws ConfigError for an invalid value, a missing required key (`key.converter`,
   *   `value.converter`; `offset.storage.file.filename` when `bootstrap.servers` is set) or a
   *   malformed listener
   * @param definition the keys to parse with (a subclass such as `DistributedConfig` passes its own,
   *   extending {@link WORKER_CONFIG_DEF})
   */
  constructor(props: Readonly<Record<string, string>>, definition: ConfigDef = WORKER_CONFIG_DEF) {
    super(definition, props);
    this.listeners();
    this.adminListeners();
  }

  protected override postProcessParsedConfig(
    parsed: Readonly<Record<string, ParsedValue>>,
  ): Record<string, ParsedValue> {
    if (parsed['offset.storage.file.filename'] !== null) return {};
    if (parsed['bootstrap.servers'] !== null) {
      throw new ConfigError(
        'Missing required configuration "offset.storage.file.filename" which has no default value.',
        { key: 'offset.storage.file.filename' },
      );
    }
    const dir = parsed[EMBEDDED_LOG_DIR_CONFIG] as string;
    return { 'offset.storage.file.filename': join(dir, EMBEDDED_OFFSETS_FILE_NAME) };
  }

  /** True when `bootstrap.servers` is not set: the worker runs on the embedded log. */
  usesEmbeddedLog(): boolean {
    return this.getList('bootstrap.servers') === null;
  }

  /** `bootstrap.servers` joined with commas, or `null` on the embedded log. */
  bootstrapServers(): string | null {
    return this.getList('bootstrap.servers')?.join(',') ?? null;
  }

  /** The embedded log's directory (meaningful when {@link usesEmbeddedLog}). */
  embeddedLogDir(): string {
    return this.getString(EMBEDDED_LOG_DIR_CONFIG)!;
  }

  /** The source offsets file (`offset.storage.file.filename`, or its embedded-log default). */
  offsetStorageFileName(): string {
    return this.getString('offset.storage.file.filename')!;
  }

  /** `offset.flush.interval.ms`. */
  offsetCommitIntervalMs(): number {
    return numberOf(this.getLong('offset.flush.interval.ms'));
  }

  /** `offset.flush.timeout.ms`. */
  offsetCommitTimeoutMs(): number {
    return numberOf(this.getLong('offset.flush.timeout.ms'));
  }

  /** `task.shutdown.graceful.timeout.ms`. */
  taskShutdownGracefulTimeoutMs(): number {
    return numberOf(this.getLong('task.shutdown.graceful.timeout.ms'));
  }

  /**
   * The REST listeners, parsed.
   * @throws ConfigError for a malformed one
   */
  listeners(): Listener[] {
    return (this.getList('listeners') ?? []).map((l) => parseListener(l, 'listeners'));
  }

  /**
   * The admin listeners: `null` when not set (admin endpoints on the regular listeners), `[]` when
   * set empty (admin endpoints disabled), else the parsed listeners.
   */
  adminListeners(): Listener[] | null {
    const list = this.getList('admin.listeners');
    return list === null ? null : list.map((l) => parseListener(l, 'admin.listeners'));
  }

  /**
   * The advertised protocol, as Kafka's `RestServer.determineAdvertisedProtocol`:
   * `rest.advertised.listener` lower-cased, else `http` if any listener is `http://`, else `https`
   * if any is `https://`, else `http`.
   */
  advertisedProtocol(): string {
    const advertised = this.getString('rest.advertised.listener');
    if (advertised !== null) return advertised.toLowerCase();
    const raw = (this.getList('listeners') ?? []).join(',').toLowerCase();
    if (raw.includes('http://')) return 'http';
    if (raw.includes('https://')) return 'https';
    return 'http';
  }

  #advertisedHostAndPort(options: AdvertisedAddressOptions): { host: string; port: number } {
    const listeners = this.listeners();
    const protocol = this.advertisedProtocol();
    // Kafka starts from the server's URI (its first listener) and overrides it with the listener of the
    // advertised protocol, then with rest.advertised.host.name / rest.advertised.port.
    const first = listeners[0];
    const matching = listeners.find((l) => l.protocol === protocol);
    const advertisedHost = this.getString('rest.advertised.host.name');
    let host: string;
    if (advertisedHost !== null && advertisedHost !== '') host = advertisedHost;
    else if (matching !== undefined && matching.host !== '') host = matching.host;
    else if (matching === undefined && first !== undefined && first.host !== '') host = first.host;
    else host = options.localHost ?? hostname();
    let port: number;
    const advertisedPort = this.getInt('rest.advertised.port');
    if (advertisedPort !== null) port = advertisedPort;
    else if (matching !== undefined && matching.port > 0) port = matching.port;
    else if (options.boundPort !== undefined) port = options.boundPort;
    else port = (matching ?? first)?.port ?? 0;
    return { host: host.includes(':') && !host.startsWith('[') ? `[${host}]` : host, port };
  }

  /**
   * The worker id, `<advertised host>:<advertised port>` as Kafka derives it from the REST server's
   * advertised URL. Host: `rest.advertised.host.name`, else the host of the listener of the advertised
   * protocol, else `options.localHost`, else the machine's host name. Port: `rest.advertised.port`,
   * else that listener's port, else `options.boundPort`. IPv6 hosts are bracketed.
   */
  workerId(options: AdvertisedAddressOptions = {}): string {
    const { host, port } = this.#advertisedHostAndPort(options);
    return `${host}:${port}`;
  }

  /** The advertised REST URL, `<protocol>://<host>:<port>/`; see {@link workerId}. */
  advertisedUrl(options: AdvertisedAddressOptions = {}): string {
    const { host, port } = this.#advertisedHostAndPort(options);
    return `${this.advertisedProtocol()}://${host}:${port}/`;
  }

  /**
   * The worker-level client overrides for task clients: every `producer.*`, `consumer.*` or `admin.*`
   * worker property, with the prefix removed (e.g. `producer.linger.ms=5` ⇒ `{ 'linger.ms': '5' }`).
   */
  clientConfigs(prefix: 'producer.' | 'consumer.' | 'admin.'): Record<string, string> {
    const entries = Object.entries(this.originalsWithPrefix(prefix)).map(([k, v]): [string, string] => [
      k,
      String(v),
    ]);
    return Object.fromEntries(entries);
  }
}
