/**
 * Debezium's `PostgresConnectorTask`: checks the server, makes sure the publication and the
 * replication slot exist, takes the snapshot `snapshot.mode` asks for (at the slot's exported
 * snapshot when the slot is new), then streams pgoutput changes.
 *
 * Flow control: CopyData frames are queued as they arrive and decoded in `poll()`, at most
 * `max.batch.size` records per call; when more than `max.queue.size` frames wait, the socket is
 * paused until `poll()` has drained half of them. Keepalives that ask for a reply are answered at
 * once, and a status update goes out every `status.update.interval.ms`, paused or not.
 *
 * Durability: the flushed LSN reported to PostgreSQL only ever comes from offsets the runtime has
 * flushed. `commit()` (called after each offset flush) reads the stored offset back through the
 * offset reader and confirms its `lsn_commit` (else `lsn_proc`), as Debezium's `commitOffset`
 * does, so PostgreSQL never recycles WAL for changes that are not durably in Kafka. The runtime's
 * last flush comes after `stop()`; that final position is confirmed with
 * `pg_replication_slot_advance` once the stream is closed. Heartbeats (`heartbeat.interval.ms`)
 * carry the stream's position, moved to the server's last keepalive when nothing is pending, so
 * an idle database still lets the slot advance.
 *
 * Lost connections: once streaming has started, a lost replication connection or ordinary SQL
 * connection (the server restarting, `pg_terminate_backend`, a network error) does not fail the
 * task. It logs a warning, closes both connections and forgets the frames not yet decoded, then
 * tries to reconnect every `retriable.restart.connector.wait.ms` (Debezium's wait before a
 * restart after a retriable error) until it succeeds or `errors.max.retries` attempts have failed
 * (-1, the default, means no limit; 0 fails on the first loss). Meanwhile `poll()` returns null.
 * On reconnect, streaming resumes at the slot: the server re-sends every transaction whose commit
 * was not confirmed (the confirmed LSN only ever comes from flushed offsets), and the position of
 * the last record `poll()` returned becomes the resume filter, as a stored offset does on a
 * restart, so the records already handed to the runtime are dropped and nothing after them is
 * lost. When the attempts run out, or the failure is not a connection problem (the slot is gone,
 * credentials refused), `poll()` throws and the task FAILS with a message saying what happened.
 * During the snapshot a lost connection fails the task, as in Debezium: the snapshot runs in one
 * transaction on one connection and cannot be continued on another (a restart takes it again).
 */

import {
  ConnectError,
  pluginLogger,
  RetriableError,
  type SourceMap,
  type SourceRecord,
  SourceTask,
  type StringMap,
} from '@sluice/api';
import type pg from 'pg';
import { type DebeziumContext, heartbeatRecord, uuidV7 } from './change-records.ts';
import { ChangeStream, type ResumePosition, resumePosition } from './change-stream.ts';
import { DebeziumMetrics } from './debezium-metrics.ts';
import { formatLsn, lsnFromOffset, lsnToNumber, parseLsn } from './lsn.ts';
import { decodePgOutput, decodeServerFrame, encodeStandbyStatusUpdate } from './pgoutput-decoder.ts';
import {
  DROP_SLOT_ON_STOP as DROP_SLOT_ON_STOP_KEY,
  ERRORS_MAX_RETRIES as ERRORS_MAX_RETRIES_KEY,
  PostgresConnectorConfig,
  PUBLICATION_AUTOCREATE_MODE,
  RETRIABLE_RESTART_WAIT_MS as RETRIABLE_RESTART_WAIT_MS_KEY,
} from './postgres-connector-config.ts';
import {
  connectClient,
  describePgError,
  isConnectionLoss,
  type PgConnectOptions,
  quoteIdent,
  quoteLiteral,
  ReplicationConnection,
  sqlState,
} from './replication-connection.ts';
import { SnapshotProgress } from './snapshot-progress.ts';
import { capturedTables, SnapshotReader } from './snapshot-reader.ts';
import { TASK_LOGGER_NAME, type TaskLogger } from './task-log.ts';
import { TypeRegistry } from './type-registry.ts';
import { VERSION } from './version.ts';

/** The source partition key (`{"server": <topic.prefix>}`). */
export const SERVER_PARTITION_KEY = 'server';

/** Connection options from the configuration. */
export function connectOptions(config: PostgresConnectorConfig): PgConnectOptions {
  return {
    host: config.hostname,
    port: config.port,
    user: config.user,
    password: config.password,
    database: config.databaseName,
    sslMode: config.sslMode,
  };
}

/**
 * Fails unless the server can do logical decoding (`wal_level=logical`). Returns the server
 * version number (e.g. 150004).
 * @throws ConnectError with Debezium's message
 */
export async function checkServer(client: pg.Client): Promise<number> {
  const wal = await client.query('SHOW wal_level');
  const level = String((wal.rows[0] as { wal_level: string } | undefined)?.wal_level);
  if (level !== 'logical') {
    throw new ConnectError(`Postgres server wal_level property must be "logical" but is: ${level}`);
  }
  const version = await client.query('SHOW server_version_num');
  return Number((version.rows[0] as { server_version_num: string }).server_version_num);
}

