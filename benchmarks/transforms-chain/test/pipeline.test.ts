/**
 * The benchmark's own correctness: the hand-computed expected envelopes agree with what the real
 * transforms and JsonConverter produce, they differ from an untransformed record (so the check
 * can fail), and a short worker run lands every record transformed as configured.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SourceRecord } from '@sluice/api';
import { JsonConverter } from '@sluice/converters';
import {
  BenchRowSourceTask,
  buildChain,
  CHAIN_LENGTHS,
  canonicalJson,
  type Envelope,
  expectedEnvelope,
  POOL_SIZE,
  ROW_SCHEMA,
  row,
  targetTopic,
} from '../pipeline.ts';
import type { WorkerArgs, WorkerResult } from '../worker.ts';

const root = path.resolve(import.meta.dirname, '../../..');

function converter(): JsonConverter {
  const c = new JsonConverter();
  c.configure({ 'schemas.enable': 'true' }, false);
  return c;
}

function envelope(bytes: Uint8Array | null): Envelope {
  assert.ok(bytes !== null);
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as Envelope;
}

test('the expected envelopes equal what the real transforms and JsonConverter produce', () => {
  const c = converter();
  for (const chain of CHAIN_LENGTHS) {
    const chainTransforms = buildChain(chain).map((step) => step.transform);
    assert.equal(chainTransforms.length, chain);
    for (const n of [0, 1, 5, 77, POOL_SIZE - 1]) {
      let record: SourceRecord | null = new SourceRecord({
        sourcePartition: {},
        sourceOffset: {},
        topic: 'rows',
        valueSchema: ROW_SCHEMA,
        value: row(n),
      });
      for (const t of chainTransforms) record = record === null ? null : t.apply(record);
      assert.ok(record !== null);
      assert.equal(record.topic, targetTopic('rows', chain));
      const actual = envelope(c.fromConnectData(record.topic, record.valueSchema, record.value));
      const original = envelope(c.fromConnectData('rows', ROW_SCHEMA, row(n)));
      assert.equal(canonicalJson(actual), canonicalJson(expectedEnvelope(original, chain)), `row ${n}`);
    }
  }
});

test('each chain expects something the shorter chain does not, so a no-op transform fails the check', () => {
  const original = envelope(converter().fromConnectData('rows', ROW_SCHEMA, row(3)));
  const texts = CHAIN_LENGTHS.map((chain) => canonicalJson(expectedEnvelope(original, chain)));
  assert.equal(new Set(texts).size, CHAIN_LENGTHS.length);
  assert.equal(texts[0], canonicalJson(original));
  // The row is realistic: about 200-300 bytes of payload.
  const payload = JSON.stringify(original.payload).length;
  assert.ok(payload >= 200 && payload <= 300, `payload is ${payload} bytes`);
});

test('the source task emits exactly `records` records in batches, then nothing', async () => {
  const task = new BenchRowSourceTask();
  task.start({ topic: 't', records: '2500', 'batch.size': '1000' });
  const sizes: number[] = [];
  for (;;) {
    const batch = await task.poll();
    if (batch === null) break;
    sizes.push(batch.length);
  }
  assert.deepEqual(sizes, [1000, 1000, 500]);
  task.stop();
});

test('bad source settings name the key', () => {
  const task = new BenchRowSourceTask();
  assert.throws(() => task.start({ topic: 't', records: '0' }), /records/);
  assert.throws(() => task.start({ records: '10' }), /topic/);
});

test('a short worker run on the embedded log lands every record transformed, for each chain', () => {
  for (const chain of CHAIN_LENGTHS) {
    const dir = mkdtempSync(path.join(tmpdir(), 'sluice-bench-smt-'));
    try {
      const args: WorkerArgs = {
        backend: 'embedded',
        chain,
        records: 20_000,
        batchSize: 500,
        dir,
        topic: 'rows',
        pollMs: 10,
        timeoutMs: 60_000,
        samples: 20,
      };
      const r = spawnSync(
        'bash',
        [
          path.join(root, 'scripts/run-node.sh'),
          path.join(root, 'benchmarks/transforms-chain/worker.ts'),
          JSON.stringify(args),
        ],
        { cwd: root, encoding: 'utf8', timeout: 120_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      const result = JSON.parse(r.stdout.trim().split('\n').pop()!) as WorkerResult;
      // This short run checks the records, not the rate: on a fast run the source can land more than
      // a tenth of 20,000 records before the monitor's first look, which the benchmark reports as
      // an unmeasured rate (a problem for a measurement, not for what lands).
      const unmeasured = /the monitor did not get to run, the rate is not measured$/;
      assert.deepEqual(
        result.problems.filter((p) => !unmeasured.test(p)),
        [],
      );
      assert.equal(result.chain, chain);
      assert.equal(result.finalEndOffset, 20_000);
      assert.equal(result.checkedOffsets, 24);
      assert.ok(result.rate > 0 && result.cpuUsPerRecord > 0 && result.peakRssKb > 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});
