/**
 * Sluice's `GET /metrics` against the real thing: `goldens/kafka-connect-4.1.1-mbeans.txt` and
 * `goldens/kafka-connect-4.1.1-distributed-mbeans.txt` list every attribute of every
 * `kafka.connect:*` MBean of Apache Kafka Connect 4.1.1 (standalone, and one distributed worker)
 * running the pipeline of `goldens/pipeline.ts` (recorded by `goldens/generate.ts`). A Sluice
 * worker of the same mode runs the same pipeline; each golden attribute, named as the JMX exporter's Kafka Connect rules
 * name it (Strimzi's `kafka-connect-metrics.yaml`), must be exposed with the MBean's keys as labels
 * (strings as a label of a sample of value 1), and every `kafka_connect_*` family Sluice exposes
 * must come from a golden MBean. Exceptions are listed below, each with its reason.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { uniqueName, useKafka, waitFor } from '@sluice/testing';
import {
  distributedTestProps,
  http,
  startDistributedTestWorker,
  stopDistributedTestWorker,
} from '../helpers/distributed-worker.ts';
import { startTestHerder, useTempDirs } from '../helpers/standalone-worker.ts';
import { GOLDEN_FILES, goldenConnectors, PIPELINE_LINES, type WorkerMode } from './goldens/pipeline.ts';

const tempDir = useTempDirs('sluice-jmx-golden-');

/** Golden MBean attributes Sluice does not expose (matched on ObjectName and attribute), and why. */
const DELIBERATE_OMISSIONS: ReadonlyArray<{ mbean: RegExp; attribute?: RegExp; reason: string }> = [
  {
    mbean: /^kafka\.connect:(id=[^,]+,)?type=app-info$/,
    reason:
      "the JVM's AppInfo MBeans (Kafka's commit id, version, start time): no client-id key, so no exporter rule matches them",
  },
  {
    mbean: /^kafka\.connect:(client-id=[^,]+,)?type=kafka-metrics-count$/,
    reason: "the count of the Java Metrics registry's own entries, meaningless outside the JVM",
  },
  {
    mbean: /^kafka\.connect:client-id=[^,]+,type=app-info$/,
    reason:
      "the app-info of the Java kafka-clients library inside the distributed worker's group member (its version, commit id, start time): Sluice runs no Java client",
  },
  {
    mbean: /^kafka\.connect:client-id=[^,]+,(node-id=[^,]+,)?type=connect-(node-)?metrics$/,
    reason:
      "the Java NetworkClient/Selector internals of the group member's connections (bytes, requests, io-wait, authentication per broker node): Sluice's Kafka client does not measure them",
  },
];

/** `kafka_connect_*` families Sluice exposes that no golden MBean gives, and why. */
const SLUICE_ONLY: ReadonlyMap<string, string> = new Map([
  [
    'kafka_connect_sink_task_sink_record_lag_max',
    "in Kafka's documented sink-task-metrics, but Kafka Connect 4.1.1 does not register it (absent from the goldens although records flowed); kept for dashboards that follow the documentation",
  ],
]);

/** Attributes whose string value must be equal on both sides (versions differ: Sluice's own). */
const SAME_VALUE = /-class$|^connector-type$|^status$|^connect-protocol$|^leader-name$/;

/** Labels whose value names the run's client (`connect-<host>:<port>`, broker node ids): present, any value. */
const ANY_VALUE = new Set(['clientid', 'nodeid']);

interface GoldenRow {
  mbean: string;
  keys: Map<string, string>;
  attribute: string;
  javaClass: string;
  value: string;
}

