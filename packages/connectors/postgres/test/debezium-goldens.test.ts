/**
 * Sluice's PostgresSourceTask against the goldens Debezium 3.6.1.Final wrote in Kafka Connect 4.1.1
 * (`goldens/generate.ts`): per handling mode, a fresh database gets the same schema and rows, the
 * task snapshots it, the same change script runs, and every event (topic, key, value, headers;
 * JsonConverter with schemas, SimpleHeaderConverter) is compared with the golden one by one, after
 * the same normalisation; then the last source offset with the committed one. Only the
 * deliberate differences listed in DELIBERATE are accepted.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { SourceRecord } from '@sluice/api';
import { JsonConverter, SimpleHeaderConverter } from '@sluice/converters';
import { ensurePostgisInstalled, uniqueName } from '@sluice/testing';
import { ExtractNewRecordState } from '@sluice/transforms';
import {
  baseConfig,
  byTopic,
  CHANGE_SQL,
  EXTENSIONS,
  expandSchemas,
  type Golden,
  type GoldenEvent,
  MARKER_INSERT,
  MARKER_SQL,
  MODES,
  type Mode,
  normaliseEvent,
  normaliseOffsets,
  POSTGIS_CHANGE_SQL,
  POSTGIS_SETUP_SQL,
  POSTGIS_STAND_IN_SQL,
  parseConnectJson,
  prefixOf,
  runAll,
  SETUP_SQL,
} from './goldens/script.ts';
import { pollFor, pollRecords, startSourceTask, testDatabase } from './harness.ts';

/**
 * The deliberate differences (docs/connectors/postgres.md lists them with the same reasons): a
 * difference line matching `pattern` in a mode of `modes` (every mode when absent) is accepted.
 * Each entry must still match something, so a fixed difference cannot stay listed.
 */
const DELIBERATE: Array<{ pattern: RegExp; modes?: string[]; reason: string }> = [
  {
    pattern: /\.payload\.source\.version: "\d+\.\d+\.\d+[^"]*" vs Debezium "3\.6\.1\.Final"$/,
    reason: "source.version is Sluice's connector version, not the Debezium release it matches",
  },
  {
    pattern:
      /\.payload\.after\.(d|ts|ts3|a_d\[\d\]|a_ts\[\d\]|a_ts3\[\d\]): -?(100000000|8640000000000000) vs Debezium (-?\d+|\{"\$int64":"-?\d+"\})$/,
    modes: ['time-connect'],
    reason:
      "time.precision.mode=connect: Debezium's infinity sentinels and dates beyond year 275760 lie outside a JavaScript Date (±8.64e15 ms); Sluice writes the Date extremes",
  },
];

/** The snapshot's events: the rows of SETUP_SQL, or of POSTGIS_SETUP_SQL for the PostGIS modes. */
const snapshotEvents = (mode: Mode) => (mode.postgis === true ? 2 : 16);

/** Why the PostGIS modes cannot run here (PostGIS not installed and not installable), if so. */
let postgisMissing: Promise<string | undefined> | undefined;

function golden(mode: Mode): Golden {
  return JSON.parse(readFileSync(new URL(`goldens/${mode.name}.json`, import.meta.url), 'utf8')) as Golden;
}

/** A key or value as JsonConverter (schemas on) writes it, parsed as the generator parses Debezium's. */
function connectJson(schema: SourceRecord['keySchema'], value: unknown, isKey: boolean): unknown {
  const converter = new JsonConverter();
  converter.configure({}, isKey);
  const bytes = converter.fromConnectData('t', schema, value);
  return bytes === null ? null : parseConnectJson(Buffer.from(bytes).toString('utf8'));
}

