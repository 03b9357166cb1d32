/**
 * The configurations of Confluent's JDBC connectors (`JdbcSourceConnectorConfig`,
 * `JdbcSinkConfig`): the same keys and defaults, and parsed forms the tasks work from.
 *
 * Keys Confluent has and Sluice does not act on yet (`*.mapping`, `query.retry.attempts`, ...) are defined so
 * configs validate, and documented as such in docs/connectors/jdbc.md.
 */

import {
  AbstractConfig,
  CaseInsensitiveValidString,
  ConfigDef,
  ConfigError,
  LambdaValidator,
  type Password,
  Range,
} from '@sluice/api';
import { type DatabaseKind, type JdbcUrl, JdbcUrlError, parseJdbcUrl } from './jdbc-url.ts';
import type { NumericMapping, TimestampGranularity } from './schema-mapping.ts';
import { DIALECT_NAMES, type QuoteMode } from './sql.ts';
import { type DbTimeZone, dbTimeZone } from './time-zone.ts';

export const CONNECTION_URL = 'connection.url';
export const CONNECTION_USER = 'connection.user';
export const CONNECTION_PASSWORD = 'connection.password';
export const CONNECTION_ATTEMPTS = 'connection.attempts';
export const CONNECTION_BACKOFF = 'connection.backoff.ms';
export const DIALECT_NAME = 'dialect.name';
export const QUOTE_IDENTIFIERS = 'quote.sql.identifiers';
export const DB_TIMEZONE = 'db.timezone';
export const TABLE_TYPES = 'table.types';
export const DATE_TIMEZONE = 'date.timezone';

export const MODE = 'mode';
export const INCREMENTING_COLUMN = 'incrementing.column.name';
export const TIMESTAMP_COLUMN = 'timestamp.column.name';
export const TIMESTAMP_INITIAL = 'timestamp.initial';
export const TIMESTAMP_DELAY = 'timestamp.delay.interval.ms';
export const TIMESTAMP_GRANULARITY = 'timestamp.granularity';
export const VALIDATE_NON_NULL = 'validate.non.null';
export const TABLE_WHITELIST = 'table.whitelist';
export const TABLE_BLACKLIST = 'table.blacklist';
export const TABLE_INCLUDE_LIST = 'table.include.list';
export const TABLE_EXCLUDE_LIST = 'table.exclude.list';
export const CATALOG_PATTERN = 'catalog.pattern';
export const SCHEMA_PATTERN = 'schema.pattern';
export const QUERY = 'query';
export const QUERY_SUFFIX = 'query.suffix';
export const POLL_INTERVAL = 'poll.interval.ms';
export const BATCH_MAX_ROWS = 'batch.max.rows';
export const TABLE_POLL_INTERVAL = 'table.poll.interval.ms';
export const TOPIC_PREFIX = 'topic.prefix';
export const NUMERIC_MAPPING = 'numeric.mapping';
export const NUMERIC_PRECISION_MAPPING = 'numeric.precision.mapping';
export const TRANSACTION_ISOLATION = 'transaction.isolation.mode';
export type IsolationMode =
  | 'DEFAULT'
  | 'READ_UNCOMMITTED'
  | 'READ_COMMITTED'
  | 'REPEATABLE_READ'
  | 'SERIALIZABLE'
  | 'SQL_SERVER_SNAPSHOT';
export const QUERY_RETRY_ATTEMPTS = 'query.retry.attempts';

export const INSERT_MODE = 'insert.mode';
export const PK_MODE = 'pk.mode';
export const PK_FIELDS = 'pk.fields';
export const FIELDS_WHITELIST = 'fields.whitelist';
export const TABLE_NAME_FORMAT = 'table.name.format';
export const AUTO_CREATE = 'auto.create';
export const AUTO_EVOLVE = 'auto.evolve';
export const DELETE_ENABLED = 'delete.enabled';
export const BATCH_SIZE = 'batch.size';
export const MAX_RETRIES = 'max.retries';
/** Sluice only: put() starts the batch's write and returns (see JdbcSinkTask.put). */
export const PUT_PIPELINING = 'put.pipelining';
export const RETRY_BACKOFF = 'retry.backoff.ms';

