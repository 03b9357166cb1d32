/**
 * The configuration of Debezium's PostgreSQL connector (`PostgresConnectorConfig`): one
 * {@link ConfigDef} with Debezium's key names and defaults, and {@link PostgresConnectorConfig},
 * the parsed and cross-checked form the connector and task work from.
 *
 * Deliberate differences from Debezium: `plugin.name` defaults to `pgoutput` (Debezium's default
 * is still `decoderbufs`, a server extension Sluice does not speak; asking for it is refused with
 * a clear message). The definition holds every key of Debezium 3.6.1's ConfigDef, in its order and
 * groups (generated from Debezium's own validate answer: `debezium-config-def.ts`); the keys Sluice
 * does not implement keep Debezium's definition and are accepted without effect
 * (docs/connectors/postgres.md lists them).
 */

import {
  AbstractConfig,
  ConfigDef,
  ConfigError,
  type ConfigKey,
  type ConfigValue,
  LambdaValidator,
  NonEmptyString,
  type Password,
  Range,
} from '@sluice/api';
import { DEBEZIUM_CONFIG_KEYS } from './debezium-config-def.ts';

export const HOSTNAME = 'database.hostname';
export const PORT = 'database.port';
export const USER = 'database.user';
export const PASSWORD = 'database.password';
export const DATABASE_NAME = 'database.dbname';
export const SSL_MODE = 'database.sslmode';
export const TOPIC_PREFIX = 'topic.prefix';
export const PLUGIN_NAME = 'plugin.name';
export const SLOT_NAME = 'slot.name';
export const DROP_SLOT_ON_STOP = 'slot.drop.on.stop';
export const SLOT_MAX_RETRIES = 'slot.max.retries';
export const SLOT_RETRY_DELAY_MS = 'slot.retry.delay.ms';
export const PUBLICATION_NAME = 'publication.name';
export const PUBLICATION_AUTOCREATE_MODE = 'publication.autocreate.mode';
export const SCHEMA_INCLUDE_LIST = 'schema.include.list';
export const SCHEMA_EXCLUDE_LIST = 'schema.exclude.list';
export const TABLE_INCLUDE_LIST = 'table.include.list';
export const TABLE_EXCLUDE_LIST = 'table.exclude.list';
export const COLUMN_INCLUDE_LIST = 'column.include.list';
export const COLUMN_EXCLUDE_LIST = 'column.exclude.list';
export const MSG_KEY_COLUMNS = 'message.key.columns';
export const SNAPSHOT_MODE = 'snapshot.mode';
export const SNAPSHOT_FETCH_SIZE = 'snapshot.fetch.size';
export const TOMBSTONES_ON_DELETE = 'tombstones.on.delete';
export const SKIPPED_OPERATIONS = 'skipped.operations';
export const HEARTBEAT_INTERVAL_MS = 'heartbeat.interval.ms';
export const HEARTBEAT_ACTION_QUERY = 'heartbeat.action.query';
export const HEARTBEAT_TOPICS_PREFIX = 'topic.heartbeat.prefix';
export const DECIMAL_HANDLING_MODE = 'decimal.handling.mode';
export const TIME_PRECISION_MODE = 'time.precision.mode';
export const BINARY_HANDLING_MODE = 'binary.handling.mode';
export const PROVIDE_TRANSACTION_METADATA = 'provide.transaction.metadata';
export const MAX_BATCH_SIZE = 'max.batch.size';
export const MAX_QUEUE_SIZE = 'max.queue.size';
export const POLL_INTERVAL_MS = 'poll.interval.ms';
export const STATUS_UPDATE_INTERVAL_MS = 'status.update.interval.ms';
export const RETRIABLE_RESTART_WAIT_MS = 'retriable.restart.connector.wait.ms';
export const ERRORS_MAX_RETRIES = 'errors.max.retries';
export const HSTORE_HANDLING_MODE = 'hstore.handling.mode';
export const INTERVAL_HANDLING_MODE = 'interval.handling.mode';
export const INCLUDE_UNKNOWN_DATATYPES = 'include.unknown.datatypes';
/** Defined from Debezium's ConfigDef (debezium-config-def.ts); Sluice reads it. */
export const UNAVAILABLE_VALUE_PLACEHOLDER = 'unavailable.value.placeholder';
/** Defined from Debezium's ConfigDef (debezium-config-def.ts); Sluice reads it. */
export const INCLUDE_SCHEMA_COMMENTS = 'include.schema.comments';
/** Defined from Debezium's ConfigDef (debezium-config-def.ts); Sluice reads it. */
export const EXTENDED_HEADERS_ENABLED = 'extended.headers.enabled';