function toEvent(record: SourceRecord): GoldenEvent {
  const headers = new SimpleHeaderConverter();
  return {
    topic: record.topic,
    key: connectJson(record.keySchema, record.key, true),
    value: connectJson(record.valueSchema, record.value, false),
    headers: [...record.headers].map((h) => {
      const bytes = headers.fromConnectHeader(record.topic, h.key, h.schema, h.value);
      return { key: h.key, value: bytes === null ? null : Buffer.from(bytes).toString('utf8') };
    }),
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isFieldList = (v: unknown[]): boolean => v.every((f) => isRecord(f) && typeof f.field === 'string');

/** Paths where `a` (Sluice's) and `b` (Debezium's) differ, at most `limit`; struct fields matched by name. */
function differences(a: unknown, b: unknown, path: string, out: string[], limit = 400): void {
  if (out.length >= limit || Object.is(a, b)) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length > 0 && b.length > 0 && isFieldList(a) && isFieldList(b)) {
      const name = (f: unknown) => (f as { field: string }).field;
      const bn = new Map(b.map((f) => [name(f), f]));
      const an = new Map(a.map((f) => [name(f), f]));
      for (const f of a) if (!bn.has(name(f))) out.push(`${path}: field ${name(f)} only in Sluice's`);
      for (const f of b)
        if (!an.has(name(f))) out.push(`${path}: field ${name(f)} missing (Debezium: ${JSON.stringify(f)})`);
      const order = (x: unknown[], other: Map<string, unknown>) =>
        x
          .map(name)
          .filter((n) => other.has(n))
          .join();
      if (order(a, bn) !== order(b, an)) out.push(`${path}: field order differs`);
      for (const f of a)
        if (bn.has(name(f))) differences(f, bn.get(name(f)), `${path}{${name(f)}}`, out, limit);
      return;
    }
    if (a.length !== b.length) out.push(`${path}: length ${a.length} vs ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++)
      differences(a[i], b[i], `${path}[${i}]`, out, limit);
    return;
  }
  if (isRecord(a) && isRecord(b)) {
    for (const k of Object.keys(a))
      if (!(k in b)) out.push(`${path}.${k}: only in Sluice's (${JSON.stringify(a[k])})`);
    for (const k of Object.keys(b))
      if (!(k in a)) out.push(`${path}.${k}: missing (Debezium: ${JSON.stringify(b[k])})`);
    for (const k of Object.keys(a)) if (k in b) differences(a[k], b[k], `${path}.${k}`, out, limit);
    return;
  }
  out.push(`${path}: ${JSON.stringify(a)} vs Debezium ${JSON.stringify(b)}`);
}

/** Differences of two events; a key or value schema already compared (same pair) is skipped. */
function eventDifferences(
  a: GoldenEvent,
  b: GoldenEvent,
  path: string,
  out: string[],
  seen: Set<string>,
): void {
  const strip = (doc: unknown, part: string): unknown => {
    if (!isRecord(doc) || !('schema' in doc) || !isRecord(b[part as 'key'])) return doc;
    const pair = JSON.stringify([
      a.topic,
      (a[part as 'key'] as { schema?: unknown }).schema,
      (b[part as 'key'] as { schema?: unknown }).schema,
    ]);
    if (!seen.has(pair)) return doc;
    const { schema: _s, ...rest } = doc;
    return rest;
  };
  for (const part of ['key', 'value'] as const) {
    const x = a[part];
    const y = b[part];
    if (isRecord(x) && isRecord(y) && 'schema' in x && 'schema' in y) {
      const pair = JSON.stringify([a.topic, x.schema, y.schema]);
      if (!seen.has(pair)) {
        differences(x.schema, y.schema, `${path}.${part}.schema`, out);
        seen.add(pair);
      }
      differences(x.payload, y.payload, `${path}.${part}.payload`, out);
    } else differences(strip(x, part), strip(y, part), `${path}.${part}`, out);
  }
  differences(a.topic, b.topic, `${path}.topic`, out);
  differences(a.headers, b.headers, `${path}.headers`, out);
}

async function runMode(mode: Mode): Promise<{ events: GoldenEvent[]; offsets: unknown }> {
  const db = await testDatabase();
  try {
    for (const e of EXTENSIONS) await db.sql.query(`CREATE EXTENSION ${e}`);
    await runAll(db.sql, [
      ...SETUP_SQL,
      ...(mode.postgis === true ? POSTGIS_SETUP_SQL : POSTGIS_STAND_IN_SQL),
      ...MARKER_SQL,
    ]);
    const config = db.config({
      ...baseConfig(mode),
      name: `gold-${mode.name}`,
      'slot.name': uniqueName('slot'),
      'slot.drop.on.stop': 'true',
    });
    const task = await startSourceTask(config);
    const records: SourceRecord[] = [];
    try {
      records.push(...(await pollRecords(task, snapshotEvents(mode), 30_000)));
      await runAll(db.sql, [...CHANGE_SQL, ...POSTGIS_CHANGE_SQL, MARKER_INSERT]);
      const marker = `${prefixOf(mode)}.public.marker`;
      const deadline = Date.now() + 30_000;
      while (!records.some((r) => r.topic === marker) && Date.now() < deadline) {
        const batch = await task.poll();
        if (batch !== null) records.push(...batch);
      }
      records.push(...(await pollFor(task, 500)));
    } finally {
      await task.stop();
    }
    let out: SourceRecord[] = records;
    if (mode.props.transforms !== undefined) {
      const unwrap = new ExtractNewRecordState<SourceRecord>();
      const prefix = `transforms.${mode.props.transforms}.`;
      unwrap.configure(
        Object.fromEntries(
          Object.entries(mode.props)
            .filter(([k]) => k.startsWith(prefix) && k !== `${prefix}type`)
            .map(([k, v]) => [k.slice(prefix.length), v]),
        ),
      );
      out = records.map((r) => unwrap.apply(r)).filter((r): r is SourceRecord => r !== null);
    }
    const last = records.at(-1);
    const offsets = {
      offsets:
        last === undefined ? [] : [{ partition: last.sourcePartition, offset: { ...last.sourceOffset } }],
    };
    return { events: byTopic(out.map(toEvent)).map(normaliseEvent), offsets: normaliseOffsets(offsets) };
  } finally {
    await db.cleanup();
  }
}

for (const mode of MODES) {
  test(`Debezium 3.6.1 goldens: ${mode.name}`, async (t) => {
    if (mode.postgis === true) {
      postgisMissing ??= ensurePostgisInstalled();
      const missing = await postgisMissing;
      if (missing !== undefined) {
        t.skip(missing);
        return;
      }
    }
    const expected = golden(mode);
    const actual = await runMode(mode);
    const wanted = expandSchemas(expected);
    const diffs: string[] = [];
    const topics = (events: GoldenEvent[]) => events.map((e) => e.topic);
    differences(topics(actual.events), topics(wanted), 'topics', diffs);
    if (diffs.length === 0) {
      const seen = new Set<string>();
      for (let i = 0; i < wanted.length; i++) {
        const topic = wanted[i]!.topic.slice(prefixOf(mode).length + 1);
        eventDifferences(actual.events[i]!, wanted[i]!, `[${i} ${topic}]`, diffs, seen);
      }
    }
    differences(actual.offsets, expected.offsets, 'offsets', diffs);
    const allowed = DELIBERATE.filter((d) => d.modes === undefined || d.modes.includes(mode.name));
    const unexplained = diffs.filter((d) => !allowed.some((a) => a.pattern.test(d)));
    if (unexplained.length > 0)
      assert.fail(`${unexplained.length} difference(s) with Debezium:\n${unexplained.join('\n')}`);
    const stale = allowed.filter((a) => a.modes !== undefined && !diffs.some((d) => a.pattern.test(d)));
    assert.deepEqual(
      stale.map((a) => a.reason),
      [],
      'deliberate differences that no longer occur',
    );
  });
}
