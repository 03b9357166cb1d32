/**
 * Crash safety of the whole path PostgreSQL → connector → worker → Kafka: a `sluice standalone`
 * worker process streams 100,000 row changes, is killed with SIGKILL mid-stream and started
 * again. Checked:
 *
 * - every change arrives (by primary key and value);
 * - the first run's records are each there once; the second run starts exactly after the
 *   offset that was flushed last before the kill (it re-sends the first run's records after that
 *   offset, in the same order, and nothing before it), and then goes on without duplicates;
 * - at every sample taken while the workers run, the slot's `confirmed_flush_lsn` is covered by
 *   what Kafka holds: no later than the commit position (`source.sequence[0]`, else `source.lsn`)
 *   of a record already in the topic, and no later than the `lsn_commit` in the offsets file.
 *   The slot is read first, the topic and the file after, so a sample can only be lenient by the
 *   few milliseconds between the reads, never report a false violation.
 *
 * The worker runs as `node packages/cli/bin/sluice.mjs standalone worker.properties
 * connector.json` with SLUICE_NODE set to this Node, so the signal hits the worker itself.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PlatformaticLogClient } from '@sluice/runtime';
import { uniqueName, useKafka, WorkerProcess } from '@sluice/testing';
import pg from 'pg';
import { confirmedFlushLsn, useTestDatabase } from './harness.ts';
import { readTopic } from './worker-harness.ts';

const CHANGES = Number(process.env.SLUICE_CRASH_CHANGES ?? 100_000);
const PER_TX = 100;
/** Share of the changes that are inserts; the rest update those rows (v 0 → 1). */
const INSERTS = Math.round((CHANGES * 0.8) / PER_TX) * PER_TX;
const UPDATES = CHANGES - INSERTS;
/** The kill comes once this many records are in the topic (and an offset was flushed). */
const KILL_AFTER = Math.floor(CHANGES * 0.3);

const db = useTestDatabase();
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-pg-crash-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An error was logged (a failed task keeps its worker running). */
const failed = (w: WorkerProcess): boolean => /"level":"(ERROR|FATAL)"/.test(w.output());

/** One change as the test identifies it: operation, primary key, value. */
type Change = string;

interface Seen {
  change: Change;
  /** The commit position the record vouches for: `sequence[0]`, else its own LSN. */
  covers: bigint;
  lsn: number;
  txId: number;
}

interface Envelope {
  after: { id: number; v: number } | null;
  op: string;
  source: { lsn: number; txId: number; sequence: string | null };
}

function decode(value: Buffer | null): Seen {
  if (value === null) throw new Error('unexpected tombstone');
  const e = JSON.parse(value.toString('utf8')) as Envelope;
  if (e.after === null) throw new Error(`unexpected event ${JSON.stringify(e)}`);
  const sequence = e.source.sequence === null ? null : (JSON.parse(e.source.sequence) as (string | null)[]);
  const lastCommit = sequence?.[0] ?? null;
  return {
    change: `${e.op}:${e.after.id}:${e.after.v}`,
    covers: BigInt(lastCommit ?? e.source.lsn),
    lsn: e.source.lsn,
    txId: e.source.txId,
  };
}

interface Sample {
  run: 1 | 2;
  confirmed: bigint;
  /** Highest commit position vouched for by a record in the topic, read after `confirmed`. */
  covered: bigint | null;
  /** `lsn_commit` (else `lsn_proc`) of the offsets file, read after `confirmed`. */
  fileLsn: bigint | null;
  records: number;
}