export const SNAPSHOT_MODES = [
  'initial',
  'always',
  'initial_only',
  'no_data',
  'never',
  'when_needed',
] as const;
export type SnapshotMode = 'initial' | 'always' | 'initial_only' | 'no_data' | 'when_needed';
export const PUBLICATION_AUTOCREATE_MODES = ['all_tables', 'disabled', 'filtered', 'no_tables'] as const;
export type PublicationAutocreateMode = (typeof PUBLICATION_AUTOCREATE_MODES)[number];
export const DECIMAL_HANDLING_MODES = ['precise', 'double', 'string'] as const;
export type DecimalHandlingMode = (typeof DECIMAL_HANDLING_MODES)[number];
/** Debezium 3.6.1's modes (its validate answer recommends these six). */
export const TIME_PRECISION_MODES = [
  'adaptive',
  'adaptive_time_microseconds',
  'connect',
  'isostring',
  'microseconds',
  'nanoseconds',
] as const;
export type TimePrecisionMode = (typeof TIME_PRECISION_MODES)[number];
export const BINARY_HANDLING_MODES = ['bytes', 'base64', 'base64-url-safe', 'hex'] as const;
export const HSTORE_HANDLING_MODES = ['json', 'map'] as const;
export type HstoreHandlingMode = (typeof HSTORE_HANDLING_MODES)[number];
export const INTERVAL_HANDLING_MODES = ['numeric', 'string'] as const;
export type IntervalHandlingMode = (typeof INTERVAL_HANDLING_MODES)[number];
export type BinaryHandlingMode = (typeof BINARY_HANDLING_MODES)[number];
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];
/** Debezium's operation codes for `skipped.operations`. */
export type Operation = 'c' | 'u' | 'd' | 't';

const SLOT_NAME_PATTERN = /^[a-z0-9_]{1,63}$/;

function lowerCaseOneOf(values: readonly string[]): LambdaValidator {
  return LambdaValidator.with(
    (name, value) => {
      if (value === null) return;
      if (typeof value !== 'string' || !values.includes(value.trim().toLowerCase())) {
        throw ConfigError.invalidValue(name, value, `must be one of ${values.join(', ')}`);
      }
    },
    () => `[${values.join(', ')}]`,
  );
}

const pluginNameValidator = LambdaValidator.with(
  (name, value) => {
    const v = typeof value === 'string' ? value.trim().toLowerCase() : value;
    if (v === 'decoderbufs') {
      throw ConfigError.invalidValue(
        name,
        value,
        "the decoderbufs plugin is not supported by Sluice (it needs a server extension); use 'pgoutput', which is built into PostgreSQL 10 and later",
      );
    }
    if (v !== 'pgoutput') throw ConfigError.invalidValue(name, value, "must be 'pgoutput'");
  },
  () => '[pgoutput]',
);

const slotNameValidator = LambdaValidator.with(
  (name, value) => {
    if (typeof value !== 'string' || !SLOT_NAME_PATTERN.test(value)) {
      throw ConfigError.invalidValue(
        name,
        value,
        'Valid replication slot name must contain only digits, lowercase characters and underscores with length <= 63',
      );
    }
  },
  () => '[a-z0-9_]{1,63}',
);

const regexListValidator = LambdaValidator.with(
  (name, value) => {
    if (value === null) return;
    for (const pattern of value as readonly string[]) {
      try {
        new RegExp(pattern);
      } catch (err) {
        throw ConfigError.invalidValue(
          name,
          value,
          `'${pattern}' is not a valid regular expression: ${(err as Error).message}`,
        );
      }
    }
  },
  () => 'comma-separated list of regular expressions',
);

const skippedOperationsValidator = LambdaValidator.with(
  (name, value) => {
    if (value === null) return;
    for (const op of value as readonly string[]) {
      const o = op.trim().toLowerCase();
      if (o === 'none' || o === 'c' || o === 'u' || o === 'd' || o === 't') continue;
      throw ConfigError.invalidValue(name, value, `'${op}' is not an operation; use c, u, d, t or none`);
    }
  },
  () => '[c, u, d, t, none]',
);

const keyColumnsValidator = LambdaValidator.with(
  (name, value) => {
    if (value === null || value === '') return;
    try {
      parseMessageKeyColumns(value as string);
    } catch (err) {
      throw ConfigError.invalidValue(name, value, (err as Error).message);
    }
  },
  () => '<fully-qualified table regex>:<column>,<column>;...',
);