/** Task-config key holding the tables a source task reads (JSON list of table ids). */
export const TASK_TABLES = 'tables';

export const MODES = ['bulk', 'timestamp', 'incrementing', 'timestamp+incrementing'] as const;
export type Mode = (typeof MODES)[number];
export const INSERT_MODES = ['insert', 'upsert', 'update'] as const;
export type InsertMode = (typeof INSERT_MODES)[number];
export const PK_MODES = ['none', 'kafka', 'record_key', 'record_value'] as const;
export type PkMode = (typeof PK_MODES)[number];

const urlValidator = LambdaValidator.with(
  (name, value) => {
    if (value === null) return;
    try {
      parseJdbcUrl(String(value));
    } catch (err) {
      if (err instanceof JdbcUrlError) throw ConfigError.invalidValue(name, '(hidden)', err.message);
      throw err;
    }
  },
  () => 'jdbc:mysql://, jdbc:mariadb://, jdbc:postgresql:// or jdbc:sqlite: URL',
);

const dialectValidator = LambdaValidator.with(
  (name, value) => {
    if (value === null || value === '') return;
    if (!(String(value) in DIALECT_NAMES)) {
      throw ConfigError.invalidValue(
        name,
        value,
        `Sluice implements the dialects ${Object.keys(DIALECT_NAMES).join(', ')} (or leave it empty to choose from the URL)`,
      );
    }
  },
  () => `[, ${Object.keys(DIALECT_NAMES).join(', ')}]`,
);

function lowerOneOf(values: readonly string[]): LambdaValidator {
  return LambdaValidator.with(
    (name, value) => {
      if (value === null) return;
      if (!values.includes(String(value).trim().toLowerCase())) {
        throw ConfigError.invalidValue(name, value, `must be one of ${values.join(', ')}`);
      }
    },
    () => `[${values.join(', ')}]`,
  );
}

function defineConnection(def: ConfigDef): ConfigDef {
  return def
    .define({
      name: CONNECTION_URL,
      type: 'STRING',
      validator: urlValidator,
      importance: 'HIGH',
      group: 'Database',
      orderInGroup: 1,
      documentation:
        'JDBC connection URL. For example: ``jdbc:oracle:thin:@localhost:1521:orclpdb1``, ``jdbc:mysql://localhost/db_name``, ``jdbc:sqlserver://localhost;instance=SQLEXPRESS;databaseName=db_name``',
    })
    .define({
      name: CONNECTION_USER,
      type: 'STRING',
      defaultValue: null,
      importance: 'HIGH',
      group: 'Database',
      orderInGroup: 2,
      documentation: 'JDBC connection user.',
    })
    .define({
      name: CONNECTION_PASSWORD,
      type: 'PASSWORD',
      defaultValue: null,
      importance: 'HIGH',
      group: 'Database',
      orderInGroup: 3,
      documentation: 'JDBC connection password.',
    })
    .define({
      name: CONNECTION_ATTEMPTS,
      type: 'INT',
      defaultValue: 3,
      validator: Range.atLeast(1),
      importance: 'LOW',
      group: 'Database',
      documentation:
        'Maximum number of attempts to retrieve a valid JDBC connection. Must be a positive integer.',
    })
    .define({
      name: CONNECTION_BACKOFF,
      type: 'LONG',
      defaultValue: 10000,
      importance: 'LOW',
      group: 'Database',
      documentation: 'Backoff time in milliseconds between connection attempts.',
    })
    .define({
      name: DIALECT_NAME,
      type: 'STRING',
      defaultValue: '',
      validator: dialectValidator,
      importance: 'LOW',
      group: 'Database',
      documentation:
        'The name of the database dialect that should be used for this connector. By default this is empty, and the connector automatically determines the dialect based upon the JDBC connection URL.',
    })
    .define({
      name: QUOTE_IDENTIFIERS,
      type: 'STRING',
      defaultValue: 'ALWAYS',
      validator: CaseInsensitiveValidString.in('ALWAYS', 'NEVER'),
      importance: 'MEDIUM',
      group: 'Database',
      documentation: 'When to quote table names, column names, and other identifiers in SQL statements.',
    })
    .define({
      name: DB_TIMEZONE,
      type: 'STRING',
      defaultValue: 'UTC',
      validator: LambdaValidator.with(
        (name, value) => {
          if (value === null) return;
          try {
            dbTimeZone(String(value));
          } catch {
            throw ConfigError.invalidValue(
              name,
              value,
              'Invalid time zone identifier: use an IANA name such as UTC, Europe/Paris or America/New_York',
            );
          }
        },
        () => 'Any valid JDK time zone',
      ),
      importance: 'MEDIUM',
      group: 'Database',
      documentation:
        'Name of the JDBC timezone used in the connector when querying with time-based criteria. Defaults to UTC.',
    })
    .define({
      name: TABLE_TYPES,
      type: 'LIST',
      defaultValue: 'TABLE',
      importance: 'LOW',
      group: 'Database',
      documentation:
        'The comma-separated types of database tables to which the connector applies: TABLE, VIEW.',
    });
}

