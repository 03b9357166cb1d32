/**
 * `docs/metrics.md` and the exposition agree: every row of its "Every metric" table is exposed with
 * its type by a standalone worker running a FileStream source and sink, and every `kafka_connect_*`
 * / `kafka_consumer_*` name the worker exposes has a row. The rows a standalone file pipeline
 * cannot show (the rebalance group, written by distributed workers; `transaction-size-*`, written by
 * exactly-once tasks) are checked by `rebalance-metrics.test.ts` and `exactly-once-tasks.test.ts`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { uniqueName, waitFor } from '@sluice/testing';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';

const tempDir = useTempDirs('sluice-documented-metrics-');

/** Prometheus name → type, from the table under "## Every metric" in docs/metrics.md. */
function documentedMetrics(): Map<string, string> {
  const doc = readFileSync(new URL('../../../../docs/metrics.md', import.meta.url), 'utf8');
  const section = doc.split(/^## Every metric$/m)[1]?.split(/^## /m)[0];
  assert.ok(section, 'docs/metrics.md has an "Every metric" section');
  const rows = new Map<string, string>();
  for (const line of section.split('\n')) {
    const m = /^\| `([a-z_]+)` \|.*\| (counter|gauge|untyped) \|$/.exec(line);
    if (m) rows.set(m[1]!, m[2]!);
  }
  assert.ok(rows.size > 50, `only ${rows.size} rows read from docs/metrics.md`);
  return rows;
}

/**
 * Shown only by distributed workers, exactly-once tasks, or tasks with transforms and predicates
 * (tested in their own files; the transform and predicate rows by `jmx-golden.test.ts`, the
 * coordinator rows by `rebalance-metrics.test.ts`).
 */
const NOT_IN_A_STANDALONE_FILE_PIPELINE =
  /^kafka_connect_(worker_rebalance|coordinator)_|^kafka_connect_source_task_transaction_size_|^kafka_connect_connector_(transform|predicate)_/;

test('every metric docs/metrics.md lists is exposed with its type, and every exposed one is listed', async () => {
  const documented = documentedMetrics();
  const dir = await tempDir();
  const herder = await startTestHerder({ dir });
  try {
    const lines = Array.from({ length: 200 }, (_, i) => `line-${i}`);
    await writeFile(join(dir, 'in.txt'), `${lines.join('\n')}\n`);
    const topic = uniqueName('documented');
    await herder.putConnectorConfig(
      'src',
      { 'connector.class': 'FileStreamSource', file: join(dir, 'in.txt'), topic },
      { allowReplace: false },
    );
    await herder.putConnectorConfig(
      'sink',
      { 'connector.class': 'FileStreamSink', file: join(dir, 'out.txt'), topics: topic },
      { allowReplace: false },
    );
    await waitFor('every line copied by the sink', async () => {
      const out = await readFile(join(dir, 'out.txt'), 'utf8').catch(() => '');
      return out.split('\n').filter((l) => l !== '').length === lines.length;
    });
    const exposed = new Map<string, string>();
    for (const m of herder.metrics.connectText().matchAll(/^# TYPE (\S+) (\S+)$/gm))
      exposed.set(m[1]!, m[2]!);

    const missing = [...documented.keys()].filter(
      (name) => !exposed.has(name) && !NOT_IN_A_STANDALONE_FILE_PIPELINE.test(name),
    );
    assert.deepEqual(missing, [], 'documented in docs/metrics.md but not exposed');
    const wrongType = [...documented]
      .filter(([name, type]) => exposed.has(name) && exposed.get(name) !== type)
      .map(([name, type]) => `${name}: documented ${type}, exposed ${exposed.get(name)}`);
    assert.deepEqual(wrongType, [], 'types differ between docs/metrics.md and the exposition');
    const undocumented = [...exposed.keys()].filter(
      (name) => /^kafka_(connect|consumer)_/.test(name) && !documented.has(name),
    );
    assert.deepEqual(undocumented, [], 'exposed but missing from docs/metrics.md');
  } finally {
    await herder.stop();
  }
});