/** The keys Sluice implements, with Debezium's defaults (except `plugin.name`, see the module comment). */
const SLUICE_KEYS: ConfigDef = new ConfigDef()
  .define({
    name: TOPIC_PREFIX,
    type: 'STRING',
    // Not required in the ConfigDef, as in Debezium: a missing value is reported by REQUIRED_KEYS.
    defaultValue: null,
    validator: new NonEmptyString(),
    importance: 'HIGH',
    group: 'Connector',
    documentation:
      'Topic prefix that identifies and provides a namespace for the particular database server/cluster is capturing changes. It is used as a prefix for all topic names and as the source partition.',
  })
  .define({
    name: HOSTNAME,
    type: 'STRING',
    // Not required in the ConfigDef, as in Debezium: a missing value is reported by REQUIRED_KEYS.
    defaultValue: null,
    validator: new NonEmptyString(),
    importance: 'HIGH',
    group: 'Connection',
    documentation: 'Resolvable hostname or IP address of the database server.',
  })
  .define({
    name: PORT,
    type: 'INT',
    defaultValue: 5432,
    validator: Range.between(1, 65535),
    importance: 'HIGH',
    group: 'Connection',
    documentation: 'Port of the database server.',
  })
  .define({
    name: USER,
    type: 'STRING',
    // Not required in the ConfigDef, as in Debezium: a missing value is reported by REQUIRED_KEYS.
    defaultValue: null,
    validator: new NonEmptyString(),
    importance: 'HIGH',
    group: 'Connection',
    documentation: 'Name of the database user to be used when connecting to the database.',
  })
  .define({
    name: PASSWORD,
    type: 'PASSWORD',
    defaultValue: null,
    importance: 'HIGH',
    group: 'Connection',
    documentation: 'Password of the database user to be used when connecting to the database.',
  })
  .define({
    name: DATABASE_NAME,
    type: 'STRING',
    // Not required in the ConfigDef, as in Debezium: a missing value is reported by REQUIRED_KEYS.
    defaultValue: null,
    validator: new NonEmptyString(),
    importance: 'HIGH',
    group: 'Connection',
    documentation: 'The name of the database from which the connector should capture changes',
  })
  .define({
    name: SSL_MODE,
    type: 'STRING',
    defaultValue: 'prefer',
    validator: lowerCaseOneOf(SSL_MODES),
    importance: 'MEDIUM',
    group: 'Connection',
    documentation:
      "Whether to use an encrypted connection to Postgres: 'disable', 'allow', 'prefer' (default: encrypted when the server offers it), 'require', 'verify-ca', 'verify-full'.",
  })
  .define({
    name: PLUGIN_NAME,
    type: 'STRING',
    defaultValue: 'pgoutput',
    validator: pluginNameValidator,
    importance: 'MEDIUM',
    group: 'Replication',
    documentation:
      "The name of the Postgres logical decoding plugin installed on the server. Sluice supports 'pgoutput' (Debezium's default, 'decoderbufs', is refused).",
  })
  .define({
    name: SLOT_NAME,
    type: 'STRING',
    defaultValue: 'debezium',
    validator: slotNameValidator,
    importance: 'MEDIUM',
    group: 'Replication',
    documentation:
      'The name of the Postgres logical decoding slot created for streaming changes from a plugin. Defaults to "debezium".',
  })
  .define({
    name: DROP_SLOT_ON_STOP,
    type: 'BOOLEAN',
    defaultValue: false,
    importance: 'MEDIUM',
    group: 'Replication',
    documentation:
      'Whether or not to drop the logical replication slot when the connector finishes orderly. By default the replication is kept so that on restart progress can resume from the last recorded location',
  })
  .define({
    name: SLOT_MAX_RETRIES,
    type: 'INT',
    defaultValue: 6,
    validator: Range.atLeast(1),
    importance: 'LOW',
    group: 'Replication',
    documentation: 'How many times to retry connecting to a replication slot when an attempt fails.',
  })
  .define({
    name: SLOT_RETRY_DELAY_MS,
    type: 'LONG',
    defaultValue: 10_000,
    validator: Range.atLeast(0),
    importance: 'LOW',
    group: 'Replication',
    documentation:
      'Time to wait between retry attempts when the connector fails to connect to a replication slot, in milliseconds. Defaults to 10 seconds (10,000 ms).',
  })
  .define({
    name: PUBLICATION_NAME,
    type: 'STRING',
    defaultValue: 'dbz_publication',
    validator: new NonEmptyString(),
    importance: 'MEDIUM',
    group: 'Replication',
    documentation:
      'The name of the Postgres 10+ publication used for streaming changes from a plugin. Defaults to "dbz_publication"',
  })
  .define({
    name: PUBLICATION_AUTOCREATE_MODE,
    type: 'STRING',
    defaultValue: 'all_tables',
    validator: lowerCaseOneOf(PUBLICATION_AUTOCREATE_MODES),
    importance: 'LOW',
    group: 'Replication',
    documentation:
      "Applies only when streaming changes using pgoutput. Determines how creation of a publication should work: 'all_tables' (default) creates a publication for all tables; 'disabled' requires the publication to exist; 'filtered' creates (or alters) it for the tables matching the filters; 'no_tables' creates a publication without tables.",
  })
  .define({
    name: SCHEMA_INCLUDE_LIST,
    type: 'LIST',
    defaultValue: null,
    validator: regexListValidator,
    importance: 'HIGH',
    group: 'Filters',
    documentation:
      'The schemas for which events should be captured (regular expressions matching whole schema names).',
  })
  .define({
    name: SCHEMA_EXCLUDE_LIST,
    type: 'LIST',
    defaultValue: null,
    validator: regexListValidator,
    importance: 'MEDIUM',
    group: 'Filters',
    documentation:
      'The schemas for which events must not be captured (regular expressions matching whole schema names).',
  })
  .define({
    name: TABLE_INCLUDE_LIST,
    type: 'LIST',
    defaultValue: null,
    validator: regexListValidator,
    importance: 'HIGH',
    group: 'Filters',
    documentation:
      'The tables for which changes are to be captured (regular expressions matching <schema>.<table>).',
  })
  .define({
    name: TABLE_EXCLUDE_LIST,
    type: 'LIST',
    defaultValue: null,
    validator: regexListValidator,
    importance: 'MEDIUM',
    group: 'Filters',
    documentation:
      'The tables for which changes are not to be captured (regular expressions matching <schema>.<table>).',
  })
  .define({
    name: COLUMN_INCLUDE_LIST,
    type: 'LIST',
    defaultValue: null,
    validator: regexListValidator,
    importance: 'MEDIUM',
    group: 'Filters',
    documentation:
      'Regular expressions matching <schema>.<table>.<column> of the columns to include in change events.',
  })
  .define({
    name: COLUMN_EXCLUDE_LIST,
    type: 'LIST',
    defaultValue: null,
    validator: regexListValidator,
    importance: 'MEDIUM',
    group: 'Filters',
    documentation:
      'Regular expressions matching <schema>.<table>.<column> of the columns to exclude from change events.',
  })
  .define({
    name: MSG_KEY_COLUMNS,
    type: 'STRING',
    defaultValue: null,
    validator: keyColumnsValidator,
    importance: 'MEDIUM',
    group: 'Connector',
    documentation:
      "A semicolon-separated list of expressions that match fully-qualified tables and column(s) to be used as message key. Each expression must match the pattern '<fully-qualified table name>:<key columns>'.",
  })
  .define({
    name: SNAPSHOT_MODE,
    type: 'STRING',
    defaultValue: 'initial',
    validator: lowerCaseOneOf(SNAPSHOT_MODES),
    importance: 'LOW',
    group: 'Snapshot',
    documentation:
      "The criteria for running a snapshot upon startup of the connector: 'initial' (default) when no offset exists, 'always', 'initial_only' (then stop streaming), 'no_data' (formerly 'never'), 'when_needed'.",
  })
  .define({
    name: SNAPSHOT_FETCH_SIZE,
    type: 'INT',
    // Debezium's default is unset, which means 10240 rows.
    defaultValue: null,
    validator: LambdaValidator.with(
      (name, value) => {
        if (value !== null && (typeof value !== 'number' || value < 1))
          throw ConfigError.invalidValue(name, value, 'Value must be at least 1');
      },
      () => '[1,...]',
    ),
    importance: 'MEDIUM',
    group: 'Snapshot',
    documentation:
      'The maximum number of records that should be loaded into memory while performing a snapshot.',
  })
  .define({
    name: TOMBSTONES_ON_DELETE,
    type: 'BOOLEAN',
    defaultValue: true,
    importance: 'MEDIUM',
    group: 'Connector',
    documentation:
      'Whether delete operations should be represented by a delete event and a subsequent tombstone event (true) or only by a delete event (false).',
  })
  .define({
    name: SKIPPED_OPERATIONS,
    type: 'LIST',
    defaultValue: 't',
    validator: skippedOperationsValidator,
    importance: 'LOW',
    group: 'Advanced',
    documentation:
      "The comma-separated list of operations to skip during streaming: 'c' for inserts/create; 'u' for updates; 'd' for deletes, 't' for truncates, and 'none' to skip nothing. By default, only truncate operations will be skipped.",
  })
  .define({
    name: HEARTBEAT_INTERVAL_MS,
    type: 'INT',
    defaultValue: 0,
    validator: Range.atLeast(0),
    importance: 'MEDIUM',
    group: 'Heartbeat',
    documentation:
      'Length of an interval in milli-seconds in in which the connector periodically sends heartbeat messages to a heartbeat topic. Use 0 to disable heartbeat messages. Disabled by default.',
  })
  .define({
    name: HEARTBEAT_TOPICS_PREFIX,
    type: 'STRING',
    defaultValue: '__debezium-heartbeat',
    importance: 'LOW',
    group: 'Heartbeat',
    documentation: 'The prefix that is used to name heartbeat topics.',
  })
  .define({
    name: HEARTBEAT_ACTION_QUERY,
    type: 'STRING',
    defaultValue: null,
    importance: 'LOW',
    group: 'Heartbeat',
    documentation:
      'The query executed with every heartbeat, e.g. an insert into a heartbeat table, so the slot advances even when captured tables do not change.',
  })
  .define({
    name: DECIMAL_HANDLING_MODE,
    type: 'STRING',
    defaultValue: 'precise',
    validator: lowerCaseOneOf(DECIMAL_HANDLING_MODES),
    importance: 'MEDIUM',
    group: 'Connector',
    documentation:
      "Specify how DECIMAL and NUMERIC columns should be represented in change events, including: 'precise' (the default) uses java.math.BigDecimal to represent values, which are encoded in the change events using a binary representation and Kafka Connect's 'org.apache.kafka.connect.data.Decimal' type; 'string' uses string to represent values; 'double' represents values using Java's 'double', which may not offer the precision but will be far easier to use in consumers.",
  })
  .define({
    name: TIME_PRECISION_MODE,
    type: 'STRING',
    defaultValue: 'adaptive',
    validator: lowerCaseOneOf(TIME_PRECISION_MODES),
    importance: 'MEDIUM',
    group: 'Connector',
    documentation:
      "Time, date, and timestamps can be represented with different kinds of precisions, including: 'adaptive' (the default) bases the precision of time, date, and timestamp values on the database column's precision; 'adaptive_time_microseconds' like 'adaptive' mode, but TIME fields always use microseconds precision; 'connect' always represents time, date, and timestamp values using Kafka Connect's built-in representations for Time, Date, and Timestamp, which uses millisecond precision regardless of the database columns' precision; 'isostring' represents time, date, and timestamp values as ISO-8601 formatted strings at the UTC time zone; 'microseconds' always represents time, date, and timestamp values using microsecond precision; 'nanoseconds' always represents time, date, and timestamp values using nanosecond precision.",
  })
  .define({
    name: BINARY_HANDLING_MODE,
    type: 'STRING',
    defaultValue: 'bytes',
    validator: lowerCaseOneOf(BINARY_HANDLING_MODES),
    importance: 'LOW',
    group: 'Connector',
    documentation:
      "Specify how binary (blob, binary, etc.) columns should be represented in change events, including: 'bytes' represents binary data as byte array (default); 'base64' represents binary data as base64-encoded string; 'base64-url-safe' represents binary data as base64-url-safe-encoded string; 'hex' represents binary data as hex-encoded (base16) string",
  })
  .define({
    name: HSTORE_HANDLING_MODE,
    type: 'STRING',
    defaultValue: 'json',
    validator: lowerCaseOneOf(HSTORE_HANDLING_MODES),
    importance: 'LOW',
    group: 'Connector',
    documentation:
      "Specify how HSTORE columns should be represented in change events, including: 'json' represents values as string-ified JSON (default); 'map' represents values as a key/value map",
  })
  .define({
    name: INTERVAL_HANDLING_MODE,
    type: 'STRING',
    defaultValue: 'numeric',
    validator: lowerCaseOneOf(INTERVAL_HANDLING_MODES),
    importance: 'LOW',
    group: 'Connector',
    documentation:
      "Specify how INTERVAL columns should be represented in change events, including: 'string' represents values as an exact ISO formatted string; 'numeric' (default) represents values using the inexact conversion into microseconds",
  })
  .define({
    name: INCLUDE_UNKNOWN_DATATYPES,
    type: 'BOOLEAN',
    defaultValue: false,
    importance: 'LOW',
    group: 'Connector',
    documentation:
      "Specify whether the fields of data type not supported by Debezium should be processed: 'false' (the default) omits the fields; 'true' converts the field into an implementation dependent binary representation.",
  })
  .define({
    name: PROVIDE_TRANSACTION_METADATA,
    type: 'BOOLEAN',
    defaultValue: false,
    importance: 'LOW',
    group: 'Connector',
    documentation:
      'Enables transaction metadata extraction together with event counting (BEGIN/END events on <topic.prefix>.transaction and the transaction block in each change event).',
  })
  .define({
    name: MAX_BATCH_SIZE,
    type: 'INT',
    defaultValue: 2048,
    validator: Range.atLeast(1),
    importance: 'MEDIUM',
    group: 'Advanced',
    documentation: 'Maximum size of each batch of source records. Defaults to 2048.',
  })
  .define({
    name: MAX_QUEUE_SIZE,
    type: 'INT',
    defaultValue: 8192,
    validator: Range.atLeast(1),
    importance: 'MEDIUM',
    group: 'Advanced',
    documentation:
      'Maximum size of the queue for change events read from the database log but not yet recorded or forwarded. Defaults to 8192, and should always be larger than the maximum batch size.',
  })
  .define({
    name: POLL_INTERVAL_MS,
    type: 'LONG',
    defaultValue: 500,
    validator: Range.between(1, 5000),
    importance: 'MEDIUM',
    group: 'Advanced',
    documentation:
      'Time to wait for new change events to appear after receiving no events, given in milliseconds. Defaults to 500 ms.',
  })
  .define({
    name: STATUS_UPDATE_INTERVAL_MS,
    type: 'INT',
    defaultValue: 10_000,
    validator: Range.atLeast(1),
    importance: 'MEDIUM',
    group: 'Replication',
    documentation:
      'Frequency for sending replication connection status updates to the server, given in milliseconds. Defaults to 10 seconds (10,000 ms).',
  })
  .define({
    name: RETRIABLE_RESTART_WAIT_MS,
    type: 'LONG',
    defaultValue: 10_000,
    validator: Range.atLeast(1),
    importance: 'LOW',
    group: 'Advanced',
    documentation:
      'Time to wait before restarting connector after retriable exception occurs. Defaults to 10000ms. In Sluice: the wait before each attempt to reconnect after the connection to PostgreSQL was lost while streaming.',
  })
  .define({
    name: ERRORS_MAX_RETRIES,
    type: 'INT',
    defaultValue: -1,
    validator: Range.atLeast(-1),
    importance: 'LOW',
    group: 'Advanced',
    documentation:
      'The maximum number of retries on connection errors before failing (-1 = no limit, 0 = disabled, > 0 = num of retries). In Sluice: the reconnect attempts after one loss of the connection while streaming; the count starts again after a successful reconnect.',
  });