export const SOURCE_CONFIG_DEF: ConfigDef = defineConnection(new ConfigDef())
  .define({
    name: TABLE_WHITELIST,
    type: 'LIST',
    defaultValue: '',
    importance: 'MEDIUM',
    group: 'Database',
    documentation: 'List of tables to include in copying. If specified, table.blacklist may not be set.',
  })
  .define({
    name: TABLE_BLACKLIST,
    type: 'LIST',
    defaultValue: '',
    importance: 'MEDIUM',
    group: 'Database',
    documentation: 'List of tables to exclude from copying. If specified, table.whitelist may not be set.',
  })
  .define({
    name: TABLE_INCLUDE_LIST,
    type: 'LIST',
    defaultValue: null,
    importance: 'MEDIUM',
    group: 'Database',
    documentation:
      'Regular expressions matching the tables to copy. Sluice matches each against the table name and against its fully-qualified name (catalog/schema.table).',
  })
  .define({
    name: TABLE_EXCLUDE_LIST,
    type: 'LIST',
    defaultValue: null,
    importance: 'MEDIUM',
    group: 'Database',
    documentation: 'Regular expressions matching tables to leave out; needs table.include.list.',
  })
  .define({
    name: CATALOG_PATTERN,
    type: 'STRING',
    defaultValue: null,
    importance: 'MEDIUM',
    group: 'Database',
    documentation: 'Catalog pattern to fetch table metadata from the database (MySQL: the database).',
  })
  .define({
    name: SCHEMA_PATTERN,
    type: 'STRING',
    defaultValue: null,
    importance: 'MEDIUM',
    group: 'Database',
    documentation: 'Schema pattern to fetch table metadata from the database (PostgreSQL: the schema).',
  })
  .define({
    name: NUMERIC_PRECISION_MAPPING,
    type: 'BOOLEAN',
    defaultValue: false,
    importance: 'LOW',
    group: 'Database',
    documentation: 'Deprecated: use numeric.mapping=precision_only.',
  })
  .define({
    name: NUMERIC_MAPPING,
    type: 'STRING',
    defaultValue: null,
    validator: lowerOneOf(['none', 'precision_only', 'best_fit', 'best_fit_eager_double']),
    importance: 'LOW',
    group: 'Database',
    documentation: 'Map NUMERIC values by precision and optionally scale to integral or decimal types.',
  })
  .define({
    name: MODE,
    type: 'STRING',
    defaultValue: '',
    validator: LambdaValidator.with(
      (name, value) => {
        if (value === null || value === '') return; // required, but checked with the query key (below)
        if (!(MODES as readonly string[]).includes(String(value))) {
          throw ConfigError.invalidValue(name, value, `must be one of ${MODES.join(', ')}`);
        }
      },
      () => `[${MODES.join(', ')}]`,
    ),
    importance: 'HIGH',
    group: 'Mode',
    documentation:
      'The mode for updating a table each time it is polled: bulk, timestamp, incrementing or timestamp+incrementing.',
  })
  .define({
    name: INCREMENTING_COLUMN,
    type: 'STRING',
    defaultValue: '',
    importance: 'MEDIUM',
    group: 'Mode',
    documentation:
      'The name of the strictly incrementing column to use to detect new rows. Any empty value indicates the column should be autodetected by looking for an auto-incrementing column.',
  })
  .define({
    name: TIMESTAMP_COLUMN,
    type: 'LIST',
    defaultValue: '',
    importance: 'MEDIUM',
    group: 'Mode',
    documentation:
      'Comma separated list of one or more timestamp columns to detect new or modified rows using the COALESCE SQL function.',
  })
  .define({
    name: TIMESTAMP_INITIAL,
    type: 'LONG',
    defaultValue: null,
    importance: 'LOW',
    group: 'Mode',
    documentation:
      'The epoch timestamp used for initial queries that use timestamp criteria. Use -1 to use the current time. If not specified, all data will be retrieved.',
  })
  .define({
    name: VALIDATE_NON_NULL,
    type: 'BOOLEAN',
    defaultValue: true,
    importance: 'LOW',
    group: 'Mode',
    documentation:
      'By default, the JDBC connector will validate that all incrementing and timestamp tables have NOT NULL set for the columns being used as their ID/timestamp.',
  })
  .define({
    name: QUERY,
    type: 'STRING',
    defaultValue: '',
    importance: 'MEDIUM',
    group: 'Mode',
    documentation:
      'If specified, the query to perform to select new or updated rows. Use this setting if you want to join tables, select subsets of columns in a table, or filter data.',
  })
  .define({
    name: QUERY_SUFFIX,
    type: 'STRING',
    defaultValue: '',
    importance: 'LOW',
    group: 'Mode',
    documentation: 'Suffix to append at the end of the generated query.',
  })
  .define({
    name: TRANSACTION_ISOLATION,
    type: 'STRING',
    defaultValue: 'DEFAULT',
    validator: CaseInsensitiveValidString.in(
      'DEFAULT',
      'READ_UNCOMMITTED',
      'READ_COMMITTED',
      'REPEATABLE_READ',
      'SERIALIZABLE',
      'SQL_SERVER_SNAPSHOT',
    ),
    importance: 'LOW',
    group: 'Mode',
    documentation:
      'Mode to control which transaction isolation level is used when running queries against the database. By default no explicit transaction isolation mode is set. SQL_SERVER_SNAPSHOT will only work against a connector configured to write to Sql Server. Options include: DEFAULT, READ_UNCOMMITTED, READ_COMMITTED, REPEATABLE_READ, SERIALIZABLE, SQL_SERVER_SNAPSHOT.',
  })
  .define({
    name: TIMESTAMP_GRANULARITY,
    type: 'STRING',
    defaultValue: 'connect_logical',
    validator: lowerOneOf(['connect_logical', 'nanos_long', 'nanos_string', 'nanos_iso_datetime_string']),
    importance: 'LOW',
    group: 'Mode',
    documentation:
      "How timestamp columns are represented: connect_logical (Connect's Timestamp), nanos_long (nanoseconds since the epoch, INT64), nanos_string (the same as a string), nanos_iso_datetime_string (yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS).",
  })
  .define({
    name: POLL_INTERVAL,
    type: 'INT',
    defaultValue: 5000,
    importance: 'HIGH',
    group: 'Connector',
    documentation: 'Frequency in ms to poll for new data in each table.',
  })
  .define({
    name: BATCH_MAX_ROWS,
    type: 'INT',
    defaultValue: 100,
    validator: Range.atLeast(1),
    importance: 'LOW',
    group: 'Connector',
    documentation: 'Maximum number of rows to include in a single batch when polling for new data.',
  })
  .define({
    name: TABLE_POLL_INTERVAL,
    type: 'LONG',
    defaultValue: 60000,
    importance: 'LOW',
    group: 'Connector',
    documentation:
      'Frequency in ms to poll for new or removed tables, which may result in updated task configurations.',
  })
  .define({
    name: TOPIC_PREFIX,
    type: 'STRING',
    importance: 'HIGH',
    group: 'Connector',
    documentation:
      'Prefix to prepend to table names to generate the name of the Kafka topic to publish data to, or in the case of a custom query, the full name of the topic to publish to.',
  })
  .define({
    name: TIMESTAMP_DELAY,
    type: 'LONG',
    defaultValue: 0,
    importance: 'HIGH',
    group: 'Connector',
    documentation:
      'How long to wait after a row with certain timestamp appears before we include it in the result.',
  })
  .define({
    name: QUERY_RETRY_ATTEMPTS,
    type: 'INT',
    defaultValue: -1,
    importance: 'LOW',
    group: 'Connector',
    documentation: 'Number of times to retry SQL exceptions encountered when executing queries.',
  });

