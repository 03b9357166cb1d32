/**
 * Confluent's `io.confluent.connect.jdbc.JdbcSourceConnector` (also Aiven's
 * `io.aiven.connect.jdbc.JdbcSourceConnector`): lists the tables the config selects, deals them
 * over `tasks.max` tasks in contiguous groups, and re-lists them every `table.poll.interval.ms`,
 * asking for new task configs when the set changed. Query mode runs one task.
 *
 * Table selection: `table.whitelist`/`table.blacklist` name tables exactly, qualified or not;
 * `table.include.list`/`table.exclude.list` are regular expressions matched against the table
 * name and against its qualified name (Confluent's newest release matches only the qualified
 * name and refuses `incrementing.column.name` beside the include list; Sluice reads the config as
 * its articles mean it and says so in one log line).
 */

import {
  Config,
  type ConfigDef,
  ConfigError,
  SourceConnector,
  type StringMap,
  type TaskClass,
} from '@sluice/api';
import {
  CONNECTION_URL,
  CONNECTION_USER,
  INCREMENTING_COLUMN,
  SOURCE_CONFIG_DEF,
  SourceConfig,
  TABLE_BLACKLIST,
  TABLE_EXCLUDE_LIST,
  TABLE_INCLUDE_LIST,
  TABLE_WHITELIST,
  TASK_TABLES,
} from './config.ts';
import { connectWithRetries, describeDbError, validateConnection } from './connect.ts';
import { jdbcLogger } from './log.ts';
import { JdbcSourceTask } from './source-task.ts';
import { qualifiedName, type TableId } from './sql.ts';
import { VERSION } from './version.ts';

const LOGGER = 'io.confluent.connect.jdbc.JdbcSourceConnector';

/** Matches `name` against an exact-name entry: the table name or the qualified name. */
function sameName(entry: string, table: TableId): boolean {
  const qualified = qualifiedName(table);
  return (
    entry === table.table ||
    entry === qualified ||
    entry.toLowerCase() === table.table.toLowerCase() ||
    entry.toLowerCase() === qualified.toLowerCase()
  );
}

function matchesPattern(pattern: string, table: TableId): boolean {
  const re = new RegExp(`^(?:${pattern})$`);
  return re.test(table.table) || re.test(qualifiedName(table));
}

/** The tables a config selects out of those listed. */
export function selectTables(all: readonly TableId[], config: SourceConfig): TableId[] {
  let tables = [...all];
  if (config.whitelist.length > 0)
    tables = tables.filter((t) => config.whitelist.some((e) => sameName(e, t)));
  if (config.blacklist.length > 0)
    tables = tables.filter((t) => !config.blacklist.some((e) => sameName(e, t)));
  if (config.includeList !== null && config.includeList.length > 0) {
    tables = tables.filter((t) => config.includeList!.some((p) => matchesPattern(p, t)));
  }
  if (config.excludeList !== null && config.excludeList.length > 0) {
    tables = tables.filter((t) => !config.excludeList!.some((p) => matchesPattern(p, t)));
  }
  return tables;
}

/** Splits `items` into `groups` contiguous groups, the first ones one longer (`ConnectorUtils.groupPartitions`). */
export function groupPartitions<T>(items: readonly T[], groups: number): T[][] {
  const out: T[][] = [];
  const base = Math.floor(items.length / groups);
  const extra = items.length % groups;
  let start = 0;
  for (let g = 0; g < groups; g++) {
    const size = base + (g < extra ? 1 : 0);
    out.push(items.slice(start, start + size));
    start += size;
  }
  return out;
}

/** One line saying how the table selection and the mode were read. */
export function describeSelection(config: SourceConfig, tables: readonly TableId[]): string {
  const names = tables.map(qualifiedName).join(', ') || '(none yet)';
  let how: string;
  if (config.includeList !== null && config.includeList.length > 0) {
    how = `${TABLE_INCLUDE_LIST} [${config.includeList.join(', ')}] read as patterns matched against each table's name and its qualified name`;
    if (config.excludeList !== null && config.excludeList.length > 0) {
      how += `, minus ${TABLE_EXCLUDE_LIST} [${config.excludeList.join(', ')}]`;
    }
  } else if (config.whitelist.length > 0) {
    how = `${TABLE_WHITELIST} [${config.whitelist.join(', ')}] matched by name or qualified name`;
  } else if (config.blacklist.length > 0) {
    how = `every table but ${TABLE_BLACKLIST} [${config.blacklist.join(', ')}]`;
  } else {
    how = `every table of types [${config.tableTypes.join(', ')}]`;
  }
  let mode = `mode ${config.mode}`;
  if (config.usesIncrementing()) {
    mode += ` with ${INCREMENTING_COLUMN} '${config.incrementingColumn || '(auto-increment column)'}' for each of them`;
    if (config.includeList !== null && config.includeList.length > 0 && config.incrementingColumn !== '') {
      mode += ` (combined with ${TABLE_INCLUDE_LIST}, which Confluent's newest release refuses and older ones ignore)`;
    }
  }
  if (config.usesTimestamp()) mode += ` and timestamp column(s) [${config.timestampColumns.join(', ')}]`;
  return `Tables from ${how}: ${names}; ${mode}; topics ${config.topicPrefix}<table>`;
}