function keyOptions(key: ConfigKey) {
  return {
    name: key.name,
    type: key.type,
    defaultValue: key.defaultValue,
    validator: key.validator,
    importance: key.importance,
    documentation: key.documentation,
    group: key.group,
    orderInGroup: key.orderInGroup,
    width: key.width,
    displayName: key.displayName,
    dependents: key.dependents,
    recommender: key.recommender,
    internalConfig: key.internalConfig,
    alternativeString: key.alternativeString,
  };
}

/**
 * The definition: Debezium's keys in Debezium's order and groups — Sluice's own definition of a
 * key where it has one (validator, documentation, default) placed as Debezium places it, Debezium's
 * definition for the others — then the keys only Sluice has.
 */
export const POSTGRES_CONFIG_DEF: ConfigDef = (() => {
  const own = SLUICE_KEYS.configKeys();
  const def = new ConfigDef();
  for (const d of DEBEZIUM_CONFIG_KEYS) {
    const mine = own.get(d.name);
    const placement = {
      group: d.group,
      orderInGroup: d.orderInGroup,
      width: d.width,
      displayName: d.displayName,
      importance: d.importance,
      dependents: d.dependents,
    };
    // Debezium's documentation, except where Sluice's says how Sluice differs.
    const documentation =
      mine !== undefined && /Sluice/.test(mine.documentation) ? mine.documentation : d.documentation;
    if (mine !== undefined) def.define({ ...keyOptions(mine), ...placement, documentation });
    else
      def.define({
        name: d.name,
        type: d.type,
        ...(d.required ? {} : { defaultValue: d.defaultValue }),
        documentation: d.documentation,
        ...placement,
      });
  }
  for (const key of own.values()) if (!def.names().has(key.name)) def.define(keyOptions(key));
  return def;
})();