async function currentWalLsn(sql: pg.Client): Promise<bigint> {
  const res = await sql.query('SELECT pg_catalog.pg_current_wal_lsn()::text AS lsn');
  return parseLsn((res.rows[0] as { lsn: string }).lsn);
}

interface SlotState {
  exists: boolean;
  active: boolean;
  plugin: string | null;
  confirmedFlushLsn: bigint | null;
}

async function slotState(client: pg.Client, slot: string, database: string): Promise<SlotState> {
  const res = await client.query({
    text: `SELECT plugin, database, active, confirmed_flush_lsn::text AS confirmed
             FROM pg_catalog.pg_replication_slots WHERE slot_name = $1`,
    values: [slot],
  });
  const row = res.rows[0] as
    | { plugin: string; database: string; active: string; confirmed: string | null }
    | undefined;
  if (row === undefined) return { exists: false, active: false, plugin: null, confirmedFlushLsn: null };
  if (row.database !== database) {
    throw new ConnectError(
      `Replication slot "${slot}" belongs to database "${row.database}", not "${database}"; choose another slot.name`,
    );
  }
  return {
    exists: true,
    active: row.active === 't',
    plugin: row.plugin,
    confirmedFlushLsn: row.confirmed === null ? null : parseLsn(row.confirmed),
  };
}

const EMPTY_FRAME = Buffer.alloc(0);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A lost connection while streaming, until the task has reconnected or given up. */
interface Outage {
  /** Why the connection was lost. */
  cause: Error;
  lostAt: number;
  /** Reconnect attempts made so far. */
  attempts: number;
  nextAttemptAt: number;
  /** The old connections are closed and the undecoded frames dropped. */
  tornDown: boolean;
  /** The connections of a reconnect in progress were lost before it completed. */
  lostAgain: Error | null;
}

export class PostgresSourceTask extends SourceTask {
  /** The Java class it stands in for: `task.class` in task configs names it. */
  static readonly javaClass = 'io.debezium.connector.postgresql.PostgresConnectorTask';

  #config: PostgresConnectorConfig | null = null;
  #partition: SourceMap = {};
  /** Debezium's context headers of this run of the task (a new run id per start). */
  #context: DebeziumContext | null = null;
  #sql: pg.Client | null = null;
  #replication: ReplicationConnection | null = null;
  #types = new TypeRegistry();
  #snapshot: SnapshotReader | null = null;
  /** Debezium's snapshot and streaming metrics, when the runtime offers plugin metrics. */
  #dbz: DebeziumMetrics | null = null;
  #stream: ChangeStream | null = null;
  #streamingStarted = false;
  #noStreaming = false;
  #startLsn = 0n;
  #resume: ResumePosition | null = null;
  #createdSlot = false;

  /** Frames waiting to be decoded: `#frames[#frameHead..]` (an index instead of `shift()`). */
  #frames: Buffer[] = [];
  #frameHead = 0;
  #paused = false;
  #wake: (() => void) | null = null;
  #failure: Error | null = null;
  #stopping = false;
  #receivedLsn = 0n;
  /** walEnd of the last keepalive (everything before it was sent to us). */
  #keepaliveLsn = 0n;
  #confirmedLsn = 0n;
  /** Resolves when {@link stop} has closed the connections. */
  #closed: Promise<void> | null = null;
  #statusTimer: NodeJS.Timeout | null = null;
  #lastHeartbeat = 0;
  /**
   * Bumped whenever the connections are replaced: callbacks of a connection from an older
   * generation (its end, its errors, its frames) are ignored.
   */
  #generation = 0;
  #outage: Outage | null = null;
  /** The highest flushed LSN `commit()` saw while disconnected, confirmed once streaming again. */
  #flushedWhileDisconnected = 0n;

  #logger: TaskLogger | null = null;
  /** The snapshot's log lines, while one runs. */
  #progress: SnapshotProgress | null = null;
  /** The first start of streaming of this task run was logged. */
  #streamingLogged = false;

  /**
   * Where the task's lines go: the runtime's logger for Debezium's task class (its lines name the
   * connector and task, `/admin/loggers` sets its level), or stderr in a runtime without one.
   * Tests may replace it.
   */
  get logger(): TaskLogger {
    if (this.#logger !== null) return this.#logger;
    const logger = pluginLogger(this.context, TASK_LOGGER_NAME);
    if (this.context !== undefined) this.#logger = logger;
    return logger;
  }

  set logger(logger: TaskLogger) {
    this.#logger = logger;
  }

  version(): string {
    return VERSION;
  }

  /** The LSN last confirmed to PostgreSQL as flushed (for tests and metrics). */
  get confirmedLsn(): bigint {
    return this.#confirmedLsn;
  }

  /** True while the task has lost its connection and is trying to reconnect. */
  get reconnecting(): boolean {
    return this.#outage !== null;
  }

  async start(props: StringMap): Promise<void> {
    const config = new PostgresConnectorConfig(props);
    this.#config = config;
    this.#partition = { [SERVER_PARTITION_KEY]: config.topicPrefix };
    // PostgresConnector runs one task, whose id Debezium reports as 0.
    this.#context = config.extendedHeadersEnabled
      ? { logicalName: config.topicPrefix, taskId: '0', runId: uuidV7() }
      : null;
    this.#stopping = false;
    const metrics = this.context.pluginMetrics?.();
    if (metrics !== undefined && this.#dbz === null)
      this.#dbz = new DebeziumMetrics(metrics, {
        topicPrefix: config.topicPrefix,
        maxQueueSize: config.maxQueueSize,
        queued: () => this.#queuedFrames(),
        connected: () => this.#streamingStarted && this.#outage === null && this.#replication !== null,
      });
    try {
      await this.#startUp(config);
    } catch (err) {
      await this.#closeConnections();
      throw err;
    }
  }