export const SINK_CONFIG_DEF: ConfigDef = defineConnection(new ConfigDef())
  .define({
    name: DATE_TIMEZONE,
    type: 'STRING',
    defaultValue: 'DB_TIMEZONE',
    validator: CaseInsensitiveValidString.in('DB_TIMEZONE', 'UTC'),
    importance: 'MEDIUM',
    group: 'Data Mapping',
    documentation:
      'Name of the timezone that should be used in the connector when inserting DATE values: DB_TIMEZONE (the default) uses db.timezone, UTC writes the date as it is.',
  })
  .define({
    name: INSERT_MODE,
    type: 'STRING',
    defaultValue: 'insert',
    validator: lowerOneOf(INSERT_MODES),
    importance: 'HIGH',
    group: 'Writes',
    documentation: 'The insertion mode to use: insert, upsert or update.',
  })
  .define({
    name: BATCH_SIZE,
    type: 'INT',
    defaultValue: 3000,
    validator: Range.atLeast(0),
    importance: 'MEDIUM',
    group: 'Writes',
    documentation:
      'Specifies how many records to attempt to batch together for insertion into the destination table, when possible.',
  })
  .define({
    name: PUT_PIPELINING,
    type: 'BOOLEAN',
    defaultValue: true,
    importance: 'LOW',
    group: 'Writes',
    documentation:
      "Sluice only. Whether put() returns once the batch's transaction is under way, so the next batch is fetched and converted while the database writes this one. The next put, the offset commit and a rebalance wait for the write; a failure is handled there as the put would have handled it, and no offset is committed past a record that is not written. false: put() returns once the batch is committed, as Confluent's connector does.",
  })
  .define({
    name: DELETE_ENABLED,
    type: 'BOOLEAN',
    defaultValue: false,
    importance: 'MEDIUM',
    group: 'Writes',
    documentation: 'Whether to treat null record values as deletes. Requires pk.mode to be record_key.',
  })
  .define({
    name: TABLE_NAME_FORMAT,
    type: 'STRING',
    defaultValue: '${topic}',
    importance: 'MEDIUM',
    group: 'Data Mapping',
    documentation:
      "A format string for the destination table name, which may contain '${topic}' as a placeholder for the originating topic name.",
  })
  .define({
    name: PK_MODE,
    type: 'STRING',
    defaultValue: 'none',
    validator: lowerOneOf(PK_MODES),
    importance: 'HIGH',
    group: 'Data Mapping',
    documentation: 'The primary key mode: none, kafka, record_key or record_value.',
  })
  .define({
    name: PK_FIELDS,
    type: 'LIST',
    defaultValue: '',
    importance: 'MEDIUM',
    group: 'Data Mapping',
    documentation:
      'List of comma-separated primary key field names. The runtime interpretation of this config depends on the pk.mode.',
  })
  .define({
    name: FIELDS_WHITELIST,
    type: 'LIST',
    defaultValue: '',
    importance: 'MEDIUM',
    group: 'Data Mapping',
    documentation:
      'List of comma-separated record value field names. If empty, all fields from the record value are utilized, otherwise used to filter to the desired fields.',
  })
  .define({
    name: AUTO_CREATE,
    type: 'BOOLEAN',
    defaultValue: false,
    importance: 'MEDIUM',
    group: 'DDL Support',
    documentation:
      'Whether to automatically create the destination table based on record schema if it is found to be missing by issuing CREATE.',
  })
  .define({
    name: AUTO_EVOLVE,
    type: 'BOOLEAN',
    defaultValue: false,
    importance: 'MEDIUM',
    group: 'DDL Support',
    documentation:
      'Whether to automatically add columns in the table schema when found to be missing relative to the record schema by issuing ALTER.',
  })
  .define({
    name: MAX_RETRIES,
    type: 'INT',
    defaultValue: 10,
    validator: Range.atLeast(0),
    importance: 'MEDIUM',
    group: 'Retries',
    documentation: 'The maximum number of times to retry on errors before failing the task.',
  })
  .define({
    name: RETRY_BACKOFF,
    type: 'INT',
    defaultValue: 3000,
    validator: Range.atLeast(0),
    importance: 'MEDIUM',
    group: 'Retries',
    documentation: 'The time in milliseconds to wait following an error before a retry attempt is made.',
  });