/** Keys Debezium requires through its own field validation (its ConfigDef marks them optional). */
const REQUIRED_KEYS = [TOPIC_PREFIX, HOSTNAME, USER, DATABASE_NAME];

/** Debezium's message for a required key without a value. */
const requiredMessage = (key: string): string => `The '${key}' value is invalid: A value is required`;

/** One `message.key.columns` entry: tables whose `<schema>.<table>` matches use these key columns. */
export interface KeyColumnsOverride {
  table: RegExp;
  columns: string[];
}

/** Parses `message.key.columns` (`<fq-table-regex>:<col>,<col>;...`). @throws Error naming the bad part */
export function parseMessageKeyColumns(text: string): KeyColumnsOverride[] {
  const result: KeyColumnsOverride[] = [];
  for (const part of text.split(';')) {
    const entry = part.trim();
    if (entry === '') continue;
    const colon = entry.lastIndexOf(':');
    if (colon <= 0 || colon === entry.length - 1) {
      throw new Error(`'${entry}' must have the form <fully-qualified table>:<column>[,<column>...]`);
    }
    const tablePattern = entry.slice(0, colon).trim();
    const columns = entry
      .slice(colon + 1)
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c !== '');
    if (columns.length === 0) throw new Error(`'${entry}' names no key column`);
    result.push({ table: anchored(tablePattern), columns });
  }
  return result;
}

