/**
 * Debezium's snapshot and streaming metrics through the worker's plugin metrics: a real
 * PostgreSQL, a standalone worker on the embedded log; after a 300-row snapshot and 20 streamed
 * inserts in two transactions, `/metrics` text holds Debezium's names (as its JMX exporter
 * configuration maps them) with the counts the topic holds.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { builtinPlugins } from '@sluice/cli';
import { parseConnectorConfigFile, StandaloneHerder } from '@sluice/runtime';
import { promtoolCheckMetrics } from '@sluice/testing';
import { pino } from 'pino';
import { readTopic, seedConnectorJson, seedDatabase, topicExists } from './worker-harness.ts';

test('the PostgreSQL task exposes Debezium snapshot and streaming metrics', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-pg-metrics-'));
  const db = await seedDatabase();
  const herder = await StandaloneHerder.create(
    {
      'key.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'value.converter': 'org.apache.kafka.connect.json.JsonConverter',
      'offset.storage.file.filename': join(dir, 'connect.offsets'),
      'embedded.log.dir': join(dir, 'data'),
      listeners: 'http://127.0.0.1:0',
    },
    { logger: pino({ level: 'warn' }), plugins: builtinPlugins() },
  );
  try {
    await db.sql.query(`CREATE TABLE items (id int PRIMARY KEY, label text);
      INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 300) g;
      CREATE TABLE empty_one (id int PRIMARY KEY);`);
    await herder.start();
    const { name, config } = parseConnectorConfigFile(seedConnectorJson(db.server), 'connector.json');
    await herder.putConnectorConfig(name, config, { allowReplace: false });
    const topic = 'dbserver1.public.items';
    const waitCount = async (count: number): Promise<void> => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        const status = await herder.connectorStatus(name);
        const failed = [status.connector, ...status.tasks].find((s) => s.state === 'FAILED');
        if (failed !== undefined) throw new Error(`FAILED: ${failed.trace}`);
        if ((await topicExists(herder.log, topic)) && (await readTopic(herder.log, topic)).length >= count)
          return;
        assert.ok(Date.now() < deadline, `${topic} did not reach ${count} records`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    await waitCount(300);
    const metric = (text: string, metricName: string, labels: string): number => {
      const prefix = `${metricName}{connector="${name}",task="0",${labels}} `;
      const line = text.split('\n').find((l) => l.startsWith(prefix));
      assert.ok(
        line !== undefined,
        `${prefix} missing:\n${text
          .split('\n')
          .filter((l) => l.startsWith('debezium'))
          .join('\n')}`,
      );
      return Number(line.slice(prefix.length));
    };
    const snap = 'plugin="postgres",name="dbserver1",context="snapshot"';
    const stream = 'plugin="postgres",name="dbserver1",context="streaming"';
    let text = herder.metrics.connectText();
    assert.equal(metric(text, 'debezium_metrics_RowsScanned', `${snap},table="public.items"`), 300);
    assert.equal(metric(text, 'debezium_metrics_RowsScanned', `${snap},table="public.empty_one"`), 0);
    assert.equal(metric(text, 'debezium_metrics_TotalTableCount', snap), 2);
    assert.equal(metric(text, 'debezium_metrics_TotalNumberOfEventsSeen', snap), 300);

    await db.sql.query(`INSERT INTO items SELECT g, 'new ' || g FROM generate_series(301, 310) g`);
    await db.sql.query(`INSERT INTO items SELECT g, 'new ' || g FROM generate_series(311, 320) g`);
    await waitCount(320);
    // The snapshot's completion is recorded by the poll that returns its last batch.
    text = herder.metrics.connectText();
    assert.equal(metric(text, 'debezium_metrics_SnapshotCompleted', snap), 1);
    assert.equal(metric(text, 'debezium_metrics_SnapshotRunning', snap), 0);
    assert.equal(metric(text, 'debezium_metrics_RemainingTableCount', snap), 0);
    assert.equal(metric(text, 'debezium_metrics_TotalNumberOfEventsSeen', stream), 20);
    assert.equal(metric(text, 'debezium_metrics_TotalNumberOfCreateEventsSeen', stream), 20);
    assert.equal(metric(text, 'debezium_metrics_NumberOfCommittedTransactions', stream), 2);
    assert.equal(metric(text, 'debezium_metrics_Connected', stream), 1);
    const behind = metric(text, 'debezium_metrics_MilliSecondsBehindSource', stream);
    assert.ok(behind >= 0 && behind < 60_000, `MilliSecondsBehindSource ${behind}`);
    assert.ok(metric(text, 'debezium_metrics_QueueTotalCapacity', stream) > 0);
    // Prometheus parses it; the lint is only about Debezium's and Kafka's own names.
    const check = await promtoolCheckMetrics(text);
    assert.ok(check.code === 0 || check.code === 3, `promtool exit ${check.code}: ${check.output}`);
    const accepted = [
      /^debezium_metrics_[A-Za-z]+ metric names should be written in 'snake_case' not 'camelCase'$/,
      /^debezium_metrics_TotalTableCount non-histogram and non-summary metrics should not have "_count" suffix$/,
      /^debezium_metrics_RemainingTableCount non-histogram and non-summary metrics should not have "_count" suffix$/,
      /^debezium_metrics_\S+ counter metrics should have "_total" suffix$/,
      /^kafka_connect_\S+_ms metric names should not contain abbreviated units$/,
      /^kafka_connect_\S+_count non-histogram and non-summary metrics should not have "_count" suffix$/,
    ];
    const lint = check.output
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !accepted.some((re) => re.test(l)));
    assert.deepEqual(lint, [], check.output);
  } finally {
    await herder.stop();
    await db.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
});