/** The connection part shared by both connectors. */
export class ConnectionConfig extends AbstractConfig {
  readonly url: JdbcUrl;
  readonly rawUrl: string;
  readonly user: string | null;
  readonly password: string | null;
  readonly attempts: number;
  readonly backoffMs: number;
  readonly kind: DatabaseKind;
  readonly quote: QuoteMode;
  readonly tableTypes: string[];
  /** `db.timezone`, or null for UTC. */
  readonly timeZone: DbTimeZone | null;

  constructor(def: ConfigDef, props: Readonly<Record<string, unknown>>) {
    super(def, props);
    this.rawUrl = this.getString(CONNECTION_URL)!;
    this.url = parseJdbcUrl(this.rawUrl);
    this.user = this.getString(CONNECTION_USER);
    this.password = (this.getPassword(CONNECTION_PASSWORD) as Password | null)?.value() ?? null;
    this.attempts = this.getInt(CONNECTION_ATTEMPTS)!;
    this.backoffMs = Number(this.getLong(CONNECTION_BACKOFF));
    const dialect = this.getString(DIALECT_NAME) ?? '';
    this.kind = dialect === '' ? this.url.kind : DIALECT_NAMES[dialect]!;
    if (this.kind !== this.url.kind) {
      throw new ConfigError(
        `${DIALECT_NAME} ${dialect} does not speak to a ${this.url.subprotocol} URL; leave ${DIALECT_NAME} empty`,
        { key: DIALECT_NAME },
      );
    }
    this.quote =
      (this.getString(QUOTE_IDENTIFIERS) ?? 'ALWAYS').toUpperCase() === 'NEVER' ? 'never' : 'always';
    this.tableTypes = [...(this.getList(TABLE_TYPES) ?? ['TABLE'])]
      .map((t) => t.trim())
      .filter((t) => t !== '');
    this.timeZone = dbTimeZone(this.getString(DB_TIMEZONE));
  }
}