function readGolden(mode: WorkerMode): GoldenRow[] {
  const rows: GoldenRow[] = [];
  for (const line of readFileSync(GOLDEN_FILES[mode], 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [mbean, attribute, javaClass, value = ''] = line.split('\t') as [string, string, string, string?];
    const keys = new Map<string, string>();
    for (const kv of mbean.slice(mbean.indexOf(':') + 1).split(',')) {
      const eq = kv.indexOf('=');
      keys.set(kv.slice(0, eq), kv.slice(eq + 1));
    }
    rows.push({ mbean, keys, attribute, javaClass, value });
  }
  assert.ok(rows.length > 100, `only ${rows.length} rows read from ${GOLDEN_FILES[mode]}`);
  return rows;
}

const safe = (s: string): string => s.replace(/[^a-zA-Z0-9_:]/g, '_').toLowerCase();

interface Expected {
  name: string;
  type: 'counter' | 'gauge' | 'untyped';
  labels: Record<string, string>;
  /** The label carrying a string attribute's value, when the attribute is a string. */
  valueLabel?: string;
}

/**
 * The Prometheus sample the exporter's Kafka Connect rules make of a golden attribute, or null when
 * no rule matches its MBean:
 * `kafka.connect<type=(.+)-metrics, connector=(.+), task=(.+)><>(.+)` → `kafka_connect_$1_$4`,
 * `connect-worker-metrics` → `kafka_connect_worker_$n`, `connect-worker-rebalance-metrics` →
 * `kafka_connect_worker_rebalance_$n`, `connector-metrics` → `kafka_connect_connector_$n`;
 * `-total` attributes are counters; strings are a label of a sample of value 1. The KIP-891
 * `connector-transform-metrics` / `connector-predicate-metrics` (no Strimzi rule yet: they carry
 * one more key) follow the task rule with their alias as a label.
 */
function exporterSample(row: GoldenRow): Expected | null {
  const { keys, attribute } = row;
  const type = keys.get('type') ?? '';
  if (keys.has('client-id')) return clientSample(row);
  const group = /^(.+)-metrics$/.exec(type)?.[1];
  if (group === undefined) return null;
  const labels: Record<string, string> = {};
  let name: string;
  if (type === 'connect-worker-metrics' || type === 'connect-worker-rebalance-metrics') {
    name = `kafka_connect_${safe(group.replace(/^connect-/, ''))}_${safe(attribute)}`;
    if (keys.has('connector')) labels.connector = keys.get('connector')!;
  } else if (keys.has('connector')) {
    name = `kafka_connect_${safe(group)}_${safe(attribute)}`;
    for (const k of ['connector', 'task', 'transform', 'predicate'])
      if (keys.has(k)) labels[k] = keys.get(k)!;
    const known = new Set(['type', 'connector', 'task', 'transform', 'predicate']);
    if ([...keys.keys()].some((k) => !known.has(k))) return null;
  } else {
    return null;
  }
  const isString = !/^java\.lang\.(Double|Long|Integer)$/.test(row.javaClass);
  return {
    name,
    // Strimzi's rule for the rebalance group's strings (leader-name, connect-protocol) is UNTYPED.
    type: attribute.endsWith('-total')
      ? 'counter'
      : isString && type === 'connect-worker-rebalance-metrics'
        ? 'untyped'
        : 'gauge',
    labels,
    ...(isString ? { valueLabel: safe(attribute) } : {}),
  };
}

/**
 * Strimzi's rules for the MBeans of a Java client (`client-id` key; in a distributed worker, its
 * group member): `kafka.(.+)<type=app-info, client-id=(.+)>` → `kafka_$1_start_time_seconds`,
 * `kafka_$1_{commit_id,version}_info`; `kafka.(.+)<type=(.+)-metrics, client-id=(.+), node-id=(.+)>`
 * → `kafka_$2_$5` (`-total` counters, `-avg`/`-rate` gauges); `kafka.(.+)<type=(.+)-metrics,
 * client-id=(.*)>` → `kafka_$2_$4` (`-total` counters; `-avg`, `-bytes`, `-count`, `-ratio`, `-age`,
 * `-flight`, `-threads`, `-connectors`, `-tasks`, `-ago` gauges). Null for what they drop. The
 * rules' `clientId` / `nodeId` labels come out as `clientid` / `nodeid`: Strimzi's config sets
 * `lowercaseOutputLabelNames: true`, which lower-cases rule labels too (seen with the exporter's
 * 1.0.1 javaagent).
 */
function clientSample(row: GoldenRow): Expected | null {
  const { keys, attribute } = row;
  const type = keys.get('type') ?? '';
  const labels: Record<string, string> = { clientid: keys.get('client-id')! };
  if (type === 'app-info') {
    if (attribute === 'start-time-ms')
      return { name: 'kafka_connect_start_time_seconds', type: 'gauge', labels };
    if (attribute === 'commit-id' || attribute === 'version')
      return {
        name: `kafka_connect_${safe(attribute)}_info`,
        type: 'untyped',
        labels,
        valueLabel: safe(attribute),
      };
    return null;
  }
  const group = /^(.+)-metrics$/.exec(type)?.[1];
  if (group === undefined) return null;
  const name = `kafka_${safe(group)}_${safe(attribute)}`;
  if (keys.has('node-id')) {
    labels.nodeid = keys.get('node-id')!;
    if (attribute.endsWith('-total')) return { name, type: 'counter', labels };
    if (/-(avg|rate)$/.test(attribute)) return { name, type: 'gauge', labels };
    return null;
  }
  if (attribute.endsWith('-total')) return { name, type: 'counter', labels };
  if (/-(avg|bytes|count|ratio|age|flight|threads|connectors|tasks|ago)$/.test(attribute))
    return { name, type: 'gauge', labels };
  return null;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
}

function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) types.set(t[1]!, t[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+$/.exec(line);
    assert.ok(m, `unparsable sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!.replace(/\\(.)/g, '$1');
    samples.push({ name: m[1]!, labels });
  }
  return { types, samples };
}

/**
 * Every golden attribute of `mode` is in `text` (Sluice's exposition, `port` its REST port) as the
 * exporter's rules name it, and every `kafka_connect_*` family of `text` comes from the golden.
 */
function compare(mode: WorkerMode, text: string, port: number): void {
  const { types, samples } = parseExposition(text);
  const missing: string[] = [];
  const fromGolden = new Set<string>();
  for (const row of readGolden(mode)) {
    if (
      DELIBERATE_OMISSIONS.some((o) => o.mbean.test(row.mbean) && (o.attribute?.test(row.attribute) ?? true))
    )
      continue;
    const expected = exporterSample(row);
    if (expected === null) {
      // What the rules drop from a Java client's MBeans is not on a Java worker's /metrics either.
      if (!row.keys.has('client-id'))
        missing.push(`${row.mbean} ${row.attribute}: no exporter rule maps it (add a rule or an omission)`);
      continue;
    }
    fromGolden.add(expected.name);
    const found = samples.filter(
      (s) =>
        s.name === expected.name &&
        Object.entries(expected.labels).every(([k, v]) =>
          ANY_VALUE.has(k) ? k in s.labels : s.labels[k] === v,
        ) &&
        (expected.valueLabel === undefined || expected.valueLabel in s.labels),
    );
    const where = `${expected.name}${JSON.stringify(expected.labels)} (${row.mbean} ${row.attribute})`;
    if (found.length === 0) {
      missing.push(where);
      continue;
    }
    if (types.get(expected.name) !== expected.type)
      missing.push(`${where}: type ${types.get(expected.name)}, the exporter's is ${expected.type}`);
    if (expected.valueLabel !== undefined && SAME_VALUE.test(row.attribute)) {
      const values = found.map((s) => s.labels[expected.valueLabel!]!.replaceAll(String(port), '<port>'));
      if (!values.includes(row.value))
        missing.push(`${where}: ${expected.valueLabel}=${JSON.stringify(values)}, Kafka's is ${row.value}`);
    }
  }
  assert.deepEqual(missing, [], `${mode}: Kafka Connect attributes missing or different in Sluice`);

  const extra = [...new Set(samples.map((s) => s.name))].filter(
    (name) => name.startsWith('kafka_connect_') && !fromGolden.has(name) && !SLUICE_ONLY.has(name),
  );
  assert.deepEqual(extra, [], `${mode}: kafka_connect_* families no Kafka Connect 4.1.1 MBean gives`);
}

async function writeInput(dir: string): Promise<number> {
  const lines = Array.from({ length: PIPELINE_LINES }, (_, i) => `line-${i}`);
  await writeFile(join(dir, 'in.txt'), `${lines.join('\n')}\n`);
  return lines.length;
}

async function waitForCopy(dir: string, lines: number): Promise<void> {
  await waitFor('every line copied by the sink', async () => {
    const out = await readFile(join(dir, 'out.txt'), 'utf8').catch(() => '');
    return out.split('\n').filter((l) => l !== '').length === lines;
  });
}

test('a standalone worker: every kafka.connect MBean attribute of Kafka Connect 4.1.1, and nothing else', async () => {
  const dir = await tempDir();
  const herder = await startTestHerder({ dir });
  try {
    const lines = await writeInput(dir);
    for (const [name, config] of Object.entries(goldenConnectors(dir, uniqueName('jmx-golden'))))
      await herder.putConnectorConfig(name, config, { allowReplace: false });
    await waitForCopy(dir, lines);
    compare('standalone', herder.metrics.connectText(), 0);
  } finally {
    await herder.stop();
  }
});

test('a distributed worker: every kafka.connect MBean attribute of Kafka Connect 4.1.1, and nothing else', async () => {
  const dir = await tempDir();
  const { bootstrapServers } = await useKafka();
  const w = await startDistributedTestWorker(
    distributedTestProps(bootstrapServers, uniqueName('jmx-golden-group'), {
      'offset.flush.interval.ms': '500',
    }),
  );
  try {
    const lines = await writeInput(dir);
    for (const [name, config] of Object.entries(goldenConnectors(dir, uniqueName('jmx-golden')))) {
      await waitFor(`${name} created`, async () => {
        const r = await http(w.url, 'POST', '/connectors', { name, config });
        if (r.status === 409) return false;
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return true;
      });
    }
    await waitForCopy(dir, lines);
    compare('distributed', w.herder.metrics.connectText(), Number(new URL(w.url).port));
  } finally {
    await stopDistributedTestWorker(w);
  }
});