/** A regex that must match the whole identifier, as Debezium's filters do. */
export function anchored(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

function patterns(list: readonly string[] | null): RegExp[] | null {
  if (list === null) return null;
  const trimmed = list.map((p) => p.trim()).filter((p) => p !== '');
  return trimmed.length === 0 ? null : trimmed.map(anchored);
}

/** The parsed configuration; construction validates every key and the combinations between them. */
export class PostgresConnectorConfig extends AbstractConfig {
  readonly topicPrefix: string;
  readonly hostname: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | null;
  readonly databaseName: string;
  readonly sslMode: SslMode;
  readonly slotName: string;
  readonly dropSlotOnStop: boolean;
  readonly slotMaxRetries: number;
  readonly slotRetryDelayMs: number;
  readonly publicationName: string;
  readonly publicationAutocreateMode: PublicationAutocreateMode;
  readonly schemaInclude: RegExp[] | null;
  readonly schemaExclude: RegExp[] | null;
  readonly tableInclude: RegExp[] | null;
  readonly tableExclude: RegExp[] | null;
  readonly columnInclude: RegExp[] | null;
  readonly columnExclude: RegExp[] | null;
  readonly keyColumns: KeyColumnsOverride[];
  readonly snapshotMode: SnapshotMode;
  readonly snapshotFetchSize: number;
  readonly tombstonesOnDelete: boolean;
  readonly skippedOperations: ReadonlySet<Operation>;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTopic: string;
  readonly heartbeatActionQuery: string | null;
  readonly decimalHandlingMode: DecimalHandlingMode;
  readonly timePrecisionMode: TimePrecisionMode;
  readonly binaryHandlingMode: BinaryHandlingMode;
  readonly hstoreHandlingMode: HstoreHandlingMode;
  readonly intervalHandlingMode: IntervalHandlingMode;
  readonly includeUnknownDatatypes: boolean;
  /**
   * `unavailable.value.placeholder` as bytes (`hex:<digits>` decoded, otherwise UTF-8): what
   * stands for an unchanged TOASTed value; its text for text columns.
   */
  readonly unavailablePlaceholder: Buffer;
  /** `include.schema.comments`: column comments as the field schemas' `doc`. */
  readonly includeSchemaComments: boolean;
  readonly extendedHeadersEnabled: boolean;
  readonly provideTransactionMetadata: boolean;
  readonly maxBatchSize: number;
  readonly maxQueueSize: number;
  readonly pollIntervalMs: number;
  readonly statusUpdateIntervalMs: number;
  readonly retriableRestartWaitMs: number;
  /** -1 = no limit, 0 = fail on the first lost connection. */
  readonly errorsMaxRetries: number;

  /** @throws ConfigError naming the key and the reason */
  constructor(props: Readonly<Record<string, unknown>>) {
    super(POSTGRES_CONFIG_DEF, props);
    for (const key of REQUIRED_KEYS) {
      if (this.getString(key) === null) throw new ConfigError(requiredMessage(key), { key });
    }
    this.topicPrefix = this.getString(TOPIC_PREFIX)!;
    this.hostname = this.getString(HOSTNAME)!;
    this.port = this.getInt(PORT)!;
    this.user = this.getString(USER)!;
    this.password = (this.getPassword(PASSWORD) as Password | null)?.value() ?? null;
    this.databaseName = this.getString(DATABASE_NAME)!;
    this.sslMode = lower(this.getString(SSL_MODE)) as SslMode;
    this.slotName = this.getString(SLOT_NAME)!;
    this.dropSlotOnStop = this.getBoolean(DROP_SLOT_ON_STOP)!;
    this.slotMaxRetries = this.getInt(SLOT_MAX_RETRIES)!;
    this.slotRetryDelayMs = Number(this.getLong(SLOT_RETRY_DELAY_MS));
    this.publicationName = this.getString(PUBLICATION_NAME)!;
    this.publicationAutocreateMode = lower(
      this.getString(PUBLICATION_AUTOCREATE_MODE),
    ) as PublicationAutocreateMode;
    this.schemaInclude = patterns(this.getList(SCHEMA_INCLUDE_LIST));
    this.schemaExclude = patterns(this.getList(SCHEMA_EXCLUDE_LIST));
    this.tableInclude = patterns(this.getList(TABLE_INCLUDE_LIST));
    this.tableExclude = patterns(this.getList(TABLE_EXCLUDE_LIST));
    this.columnInclude = patterns(this.getList(COLUMN_INCLUDE_LIST));
    this.columnExclude = patterns(this.getList(COLUMN_EXCLUDE_LIST));
    const keyColumns = this.getString(MSG_KEY_COLUMNS);
    this.keyColumns = keyColumns === null ? [] : parseMessageKeyColumns(keyColumns);
    const mode = lower(this.getString(SNAPSHOT_MODE));
    this.snapshotMode = (mode === 'never' ? 'no_data' : mode) as SnapshotMode;
    this.snapshotFetchSize = this.getInt(SNAPSHOT_FETCH_SIZE) ?? 10_240;
    this.tombstonesOnDelete = this.getBoolean(TOMBSTONES_ON_DELETE)!;
    const skipped = new Set<Operation>();
    for (const op of this.getList(SKIPPED_OPERATIONS) ?? []) {
      const o = op.trim().toLowerCase();
      if (o === 'c' || o === 'u' || o === 'd' || o === 't') skipped.add(o);
    }
    this.skippedOperations = skipped;
    this.heartbeatIntervalMs = this.getInt(HEARTBEAT_INTERVAL_MS)!;
    this.heartbeatTopic = `${this.getString(HEARTBEAT_TOPICS_PREFIX)}.${this.topicPrefix}`;
    const action = this.getString(HEARTBEAT_ACTION_QUERY);
    this.heartbeatActionQuery = action === null || action.trim() === '' ? null : action;
    this.decimalHandlingMode = lower(this.getString(DECIMAL_HANDLING_MODE)) as DecimalHandlingMode;
    this.timePrecisionMode = lower(this.getString(TIME_PRECISION_MODE)) as TimePrecisionMode;
    this.binaryHandlingMode = lower(this.getString(BINARY_HANDLING_MODE)) as BinaryHandlingMode;
    this.hstoreHandlingMode = lower(this.getString(HSTORE_HANDLING_MODE)) as HstoreHandlingMode;
    this.intervalHandlingMode = lower(this.getString(INTERVAL_HANDLING_MODE)) as IntervalHandlingMode;
    this.includeUnknownDatatypes = this.getBoolean(INCLUDE_UNKNOWN_DATATYPES)!;
    this.includeSchemaComments = this.getBoolean(INCLUDE_SCHEMA_COMMENTS) ?? false;
    const placeholder = this.getString(UNAVAILABLE_VALUE_PLACEHOLDER) ?? '__debezium_unavailable_value';
    if (placeholder.startsWith('hex:')) {
      const digits = placeholder.slice(4);
      if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits))
        throw ConfigError.invalidValue(
          UNAVAILABLE_VALUE_PLACEHOLDER,
          placeholder,
          'after "hex:" the placeholder must be an even number of hexadecimal digits',
        );
      this.unavailablePlaceholder = Buffer.from(digits, 'hex');
    } else this.unavailablePlaceholder = Buffer.from(placeholder, 'utf8');
    this.extendedHeadersEnabled = this.getBoolean(EXTENDED_HEADERS_ENABLED) ?? true;
    this.provideTransactionMetadata = this.getBoolean(PROVIDE_TRANSACTION_METADATA)!;
    this.maxBatchSize = this.getInt(MAX_BATCH_SIZE)!;
    this.maxQueueSize = this.getInt(MAX_QUEUE_SIZE)!;
    this.pollIntervalMs = Number(this.getLong(POLL_INTERVAL_MS));
    this.statusUpdateIntervalMs = this.getInt(STATUS_UPDATE_INTERVAL_MS)!;
    this.retriableRestartWaitMs = Number(this.getLong(RETRIABLE_RESTART_WAIT_MS));
    this.errorsMaxRetries = this.getInt(ERRORS_MAX_RETRIES)!;
    const problems = crossChecks(this);
    const first = problems[0];
    if (first !== undefined) throw new ConfigError(first.message, { key: first.key });
  }
}