export class SourceConfig extends ConnectionConfig {
  readonly mode: Mode;
  readonly incrementingColumn: string;
  readonly timestampColumns: string[];
  readonly timestampInitial: number | null;
  readonly timestampDelayMs: number;
  readonly validateNonNull: boolean;
  readonly whitelist: string[];
  readonly blacklist: string[];
  readonly includeList: string[] | null;
  readonly excludeList: string[] | null;
  readonly catalogPattern: string | null;
  readonly schemaPattern: string | null;
  readonly query: string;
  readonly querySuffix: string;
  readonly pollIntervalMs: number;
  readonly batchMaxRows: number;
  readonly tablePollIntervalMs: number;
  readonly topicPrefix: string;
  readonly numericMapping: NumericMapping;
  readonly timestampGranularity: TimestampGranularity;
  /** `transaction.isolation.mode`, upper case. */
  readonly isolationMode: IsolationMode;

  constructor(props: Readonly<Record<string, unknown>>) {
    super(SOURCE_CONFIG_DEF, props);
    const mode = this.getString(MODE) ?? '';
    if (mode === '') {
      throw new ConfigError(`Missing required configuration "${MODE}": choose one of ${MODES.join(', ')}`, {
        key: MODE,
      });
    }
    this.mode = mode as Mode;
    this.incrementingColumn = (this.getString(INCREMENTING_COLUMN) ?? '').trim();
    this.timestampColumns = [...(this.getList(TIMESTAMP_COLUMN) ?? [])]
      .map((c) => c.trim())
      .filter((c) => c !== '');
    const initial = this.getLong(TIMESTAMP_INITIAL);
    this.timestampInitial = initial === null ? null : Number(initial);
    this.timestampDelayMs = Number(this.getLong(TIMESTAMP_DELAY));
    this.validateNonNull = this.getBoolean(VALIDATE_NON_NULL)!;
    this.whitelist = nonEmpty(this.getList(TABLE_WHITELIST));
    this.blacklist = nonEmpty(this.getList(TABLE_BLACKLIST));
    const include = this.getList(TABLE_INCLUDE_LIST);
    const exclude = this.getList(TABLE_EXCLUDE_LIST);
    this.includeList = include === null ? null : nonEmpty(include);
    this.excludeList = exclude === null ? null : nonEmpty(exclude);
    this.catalogPattern = this.getString(CATALOG_PATTERN);
    this.schemaPattern = this.getString(SCHEMA_PATTERN);
    this.query = (this.getString(QUERY) ?? '').trim();
    this.querySuffix = this.getString(QUERY_SUFFIX) ?? '';
    this.pollIntervalMs = this.getInt(POLL_INTERVAL)!;
    this.batchMaxRows = this.getInt(BATCH_MAX_ROWS)!;
    this.tablePollIntervalMs = Number(this.getLong(TABLE_POLL_INTERVAL));
    this.topicPrefix = this.getString(TOPIC_PREFIX)!;
    const mapping = this.getString(NUMERIC_MAPPING);
    this.numericMapping =
      mapping !== null
        ? (mapping.trim().toLowerCase() as NumericMapping)
        : this.getBoolean(NUMERIC_PRECISION_MAPPING)
          ? 'precision_only'
          : 'none';
    for (const pattern of [...(this.includeList ?? []), ...(this.excludeList ?? [])]) {
      try {
        new RegExp(pattern);
      } catch (err) {
        throw new ConfigError(`'${pattern}' is not a valid regular expression: ${(err as Error).message}`, {
          key: this.includeList?.includes(pattern) ? TABLE_INCLUDE_LIST : TABLE_EXCLUDE_LIST,
        });
      }
    }
    this.timestampGranularity = (this.getString(TIMESTAMP_GRANULARITY) ?? 'connect_logical')
      .trim()
      .toLowerCase() as TimestampGranularity;
    this.isolationMode = (this.getString(TRANSACTION_ISOLATION) ?? 'DEFAULT')
      .trim()
      .toUpperCase() as IsolationMode;
    const problem = sourceCrossCheck(this);
    if (problem !== null) throw new ConfigError(problem.message, { key: problem.key });
  }

