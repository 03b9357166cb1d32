/**
 * Opening connections as Confluent's `CachedConnectionProvider` does (`connection.attempts` tries,
 * `connection.backoff.ms` apart), describing driver errors without ever showing the password, and
 * the connection check behind `validate` (reported on `connection.url` or `connection.user`).
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { ConfigValue } from '@sluice/api';
import type { ConnectionConfig, IsolationMode } from './config.ts';
import { type Database, openDatabase } from './database.ts';
import { redactUrl } from './jdbc-url.ts';
import { jdbcLogger } from './log.ts';

/** The driver's message (with its SQL state / error code), the password masked wherever it appears. */
export function describeDbError(err: unknown, password: string | null = null): string {
  const e = err as { message?: string; code?: string; errno?: number; sqlState?: string };
  let message = e?.message ?? String(err);
  if (message === '' && e?.code !== undefined) message = e.code;
  if (e?.code !== undefined && !message.includes(e.code)) message = `${message} (${e.code})`;
  if (password !== null && password !== '') message = message.split(password).join('********');
  return redactUrl(message);
}

/** Whether an error says the credentials were refused (not that the server is unreachable). */
export function isAuthError(err: unknown): boolean {
  const e = err as { code?: string; errno?: number; message?: string };
  if (e?.code === 'ER_ACCESS_DENIED_ERROR' || e?.code === 'ER_DBACCESS_DENIED_ERROR' || e?.errno === 1045)
    return true;
  // PostgreSQL: 28P01 invalid_password, 28000 invalid_authorization_specification.
  if (e?.code === '28P01' || e?.code === '28000') return true;
  return /password authentication failed|Access denied for user/i.test(e?.message ?? '');
}

/** Opens a connection, trying `connection.attempts` times `connection.backoff.ms` apart. */
export async function connectWithRetries(
  config: ConnectionConfig,
  isStopped: () => boolean = () => false,
): Promise<Database> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= config.attempts; attempt++) {
    try {
      return await openDatabase({ url: config.url, user: config.user, password: config.password });
    } catch (err) {
      lastError = err;
      if (isAuthError(err) || attempt === config.attempts || isStopped()) break;
      await sleep(config.backoffMs);
    }
  }
  throw new Error(
    `Could not connect to ${redactUrl(config.rawUrl)}${config.user === null ? '' : ` as ${config.user}`}: ${describeDbError(lastError, config.password)}`,
    { cause: lastError },
  );
}

/**
 * Connects once (10 s time-out) and reports a failure on `connection.user` when the credentials
 * were refused, else on `connection.url`.
 */
export async function validateConnection(
  config: ConnectionConfig,
  urlValue: ConfigValue | undefined,
  userValue: ConfigValue | undefined,
): Promise<void> {
  let db: Database | undefined;
  try {
    db = await openDatabase({
      url: config.url,
      user: config.user,
      password: config.password,
      connectTimeoutMs: 10_000,
    });
    await db.query('SELECT 1');
  } catch (err) {
    const message = describeDbError(err, config.password);
    if (isAuthError(err))
      userValue?.addErrorMessage(`Could not log in as ${config.user ?? '(no user)'}: ${message}`);
    else urlValue?.addErrorMessage(`Could not connect to ${redactUrl(config.rawUrl)}: ${message}`);
  } finally {
    await db?.close().catch(() => {});
  }
}

/**
 * Gives the connection's session the `transaction.isolation.mode` level, as Confluent's dialects
 * do on the source's connection: DEFAULT leaves the database's own; a level the database does not
 * support (or a failure) is logged, and the queries run at the default level.
 */
export async function applyIsolationMode(db: Database, mode: IsolationMode): Promise<void> {
  if (mode === 'DEFAULT') return;
  const sql = db.dialect.isolationStatement(mode);
  try {
    if (sql === null) throw new Error('Transaction Isolation level not supported by database');
    await db.execute(sql);
  } catch (err) {
    jdbcLogger().warn(
      'io.confluent.connect.jdbc.dialect.GenericDatabaseDialect',
      `Unable to set transaction.isolation.mode: ${mode}. No transaction isolation mode will be set for the queries: ${describeDbError(err)}`,
    );
  }
}