export class JdbcSourceConnector extends SourceConnector {
  static readonly javaClass = 'io.confluent.connect.jdbc.JdbcSourceConnector';
  static readonly aliases = [
    'io.aiven.connect.jdbc.JdbcSourceConnector',
    'JdbcSourceConnector',
    'JdbcSource',
  ] as const;

  #props: StringMap = {};
  #config: SourceConfig | null = null;
  #tables: TableId[] = [];
  #monitor: NodeJS.Timeout | null = null;
  #listing = false;

  version(): string {
    return VERSION;
  }

  async start(props: StringMap): Promise<void> {
    const config = new SourceConfig(props);
    this.#config = config;
    this.#props = { ...props };
    if (config.query !== '') {
      jdbcLogger().info(LOGGER, `Custom query mode (${config.mode}): one task, topic ${config.topicPrefix}`);
      return;
    }
    this.#tables = await this.#listTables(config);
    jdbcLogger().info(LOGGER, describeSelection(config, this.#tables));
    if (this.#tables.length === 0) {
      const filter = config.includeList ?? (config.whitelist.length > 0 ? config.whitelist : null);
      if (filter !== null && filter.length > 0) {
        jdbcLogger().warn(
          LOGGER,
          `No table of ${config.url.database || config.url.host} matches ${config.includeList !== null ? TABLE_INCLUDE_LIST : TABLE_WHITELIST} [${filter.join(', ')}]; the connector waits for one to appear (re-listed every ${config.tablePollIntervalMs} ms)`,
        );
      }
    }
    if (config.tablePollIntervalMs > 0) {
      this.#monitor = setInterval(() => void this.#relist(), config.tablePollIntervalMs);
      this.#monitor.unref();
    }
  }

  async #listTables(config: SourceConfig): Promise<TableId[]> {
    const db = await connectWithRetries(config);
    try {
      const all = await db.listTables(config.tableTypes, config.catalogPattern, config.schemaPattern);
      return selectTables(all, config);
    } finally {
      await db.close();
    }
  }

  async #relist(): Promise<void> {
    const config = this.#config;
    if (config === null || this.#listing) return;
    this.#listing = true;
    try {
      const tables = await this.#listTables(config);
      const before = JSON.stringify(this.#tables.map(qualifiedName));
      if (JSON.stringify(tables.map(qualifiedName)) !== before) {
        jdbcLogger().info(
          LOGGER,
          `Tables changed: ${describeSelection(config, tables)}; reconfiguring tasks`,
        );
        this.#tables = tables;
        this.context?.requestTaskReconfiguration();
      }
    } catch (err) {
      jdbcLogger().warn(LOGGER, `Could not list tables: ${describeDbError(err, config.password)}`);
    } finally {
      this.#listing = false;
    }
  }

  taskClass(): TaskClass {
    return JdbcSourceTask;
  }

  taskConfigs(maxTasks: number): StringMap[] {
    if (this.#config?.query !== '') return [{ ...this.#props }];
    if (this.#tables.length === 0) return [{ ...this.#props, [TASK_TABLES]: '[]' }];
    const groups = groupPartitions(this.#tables, Math.min(this.#tables.length, Math.max(1, maxTasks)));
    return groups.map((g) => ({ ...this.#props, [TASK_TABLES]: JSON.stringify(g) }));
  }

  stop(): void {
    if (this.#monitor !== null) clearInterval(this.#monitor);
    this.#monitor = null;
  }

  config(): ConfigDef {
    return SOURCE_CONFIG_DEF;
  }

  override async validate(connectorConfigs: StringMap): Promise<Config> {
    const values = SOURCE_CONFIG_DEF.validateAll(connectorConfigs);
    const hasErrors = (key: string): boolean => (values.get(key)?.errorMessages.length ?? 0) > 0;
    let config: SourceConfig | null = null;
    try {
      config = new SourceConfig(connectorConfigs);
    } catch (err) {
      if (err instanceof ConfigError) {
        const key = (err as ConfigError & { key?: string }).key;
        const target = key === undefined ? undefined : values.get(key);
        if (target !== undefined && target.errorMessages.length === 0) target.addErrorMessage(err.message);
      } else throw err;
    }
    if (config !== null && !hasErrors(CONNECTION_URL)) {
      await validateConnection(config, values.get(CONNECTION_URL), values.get(CONNECTION_USER));
    }
    return new Config([...values.values()]);
  }
}