  usesIncrementing(): boolean {
    return this.mode === 'incrementing' || this.mode === 'timestamp+incrementing';
  }

  usesTimestamp(): boolean {
    return this.mode === 'timestamp' || this.mode === 'timestamp+incrementing';
  }
}

function nonEmpty(list: readonly string[] | null): string[] {
  return [...(list ?? [])].map((s) => s.trim()).filter((s) => s !== '');
}

function sourceCrossCheck(c: SourceConfig): { key: string; message: string } | null {
  if (c.whitelist.length > 0 && c.blacklist.length > 0) {
    return {
      key: TABLE_BLACKLIST,
      message: `${TABLE_WHITELIST} and ${TABLE_BLACKLIST} are exclusive: set only one`,
    };
  }
  const newStyle = c.includeList !== null || c.excludeList !== null;
  if (newStyle && (c.whitelist.length > 0 || c.blacklist.length > 0)) {
    return {
      key: TABLE_INCLUDE_LIST,
      message: `${TABLE_INCLUDE_LIST}/${TABLE_EXCLUDE_LIST} cannot be combined with ${TABLE_WHITELIST}/${TABLE_BLACKLIST}`,
    };
  }
  if (
    c.excludeList !== null &&
    c.excludeList.length > 0 &&
    (c.includeList === null || c.includeList.length === 0)
  ) {
    return { key: TABLE_EXCLUDE_LIST, message: `${TABLE_EXCLUDE_LIST} needs ${TABLE_INCLUDE_LIST}` };
  }
  if (c.usesTimestamp() && c.timestampColumns.length === 0) {
    return {
      key: TIMESTAMP_COLUMN,
      message: `Mode ${c.mode} needs ${TIMESTAMP_COLUMN}: the column(s) that say when a row was last changed`,
    };
  }
  if (
    c.query !== '' &&
    (c.whitelist.length > 0 || c.blacklist.length > 0 || (c.includeList?.length ?? 0) > 0)
  ) {
    return {
      key: QUERY,
      message: `${QUERY} cannot be combined with a table list: a query names its own tables`,
    };
  }
  if (c.query !== '' && c.usesIncrementing() && c.incrementingColumn === '') {
    return {
      key: INCREMENTING_COLUMN,
      message: `${INCREMENTING_COLUMN} is needed with ${QUERY} in mode ${c.mode} (there is no table to detect it from)`,
    };
  }
  return null;
}