test(`kill -9 while streaming ${CHANGES} changes, then restart: nothing lost, duplicates only after the flushed offset, the slot never ahead of Kafka`, async (t) => {
  const kafka = await useKafka();
  const log = new PlatformaticLogClient({ bootstrapServers: kafka.bootstrapServers, clientId: 'crash-test' });
  const monitor = new pg.Client({ connectionString: db.server.connectionString });
  await monitor.connect();
  const writer = db.sql;
  const workers: WorkerProcess[] = [];
  try {
    const prefix = uniqueName('crash');
    const table = 'rows_changed';
    const topic = `${prefix}.public.${table}`;
    await writer.query(`CREATE TABLE ${table} (id int PRIMARY KEY, v int NOT NULL)`);
    await log.createTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);

    const connectorName = 'pg-crash';
    const config = db.config({ 'topic.prefix': prefix, 'table.include.list': `public.${table}` });
    const slot = config['slot.name']!;
    const offsetsFile = join(dir, 'connect.offsets');
    const workerFile = join(dir, 'worker.properties');
    await writeFile(
      workerFile,
      [
        `bootstrap.servers=${kafka.bootstrapServers}`,
        'key.converter=org.apache.kafka.connect.json.JsonConverter',
        'key.converter.schemas.enable=false',
        'value.converter=org.apache.kafka.connect.json.JsonConverter',
        'value.converter.schemas.enable=false',
        `offset.storage.file.filename=${offsetsFile}`,
        'offset.flush.interval.ms=500',
        'listeners=http://127.0.0.1:0',
        '',
      ].join('\n'),
    );
    const connectorFile = join(dir, 'connector.json');
    await writeFile(connectorFile, JSON.stringify({ name: connectorName, config }));
    const offsetKey = JSON.stringify([connectorName, { server: prefix }]);
    const flushedOffset = async (): Promise<Record<string, unknown> | null> => {
      const text = await readFile(offsetsFile, 'utf8').catch(() => null);
      if (text === null) return null;
      const entry = (JSON.parse(text) as { offsets: [string, string][] }).offsets.find(
        ([k]) => k === offsetKey,
      );
      return entry === undefined ? null : (JSON.parse(entry[1]) as Record<string, unknown>);
    };
    const confirmedFlush = (): Promise<bigint | null> => confirmedFlushLsn(monitor, slot);

    // The topic as read so far, and the samples.
    const seen: Seen[] = [];
    let covered: bigint | null = null;
    const readMore = async (): Promise<void> => {
      for (const r of await readTopic(log, topic, seen.length)) {
        const s = decode(r.value);
        seen.push(s);
        if (covered === null || s.covers > covered) covered = s.covers;
      }
    };
    const samples: Sample[] = [];
    const sample = async (run: 1 | 2): Promise<void> => {
      const confirmed = await confirmedFlush();
      if (confirmed === null) return; // the slot is not created yet
      const offset = await flushedOffset();
      await readMore();
      const fileLsn = offset === null ? null : BigInt((offset.lsn_commit ?? offset.lsn_proc) as number);
      samples.push({ run, confirmed, covered, fileLsn, records: seen.length });
    };

    // Run 1.
    const w1 = WorkerProcess.standalone([workerFile, connectorFile], { logLevel: 'WARN', logFormat: 'json' });
    workers.push(w1);
    let slotAtStart: bigint | null = null;
    for (let deadline = Date.now() + 60_000; slotAtStart === null; ) {
      if (Date.now() > deadline) assert.fail(`the slot was never created:\n${w1.outputTail()}`);
      if (w1.child.exitCode !== null || failed(w1))
        assert.fail(`worker exited or failed:\n${w1.outputTail()}`);
      slotAtStart = await confirmedFlush();
      if (slotAtStart === null) await new Promise((r) => setTimeout(r, 100));
    }
    // The slot exists, so the stream captures everything from here on. Write in the background.
    const writing = (async () => {
      for (let first = 0; first < INSERTS; first += PER_TX) {
        await writer.query(
          `BEGIN; INSERT INTO ${table} SELECT g, 0 FROM generate_series(${first}, ${first + PER_TX - 1}) g; COMMIT`,
        );
      }
      for (let first = 0; first < UPDATES; first += PER_TX) {
        await writer.query(
          `BEGIN; UPDATE ${table} SET v = v + 1 WHERE id >= ${first} AND id < ${first + PER_TX}; COMMIT`,
        );
      }
    })();
    writing.catch(() => {});

    for (let deadline = Date.now() + 90_000; ; ) {
      if (Date.now() > deadline) assert.fail(`run 1 stalled at ${seen.length} records:\n${w1.outputTail()}`);
      if (w1.child.exitCode !== null || failed(w1))
        assert.fail(`worker exited or failed:\n${w1.outputTail()}`);
      await sample(1);
      if (seen.length >= KILL_AFTER && (await flushedOffset()) !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    w1.child.kill('SIGKILL');
    assert.equal((await w1.exit()).signal, 'SIGKILL');
    const flushed = await flushedOffset();
    assert.ok(flushed !== null, 'an offset was flushed before the kill');
    await readMore();
    const firstRun = seen.slice();
    const afterKill = await confirmedFlush();
    assert.ok(firstRun.length < CHANGES, `the kill came too late (${firstRun.length} records already out)`);
    const flushedLsn = BigInt((flushed.lsn_commit ?? flushed.lsn_proc) as number);
    assert.ok(
      afterKill !== null && afterKill <= flushedLsn,
      `after the kill the slot is at ${afterKill}, beyond the flushed offset's ${flushedLsn}`,
    );

    // Where the flushed offset is in the topic: the record with its LSN in its transaction.
    const flushedAt = firstRun.findIndex((s) => s.lsn === flushed.lsn && s.txId === flushed.txId);
    assert.ok(flushedAt >= 0, `the flushed offset ${JSON.stringify(flushed)} names no record of the topic`);

    // Run 2, while the writer may still be going.
    const w2 = WorkerProcess.standalone([workerFile, connectorFile], { logLevel: 'WARN', logFormat: 'json' });
    workers.push(w2);
    const distinct = (): number => new Set(seen.map((s) => s.change)).size;
    for (let deadline = Date.now() + 120_000; ; ) {
      if (Date.now() > deadline) assert.fail(`run 2 stalled at ${distinct()} changes:\n${w2.outputTail()}`);
      if (w2.child.exitCode !== null || failed(w2))
        assert.fail(`worker exited or failed:\n${w2.outputTail()}`);
      await sample(2);
      if (seen.length >= CHANGES && distinct() === CHANGES) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await writing;
    await new Promise((r) => setTimeout(r, 1500)); // a flush, and time for anything extra to show
    await sample(2);
    w2.child.kill('SIGTERM');
    const exit = await w2.exit();
    assert.equal(exit.code, 0, `graceful stop:\n${w2.outputTail()}`);
    await readMore();

    // Every change, by key and value.
    const expected = new Set<Change>();
    for (let id = 0; id < INSERTS; id++) expected.add(`c:${id}:0`);
    for (let id = 0; id < UPDATES; id++) expected.add(`u:${id}:1`);
    const arrived = new Set(seen.map((s) => s.change));
    const missing = [...expected].filter((c) => !arrived.has(c));
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} changes lost`);
    assert.equal(arrived.size, expected.size, 'no change that was not made');

    // Duplicates only after the flushed offset: run 1 without duplicates; run 2 re-sends exactly
    // run 1's records after the flushed one, in order, then only new changes.
    const changesOf = (list: Seen[]) => list.map((s) => s.change);
    assert.equal(new Set(changesOf(firstRun)).size, firstRun.length, 'run 1 delivered a change twice');
    const secondRun = seen.slice(firstRun.length);
    const replayed = firstRun.length - flushedAt - 1;
    assert.deepEqual(
      changesOf(secondRun.slice(0, replayed)),
      changesOf(firstRun.slice(flushedAt + 1)),
      'run 2 re-sends what followed the flushed offset, and nothing before it',
    );
    const fresh = changesOf(secondRun.slice(replayed));
    const inFirst = new Set(changesOf(firstRun));
    assert.equal(fresh.filter((c) => inFirst.has(c)).length, 0, 'run 2 repeated a change after the replay');
    assert.equal(new Set(fresh).size, fresh.length, 'run 2 delivered a change twice');
    assert.equal(seen.length, CHANGES + replayed);

    const streaming = samples.filter((s) => s.confirmed !== slotAtStart);
    t.diagnostic(
      `killed at ${firstRun.length} records, flushed offset at record ${flushedAt}, ${replayed} re-sent; ` +
        `${samples.length} samples, ${streaming.length} after the slot first moved`,
    );

    // The slot never ahead of what Kafka held, nor of the flushed offsets.
    assert.ok(
      samples.filter((s) => s.run === 1).length >= 5 && samples.filter((s) => s.run === 2).length >= 5,
      `too few samples (${samples.length})`,
    );
    assert.ok(
      streaming.some((s) => s.run === 1) && streaming.some((s) => s.run === 2),
      'the slot moved during both runs',
    );
    for (const s of streaming) {
      assert.ok(
        s.covered !== null && s.confirmed <= s.covered,
        `run ${s.run}: confirmed_flush_lsn ${s.confirmed} passes what the topic held (${s.covered}, ${s.records} records)`,
      );
      assert.ok(
        s.fileLsn !== null && s.confirmed <= s.fileLsn,
        `run ${s.run}: confirmed_flush_lsn ${s.confirmed} passes the flushed offset (${s.fileLsn})`,
      );
    }
    const finalOffset = await flushedOffset();
    const finalSlot = await confirmedFlush();
    const finalLsn = BigInt((finalOffset!.lsn_commit ?? finalOffset!.lsn_proc) as number);
    assert.ok(
      finalSlot !== null && finalSlot <= finalLsn,
      `after the graceful stop the slot (${finalSlot}) passes the last flushed offset (${finalLsn})`,
    );
  } finally {
    for (const w of workers)
      if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exit()));
    await monitor.end().catch(() => {});
    await log.close();
  }
});