  async #startUp(config: PostgresConnectorConfig): Promise<void> {
    const options = connectOptions(config);
    const sql = await connectClient(options);
    this.#sql = sql;
    const serverVersion = await checkServer(sql);
    await this.#types.load(sql);
    await this.#ensurePublication(sql, config);

    const stored = await this.context.offsetStorageReader().offset(this.#partition);
    const slot = await slotState(sql, config.slotName, config.databaseName);
    if (slot.exists && slot.plugin !== 'pgoutput') {
      throw new ConnectError(
        `Replication slot "${config.slotName}" uses plugin "${slot.plugin}", not "pgoutput"; drop it or choose another slot.name`,
      );
    }
    const snapshotNeeded = this.#snapshotNeeded(config, stored, slot);
    this.#noStreaming = config.snapshotMode === 'initial_only';
    if (config.snapshotMode === 'initial_only' && !snapshotNeeded) {
      // Debezium ends an initial_only connector that has its snapshot: nothing more to do.
      return;
    }

    const replication = await ReplicationConnection.open(options);
    this.#replication = replication;
    let exported: string | null = null;
    let snapshotLsn: bigint | null = null;
    if (!slot.exists && !this.#noStreaming) {
      const created = await this.#createSlot(replication, config, serverVersion, snapshotNeeded);
      exported = created.snapshotName;
      snapshotLsn = created.consistentPoint;
      this.#createdSlot = true;
    }

    if (snapshotNeeded) {
      // With a slot that already existed, streaming starts at the slot's position, which may lie
      // before the snapshot: transactions that committed before this point are in the snapshot
      // and are dropped from the stream (read before the snapshot is taken, so none is lost).
      const before = exported === null ? await currentWalLsn(sql) : null;
      await sql.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      if (exported !== null) await sql.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(exported)}`);
      const position = await sql.query(
        'SELECT pg_current_wal_lsn()::text AS lsn, txid_current()::text AS txid',
      );
      const row = position.rows[0] as { lsn: string; txid: string };
      snapshotLsn ??= parseLsn(row.lsn);
      const tables = await capturedTables(sql, config);
      this.#progress = new SnapshotProgress(
        this.logger,
        tables.map((t) => `${t.schema}.${t.name}`),
      );
      this.#progress.started(formatLsn(snapshotLsn), config.snapshotMode);
      this.#snapshot = new SnapshotReader({
        client: sql,
        config,
        types: this.#types,
        partition: this.#partition,
        context: this.#context,
        version: VERSION,
        lsn: lsnToNumber(snapshotLsn),
        txId: Number(row.txid),
        tables,
        progress: this.#progress,
      });
      this.#dbz?.snapshotStarted(tables.map((t) => `${t.schema}.${t.name}`));
      // Stream from the snapshot's position when the slot was made for it; else from the slot.
      this.#startLsn = exported !== null ? snapshotLsn : 0n;
      this.#resume =
        before === null
          ? null
          : { lastCommitLsn: before, txId: null, lsn: null, eventsAtLsn: 0, messageType: null };
    } else if (stored !== null) {
      this.#resume = resumePosition(stored);
      this.#startLsn = this.#resume.lastCommitLsn ?? lsnFromOffset(stored.lsn) ?? 0n;
    }
    if (this.#snapshot === null && !this.#noStreaming) await this.#startStreaming();
  }

  #snapshotNeeded(config: PostgresConnectorConfig, stored: SourceMap | null, slot: SlotState): boolean {
    const snapshotIncomplete =
      stored !== null &&
      stored.snapshot !== undefined &&
      stored.snapshot !== false &&
      stored.last_snapshot_record !== true &&
      stored.snapshot_completed !== true;
    switch (config.snapshotMode) {
      case 'always':
        return true;
      case 'no_data':
        return false;
      case 'initial':
      case 'initial_only':
        return stored === null || snapshotIncomplete;
      case 'when_needed': {
        if (stored === null || snapshotIncomplete || !slot.exists) return true;
        const position =
          lsnFromOffset(stored.lsn_commit) ?? lsnFromOffset(stored.lsn_proc) ?? lsnFromOffset(stored.lsn);
        return position === null || (slot.confirmedFlushLsn !== null && position < slot.confirmedFlushLsn);
      }
    }
  }

  async #ensurePublication(sql: pg.Client, config: PostgresConnectorConfig): Promise<void> {
    const name = config.publicationName;
    const existing = await sql.query({
      text: 'SELECT 1 FROM pg_catalog.pg_publication WHERE pubname = $1',
      values: [name],
    });
    const exists = existing.rows.length > 0;
    const mode = config.publicationAutocreateMode;
    if (mode === 'disabled') {
      if (!exists) {
        throw new ConnectError(
          `Publication "${name}" does not exist and ${PUBLICATION_AUTOCREATE_MODE} is "disabled"; create it (CREATE PUBLICATION ${quoteIdent(name)} FOR ...) or change ${PUBLICATION_AUTOCREATE_MODE}`,
        );
      }
      return;
    }
    const tables = async (): Promise<string> => {
      const list = await capturedTables(sql, config);
      if (list.length === 0) {
        throw new ConnectError(
          `No table matches the filters, so publication "${name}" cannot be created in ${PUBLICATION_AUTOCREATE_MODE}=filtered mode`,
        );
      }
      return list.map((t) => `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`).join(', ');
    };
    try {
      if (!exists) {
        const target =
          mode === 'all_tables'
            ? ' FOR ALL TABLES'
            : mode === 'filtered'
              ? ` FOR TABLE ${await tables()}`
              : '';
        await sql.query(`CREATE PUBLICATION ${quoteIdent(name)}${target}${this.#publishOption(config)}`);
      } else if (mode === 'filtered') {
        await sql.query(`ALTER PUBLICATION ${quoteIdent(name)} SET TABLE ${await tables()}`);
      }
    } catch (err) {
      if (err instanceof ConnectError) throw err;
      throw new ConnectError(`Could not create or alter publication "${name}": ${describePgError(err)}`, {
        cause: err,
      });
    }
  }

  #publishOption(config: PostgresConnectorConfig): string {
    if (config.skippedOperations.size === 0 || config.originals()['skipped.operations'] === undefined)
      return '';
    const ops = [
      ['c', 'insert'],
      ['u', 'update'],
      ['d', 'delete'],
      ['t', 'truncate'],
    ]
      .filter(([op]) => !config.skippedOperations.has(op as 'c'))
      .map(([, name]) => name);
    return ` WITH (publish = ${quoteLiteral(ops.join(', '))})`;
  }

  async #createSlot(
    replication: ReplicationConnection,
    config: PostgresConnectorConfig,
    serverVersion: number,
    exportSnapshot: boolean,
  ): Promise<{ consistentPoint: bigint; snapshotName: string | null }> {
    try {
      const created = await replication.createSlot(config.slotName, {
        temporary: config.dropSlotOnStop,
        exportSnapshot,
        serverVersion,
      });
      return created;
    } catch (err) {
      throw new ConnectError(
        `Could not create replication slot "${config.slotName}": ${describePgError(err)}`,
        { cause: err },
      );
    }
  }

  /**
   * Starts streaming on the current connections. `waitForSlot`: retry while the slot is in use
   * (`slot.max.retries` × `slot.retry.delay.ms`); a reconnect does not, it counts a busy slot
   * as a failed attempt and tries again after its own wait.
   */
  async #startStreaming(waitForSlot = true): Promise<void> {
    const config = this.#config!;
    const replication = this.#replication!;
    const sql = this.#sql!;
    const generation = ++this.#generation;
    this.#stream = new ChangeStream({
      config,
      types: this.#types,
      catalog: this.#sql!,
      partition: this.#partition,
      context: this.#context,
      version: VERSION,
      resume: this.#resume,
    });
    const handler = {
      onFrame: (frame: Buffer) => {
        if (generation === this.#generation) this.#onFrame(frame);
      },
      onError: (err: Error) => {
        if (generation !== this.#generation || this.#stopping) return;
        if (isConnectionLoss(err)) this.#connectionLost(generation, err);
        else
          this.#fail(new ConnectError(`Replication stream failed: ${describePgError(err)}`, { cause: err }));
      },
      onEnd: () => this.#connectionLost(generation, new Error('The server ended the replication stream')),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await replication.startReplication(
          config.slotName,
          this.#startLsn,
          [config.publicationName],
          handler,
        );
        break;
      } catch (err) {
        const inUse = sqlState(err) === '55006';
        if (waitForSlot && inUse && attempt < config.slotMaxRetries && !this.#stopping) {
          await sleep(config.slotRetryDelayMs);
          continue;
        }
        const reason = inUse
          ? `replication slot "${config.slotName}" is in use by another process (tried ${attempt} times)`
          : describePgError(err);
        throw new ConnectError(
          `Failed to start replication stream at ${formatLsn(this.#startLsn)}: ${reason}`,
          {
            cause: err,
          },
        );
      }
    }
    if (this.#stopping) return; // stop() closed the connections meanwhile
    // Either connection ending from here on is a lost connection (see the class comment).
    sql.on('error', (err: Error) => this.#connectionLost(generation, err));
    sql.on('end', () => this.#connectionLost(generation, new Error('The SQL connection ended')));
    this.#streamingStarted = true;
    if (!this.#streamingLogged) {
      this.#streamingLogged = true;
      this.logger.info(
        `Starting streaming: replication slot "${config.slotName}", publication "${config.publicationName}", from LSN ${formatLsn(this.#startLsn)}`,
      );
    }
    this.#lastHeartbeat = Date.now();
    this.#statusTimer = setInterval(() => this.#sendStatus(false), config.statusUpdateIntervalMs);
    this.#statusTimer.unref();
  }

  /**
   * A connection of `generation` was lost while streaming: both connections are closed, and from
   * now on `poll()` reconnects. The stream's state is reset by `poll()` itself (see
   * {@link #tearDown}), so a poll in progress finishes its batch first.
   */
  #connectionLost(generation: number, cause: Error): void {
    if (generation !== this.#generation || this.#stopping) return;
    if (this.#outage !== null) {
      this.#outage.lostAgain ??= cause; // the new connections died while being set up
      return;
    }
    const config = this.#config!;
    const now = Date.now();
    this.#outage = {
      cause,
      lostAt: now,
      attempts: 0,
      nextAttemptAt: now + config.retriableRestartWaitMs,
      tornDown: false,
      lostAgain: null,
    };
    this.logger.warn(
      `Lost the connection to PostgreSQL at ${config.hostname}:${config.port} while streaming (${describePgError(cause)}); ` +
        (config.errorsMaxRetries === 0
          ? 'errors.max.retries=0, so the task fails'
          : `reconnecting in ${config.retriableRestartWaitMs} ms (retriable.restart.connector.wait.ms), ` +
            `up to ${config.errorsMaxRetries === -1 ? 'unlimited' : config.errorsMaxRetries} attempts (errors.max.retries)`),
    );
    // Close both connections now, not at the next poll: a walsender whose client stays connected
    // holds up a server shutdown until everything it sent is confirmed. Their later callbacks
    // are ignored (new generation); a poll in progress sees its queries fail and returns.
    this.#generation++;
    if (this.#statusTimer !== null) clearInterval(this.#statusTimer);
    this.#statusTimer = null;
    void this.#dropConnections();
    this.#wakeUp();
  }

  /**
   * One step of an outage, from `poll()`: tears the old connections down (once), waits for the
   * next attempt (at most one poll interval per call), and makes the attempt when it is due.
   * @throws ConnectError when the attempts are used up or the failure is not a lost connection
   */
  async #whileDisconnected(config: PostgresConnectorConfig, outage: Outage): Promise<void> {
    if (!outage.tornDown) {
      await this.#tearDown(outage);
      if (config.errorsMaxRetries === 0) throw this.#giveUp(config, outage, null);
    }
    const wait = outage.nextAttemptAt - Date.now();
    if (wait > 0) {
      await this.#sleepUnlessWoken(Math.min(wait, config.pollIntervalMs));
      return;
    }
    outage.attempts++;
    try {
      await this.#reconnect(config);
      if (outage.lostAgain !== null) throw outage.lostAgain;
    } catch (err) {
      outage.lostAgain = null;
      this.#generation++; // callbacks of this attempt's connections are stale from here on
      if (this.#statusTimer !== null) clearInterval(this.#statusTimer);
      this.#statusTimer = null;
      this.#resetStream();
      await this.#dropConnections();
      if (this.#stopping) return;
      const exhausted = config.errorsMaxRetries > 0 && outage.attempts >= config.errorsMaxRetries;
      if (!isConnectionLoss(err) || exhausted) throw this.#giveUp(config, outage, err);
      outage.nextAttemptAt = Date.now() + config.retriableRestartWaitMs;
      this.logger.warn(
        `Reconnect attempt ${outage.attempts} to PostgreSQL failed: ${describePgError(err)}; next attempt in ${config.retriableRestartWaitMs} ms`,
      );
      return;
    }
    if (this.#stopping) return;
    this.#outage = null;
    // Confirm what the runtime flushed meanwhile.
    if (this.#flushedWhileDisconnected > this.#confirmedLsn)
      this.#confirmedLsn = this.#flushedWhileDisconnected;
    this.#sendStatus(false);
    this.logger.info(
      `Reconnected to PostgreSQL at ${config.hostname}:${config.port} after ${outage.attempts} attempt(s) in ${Date.now() - outage.lostAt} ms; streaming resumes from slot "${config.slotName}" (start LSN ${formatLsn(this.#startLsn)})`,
    );
  }

  /**
   * Ends the lost session (from `poll()`, so no batch is being decoded): undecoded frames are
   * dropped (the server sends them again), and the position of the last record `poll()` returned
   * becomes the resume filter of the next stream.
   */
  async #tearDown(outage: Outage): Promise<void> {
    const offset = this.#stream?.offset ?? null;
    if (offset !== null) {
      this.#resume = resumePosition(offset);
      this.#startLsn = this.#resume.lastCommitLsn ?? this.#resume.lsn ?? this.#startLsn;
    }
    this.#resetStream();
    await this.#dropConnections();
    outage.tornDown = true;
  }

  /** Forgets the stream and its undecoded frames. */
  #resetStream(): void {
    this.#stream = null;
    this.#frames = [];
    this.#frameHead = 0;
    this.#paused = false;
    // A keepalive of a lost session vouches for frames that were dropped: not for the next one.
    this.#keepaliveLsn = 0n;
  }

  /** Closes the current connections (lost or half-opened ones). */
  async #dropConnections(): Promise<void> {
    const replication = this.#replication;
    const sql = this.#sql;
    this.#replication = null;
    this.#sql = null;
    await Promise.all([replication?.close(), sql?.end().catch(() => {})]);
  }

  /**
   * Opens new connections and starts streaming from the slot with the resume filter. Returns
   * early, leaving nothing open, when the task is stopped meanwhile.
   * @throws the connection error (retried while {@link isConnectionLoss}), or a ConnectError
   *   when the slot is gone
   */
  async #reconnect(config: PostgresConnectorConfig): Promise<void> {
    const options = connectOptions(config);
    const sql = await connectClient(options);
    if (this.#stopping) {
      await sql.end().catch(() => {});
      return;
    }
    this.#sql = sql;
    const slot = await slotState(sql, config.slotName, config.databaseName);
    if (this.#stopping) return;
    if (!slot.exists) {
      throw new ConnectError(
        `Replication slot "${config.slotName}" no longer exists` +
          (config.dropSlotOnStop
            ? ` (with ${DROP_SLOT_ON_STOP_KEY}=true it is a temporary slot, which PostgreSQL dropped with the lost connection)`
            : ' (it was dropped while the connection was lost)') +
          `, so the changes after LSN ${formatLsn(this.#startLsn)} cannot be read from it; restart the connector (snapshot.mode decides whether it takes a new snapshot)`,
      );
    }
    const replication = await ReplicationConnection.open(options);
    if (this.#stopping) {
      await replication.close();
      return;
    }
    this.#replication = replication;
    await this.#startStreaming(false);
  }

  /** The task's failure after an outage it could not recover from. */
  #giveUp(config: PostgresConnectorConfig, outage: Outage, last: unknown): ConnectError {
    const lost = `Lost the connection to PostgreSQL at ${config.hostname}:${config.port} while streaming (${describePgError(outage.cause)})`;
    let message: string;
    if (last === null) message = `${lost} and ${ERRORS_MAX_RETRIES_KEY}=0 disables reconnecting`;
    else if (!isConnectionLoss(last))
      message = `${lost}; reconnecting failed with an error that retrying does not fix: ${describePgError(last)}`;
    else
      message = `${lost} and could not reconnect: ${outage.attempts} attempt(s) failed over ${Date.now() - outage.lostAt} ms (${ERRORS_MAX_RETRIES_KEY}=${config.errorsMaxRetries}, ${RETRIABLE_RESTART_WAIT_MS_KEY}=${config.retriableRestartWaitMs}); last error: ${describePgError(last)}`;
    const failure = new ConnectError(message, { cause: last ?? outage.cause });
    this.#failure = failure;
    return failure;
  }

  /** Waits `ms`, or less when woken ({@link stop}, a lost connection, new frames). */
  #sleepUnlessWoken(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = null;
        resolve();
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  #onFrame(frame: Buffer): void {
    if (frame[0] === 0x6b /* k */) {
      try {
        const keepalive = decodeServerFrame(frame);
        if (keepalive.kind === 'keepalive') {
          if (keepalive.walEnd > this.#receivedLsn) this.#receivedLsn = keepalive.walEnd;
          if (keepalive.walEnd > this.#keepaliveLsn) this.#keepaliveLsn = keepalive.walEnd;
          if (keepalive.replyRequested) this.#sendStatus(false);
        }
      } catch (err) {
        this.#fail(err as Error);
      }
      return;
    }
    this.#frames.push(frame);
    if (!this.#paused && this.#queuedFrames() > this.#config!.maxQueueSize) {
      this.#paused = true;
      this.#replication?.pause();
    }
    this.#wakeUp();
  }

  #queuedFrames(): number {
    return this.#frames.length - this.#frameHead;
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    this.#wakeUp();
  }

  #sendStatus(replyRequested: boolean): void {
    const replication = this.#replication;
    if (replication === null || !this.#streamingStarted || this.#outage !== null) return;
    const now = BigInt(Date.now()) * 1000n;
    const flushed = this.#confirmedLsn;
    let written = flushed;
    if (this.#receivedLsn > written) written = this.#receivedLsn;
    replication.sendCopyData(encodeStandbyStatusUpdate(written, flushed, flushed, now, replyRequested));
  }

  /**
   * Polls; when the task fails (the error `poll` throws FAILS it), its connections are closed
   * before the error is thrown, so the replication slot is released at once rather than when the
   * runtime gets round to stop() (a FAILED task must not hold the slot and its WAL).
   */
  async poll(): Promise<SourceRecord[] | null> {
    try {
      return await this.#poll();
    } catch (err) {
      // A RetriableError makes the runtime poll again; anything else fails the task.
      if (!(err instanceof RetriableError)) {
        if (this.#snapshot !== null) {
          this.#dbz?.snapshotAborted();
          this.#progress?.aborted((err as Error).message);
          this.#progress = null;
        }
        this.#failure ??= err as Error;
        await this.stop();
      }
      throw err;
    }
  }

  async #poll(): Promise<SourceRecord[] | null> {
    if (this.#failure !== null) throw this.#failure;
    const config = this.#config;
    if (config === null || this.#stopping) return null;
    if (this.#snapshot !== null) {
      // A lost connection during the snapshot fails the task (Debezium does the same): the
      // snapshot's transaction lives on that connection, and a restart takes the snapshot again.
      const records = await this.#snapshot.next(config.maxBatchSize);
      this.#dbz?.snapshotRecords(records);
      if (this.#snapshot.done) {
        await this.#sql!.query('COMMIT');
        this.#snapshot = null;
        this.#dbz?.snapshotCompleted();
        this.#progress?.completed();
        this.#progress = null;
        if (!this.#noStreaming) {
          try {
            await this.#startStreaming();
          } catch (err) {
            // The snapshot is complete; a replication connection lost while it ran is reconnected
            // like one lost while streaming (the slot keeps the position, unless it was temporary).
            if (!isConnectionLoss(err) || this.#stopping) throw err;
            this.#streamingStarted = true;
            this.#connectionLost(this.#generation, err as Error);
          }
        }
      }
      if (records.length > 0) return records;
    }
    const outage = this.#outage;
    if (outage !== null) {
      await this.#whileDisconnected(config, outage);
      return null;
    }
    if (this.#stream === null) {
      await sleep(config.pollIntervalMs);
      return null;
    }
    const out: SourceRecord[] = [];
    try {
      await this.#drain(out, config.maxBatchSize);
      if (out.length === 0 && !this.#stopping && this.#failure === null && this.#outage === null) {
        await this.#sleepUnlessWoken(config.pollIntervalMs);
        await this.#drain(out, config.maxBatchSize);
      }
      await this.#maybeHeartbeat(out);
    } catch (err) {
      // A catalog lookup or the heartbeat query on a lost SQL connection: the records decoded so
      // far are returned, and the next poll reconnects.
      if (!isConnectionLoss(err) || this.#stopping) throw err;
      this.#connectionLost(this.#generation, err as Error);
    }
    if (this.#failure !== null && out.length === 0) throw this.#failure;
    this.#dbz?.streamRecords(out);
    return out.length > 0 ? out : null;
  }

  async #drain(out: SourceRecord[], max: number): Promise<void> {
    const stream = this.#stream!;
    while (
      out.length < max &&
      this.#frameHead < this.#frames.length &&
      this.#failure === null &&
      this.#outage === null
    ) {
      const frame = this.#frames[this.#frameHead]!;
      this.#frames[this.#frameHead++] = EMPTY_FRAME;
      const decoded = decodeServerFrame(frame);
      if (decoded.kind !== 'xlogdata') continue;
      if (decoded.walEnd > this.#receivedLsn) this.#receivedLsn = decoded.walEnd;
      const message = decodePgOutput(decoded.payload);
      await stream.process(message, decoded.walStart, out);
      if (message.type === 'commit') await this.#maybeHeartbeat(out);
    }
    if (this.#frameHead === this.#frames.length) {
      this.#frames = [];
      this.#frameHead = 0;
    } else if (this.#frameHead > 4096) {
      this.#frames = this.#frames.slice(this.#frameHead);
      this.#frameHead = 0;
    }
    if (this.#paused && this.#queuedFrames() <= this.#config!.maxQueueSize / 2) {
      this.#paused = false;
      this.#replication?.resume();
    }
  }

  /**
   * Every `heartbeat.interval.ms` (checked on each poll and after each commit): runs
   * `heartbeat.action.query` (outside a transaction), then emits a heartbeat record on
   * `__debezium-heartbeat.<topic.prefix>` carrying the current offset. When nothing is waiting
   * to be decoded, the offset first moves to the server's last keepalive position, so an idle
   * database (or one busy only with tables that are not captured) still lets the slot advance
   * once the heartbeat's offset is flushed. Each heartbeat also asks the server for a keepalive,
   * so the next one knows a fresh position.
   */
  async #maybeHeartbeat(out: SourceRecord[]): Promise<void> {
    const config = this.#config!;
    if (config.heartbeatIntervalMs <= 0 || Date.now() - this.#lastHeartbeat < config.heartbeatIntervalMs)
      return;
    this.#lastHeartbeat = Date.now();
    const stream = this.#stream;
    if (stream === null || stream.inTransaction || this.#outage !== null) return;
    if (config.heartbeatActionQuery !== null && this.#sql !== null) {
      try {
        await this.#sql.query(config.heartbeatActionQuery);
      } catch (err) {
        throw new ConnectError(
          `heartbeat.action.query failed (${config.heartbeatActionQuery}): ${describePgError(err)}`,
          { cause: err },
        );
      }
    }
    if (this.#queuedFrames() === 0 && this.#keepaliveLsn > 0n) stream.advanceIdle(this.#keepaliveLsn);
    this.#sendStatus(true);
    const offset = stream.offset;
    if (offset === null) return;
    out.push(heartbeatRecord(config.heartbeatTopic, config.topicPrefix, this.#partition, offset));
  }

  /**
   * Confirms to PostgreSQL the position of the offset the runtime has flushed: its `lsn_commit`,
   * else `lsn_proc`. Never moves backwards; does nothing before streaming has started.
   *
   * The runtime's last offset flush (and so its last `commit()`) comes *after* `stop()`
   * (`WorkerSourceTask` stops the task to end a blocking poll, then flushes). By then the
   * replication connection is closed, so the position is confirmed on an ordinary connection with
   * `pg_replication_slot_advance` once the walsender has released the slot. Without this, the
   * changes of the last flush interval would be sent again on the next start.
   */
  override async commit(): Promise<void> {
    if (!this.#streamingStarted) return;
    const stored = await this.context.offsetStorageReader().offset(this.#partition);
    if (stored === null) return;
    const lsn = lsnFromOffset(stored.lsn_commit) ?? lsnFromOffset(stored.lsn_proc);
    if (lsn === null || lsn <= this.#confirmedLsn) return;
    if (!this.#stopping && this.#outage !== null) {
      // Kept, and confirmed once streaming runs again (or after stop, on an ordinary connection).
      if (lsn > this.#flushedWhileDisconnected) this.#flushedWhileDisconnected = lsn;
      return;
    }
    if (!this.#stopping && this.#replication !== null) {
      this.#confirmedLsn = lsn;
      this.#sendStatus(false);
      return;
    }
    if (this.#closed !== null) await this.#closed;
    const config = this.#config;
    if (config === null || config.dropSlotOnStop) return; // the slot is gone with the task
    await this.#advanceSlot(config, lsn);
  }

  /** Confirms `lsn` for the slot from an ordinary connection (after the stream has closed). */
  async #advanceSlot(config: PostgresConnectorConfig, lsn: bigint): Promise<void> {
    let sql: pg.Client;
    try {
      sql = await connectClient(connectOptions(config));
    } catch {
      return; // the next start resumes from the stored offset; the server re-sends, we filter
    }
    try {
      for (let attempt = 0; attempt < 50; attempt++) {
        const slot = await slotState(sql, config.slotName, config.databaseName);
        if (!slot.exists || (slot.confirmedFlushLsn !== null && slot.confirmedFlushLsn >= lsn)) return;
        if (!slot.active) {
          try {
            await sql.query({
              text: 'SELECT pg_catalog.pg_replication_slot_advance($1, $2::pg_lsn)',
              values: [config.slotName, formatLsn(lsn)],
            });
            this.#confirmedLsn = lsn;
            return;
          } catch (err) {
            if (sqlState(err) !== '55006') {
              throw new ConnectError(
                `Could not confirm LSN ${formatLsn(lsn)} for slot "${config.slotName}" after stop: ${describePgError(err)}`,
                { cause: err },
              );
            }
          }
        }
        await sleep(100); // the walsender of the closed stream still holds the slot
      }
    } finally {
      await sql.end().catch(() => {});
    }
  }

  async stop(): Promise<void> {
    if (this.#stopping) {
      await this.#closed;
      return;
    }
    this.#stopping = true;
    this.#wakeUp();
    this.#closed = this.#closeConnections();
    await this.#closed;
  }

  async #closeConnections(): Promise<void> {
    if (this.#statusTimer !== null) clearInterval(this.#statusTimer);
    this.#statusTimer = null;
    const config = this.#config;
    const replication = this.#replication;
    this.#replication = null;
    if (replication !== null) {
      if (this.#streamingStarted) this.#sendStatus(false);
      await replication.close();
    }
    const sql = this.#sql;
    this.#sql = null;
    if (sql !== null) {
      if (config?.dropSlotOnStop && !this.#createdSlot) await dropSlot(sql, config.slotName);
      else if (config?.dropSlotOnStop) {
        // A slot made by this task with slot.drop.on.stop is TEMPORARY: it goes when its
        // walsender exits, a moment after the connection closed. Wait for that (briefly), so the
        // slot is gone when stop() returns.
        for (let i = 0; i < 50; i++) {
          const res = await sql
            .query({
              text: 'SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = $1',
              values: [config.slotName],
            })
            .catch(() => ({ rows: [] }));
          if (res.rows.length === 0) break;
          await sleep(20);
        }
      }
      await sql.end().catch(() => {});
    }
  }
}

/** Drops a replication slot, waiting briefly for its walsender to release it. */
export async function dropSlot(sql: pg.Client, slot: string): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      await sql.query({
        text: 'SELECT pg_catalog.pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = $1',
        values: [slot],
      });
      return;
    } catch (err) {
      if (sqlState(err) !== '55006') throw err;
      await sleep(100);
    }
  }
}