export class SinkConfig extends ConnectionConfig {
  readonly insertMode: InsertMode;
  readonly pkMode: PkMode;
  readonly pkFields: string[];
  readonly fieldsWhitelist: string[];
  readonly tableNameFormat: string;
  readonly autoCreate: boolean;
  readonly autoEvolve: boolean;
  readonly deleteEnabled: boolean;
  readonly batchSize: number;
  readonly putPipelining: boolean;
  readonly maxRetries: number;
  readonly retryBackoffMs: number;
  /** The zone DATE values are written in (`date.timezone`), or null for UTC. */
  readonly dateTimeZone: DbTimeZone | null;

  constructor(props: Readonly<Record<string, unknown>>) {
    super(SINK_CONFIG_DEF, props);
    this.dateTimeZone =
      (this.getString(DATE_TIMEZONE) ?? 'DB_TIMEZONE').trim().toUpperCase() === 'UTC' ? null : this.timeZone;
    this.insertMode = this.getString(INSERT_MODE)!.trim().toLowerCase() as InsertMode;
    this.pkMode = this.getString(PK_MODE)!.trim().toLowerCase() as PkMode;
    this.pkFields = nonEmpty(this.getList(PK_FIELDS));
    this.fieldsWhitelist = nonEmpty(this.getList(FIELDS_WHITELIST));
    this.tableNameFormat = this.getString(TABLE_NAME_FORMAT)!;
    this.autoCreate = this.getBoolean(AUTO_CREATE)!;
    this.autoEvolve = this.getBoolean(AUTO_EVOLVE)!;
    this.deleteEnabled = this.getBoolean(DELETE_ENABLED)!;
    this.batchSize = Math.max(1, this.getInt(BATCH_SIZE)!);
    this.putPipelining = this.getBoolean(PUT_PIPELINING)!;
    this.maxRetries = this.getInt(MAX_RETRIES)!;
    this.retryBackoffMs = this.getInt(RETRY_BACKOFF)!;
    if (this.deleteEnabled && this.pkMode !== 'record_key') {
      throw new ConfigError(
        `Primary key mode must be 'record_key' when delete support is enabled (${DELETE_ENABLED}=true needs ${PK_MODE}=record_key)`,
        { key: DELETE_ENABLED },
      );
    }
    if (this.insertMode !== 'insert' && this.pkMode === 'none') {
      throw new ConfigError(
        `${INSERT_MODE}=${this.insertMode} needs a primary key: set ${PK_MODE} to kafka, record_key or record_value`,
        { key: PK_MODE },
      );
    }
    if (this.pkMode === 'kafka' && this.pkFields.length !== 0 && this.pkFields.length !== 3) {
      throw new ConfigError(
        `${PK_MODE}=kafka needs ${PK_FIELDS} empty or three names (topic, partition and offset columns), got ${this.pkFields.length}`,
        { key: PK_FIELDS },
      );
    }
  }
}