function lower(value: string | null): string {
  return (value ?? '').trim().toLowerCase();
}

/** Checks between keys (Debezium's `validate` rules); each problem names the key it belongs to. */
function crossChecks(config: {
  schemaInclude: RegExp[] | null;
  schemaExclude: RegExp[] | null;
  tableInclude: RegExp[] | null;
  tableExclude: RegExp[] | null;
  columnInclude: RegExp[] | null;
  columnExclude: RegExp[] | null;
  maxBatchSize: number;
  maxQueueSize: number;
}): Array<{ key: string; message: string }> {
  const problems: Array<{ key: string; message: string }> = [];
  const exclusive = (a: unknown, b: unknown, keyA: string, keyB: string): void => {
    if (a !== null && b !== null) {
      problems.push({
        key: keyB,
        message: `"${keyB}" is already specified (together with "${keyA}"); only one of them may be set`,
      });
    }
  };
  exclusive(config.schemaInclude, config.schemaExclude, SCHEMA_INCLUDE_LIST, SCHEMA_EXCLUDE_LIST);
  exclusive(config.tableInclude, config.tableExclude, TABLE_INCLUDE_LIST, TABLE_EXCLUDE_LIST);
  exclusive(config.columnInclude, config.columnExclude, COLUMN_INCLUDE_LIST, COLUMN_EXCLUDE_LIST);
  if (config.maxQueueSize <= config.maxBatchSize) {
    problems.push({
      key: MAX_QUEUE_SIZE,
      message: `Invalid value ${config.maxQueueSize} for configuration ${MAX_QUEUE_SIZE}: must be larger than the maximum batch size (${config.maxBatchSize})`,
    });
  }
  return problems;
}

/**
 * Adds the cross-key problems to the per-key validation results (for `validate`), so each message
 * lands on the key it belongs to. Keys that failed on their own are left alone.
 */
export function addCrossCheckErrors(values: Map<string, ConfigValue>): void {
  const get = (key: string): unknown => values.get(key)?.value ?? null;
  const regexes = (key: string): RegExp[] | null => {
    const v = get(key);
    return Array.isArray(v) && v.length > 0 ? [] : null;
  };
  const num = (key: string): number => (typeof get(key) === 'number' ? (get(key) as number) : Number.NaN);
  const problems = crossChecks({
    schemaInclude: regexes(SCHEMA_INCLUDE_LIST),
    schemaExclude: regexes(SCHEMA_EXCLUDE_LIST),
    tableInclude: regexes(TABLE_INCLUDE_LIST),
    tableExclude: regexes(TABLE_EXCLUDE_LIST),
    columnInclude: regexes(COLUMN_INCLUDE_LIST),
    columnExclude: regexes(COLUMN_EXCLUDE_LIST),
    maxBatchSize: num(MAX_BATCH_SIZE),
    maxQueueSize: num(MAX_QUEUE_SIZE),
  });
  for (const key of REQUIRED_KEYS) {
    if (get(key) === null) problems.unshift({ key, message: requiredMessage(key) });
  }
  for (const p of problems) {
    const v = values.get(p.key);
    if (v !== undefined && v.errorMessages.length === 0) v.addErrorMessage(p.message);
  }
}
