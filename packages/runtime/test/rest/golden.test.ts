/**
 * REST parity with the real thing: the request sequence of `goldens/sequence.ts`, sent to a Sluice
 * standalone worker on a real Kafka broker, answer by answer against what Apache Kafka Connect
 * 4.1.1 answered to the same sequence (`goldens/kafka-connect-4.1.1.json`, written by
 * `goldens/record.ts`, never by hand).
 *
 * Each answer's status, Content-Type, Location and body must be equal once {@link normalise} has
 * replaced the volatile fields (versions, commit, cluster id, worker ids, traces, timestamps).
 * {@link DELIBERATE} lists the answers where Sluice differs on purpose, each with its reason and a
 * check of exactly that difference (docs/rest-differences.md, ADR 0006). An answer that differs and
 * is not listed fails the test; so does a listed one that no longer differs.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { uniqueName, useKafka } from '@sluice/testing';
import {
  GOLDEN_FILE,
  type GoldenFile,
  goldenWorkerProps,
  prepareFiles,
  type RecordedAnswer,
  runSequence,
  type SequenceContext,
} from './goldens/sequence.ts';
import { startWorker, type TestWorker } from './rest-harness.ts';

const golden = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as GoldenFile;

/** A config key entry (definition or value) of a `*.plugin.version` key. */
function pluginVersionEntry(value: object): boolean {
  const name = (value as { name?: unknown }).name;
  return (
    typeof name === 'string' &&
    name.endsWith('plugin.version') &&
    ('default_value' in value || 'recommended_values' in value)
  );
}

/** Replaces what differs between any two runs or runtimes: versions, ids, traces, times. */
export function normalise(answer: RecordedAnswer): RecordedAnswer {
  const walk = (value: unknown, key?: string): unknown => {
    if (Array.isArray(value)) return value.map((v) => walk(v));
    if (value !== null && typeof value === 'object' && pluginVersionEntry(value)) {
      // `*.plugin.version` entries of plugin config and validate answers: a plugin's version.
      const entry = { ...(value as Record<string, unknown>) };
      for (const k of ['default_value', 'value']) if (typeof entry[k] === 'string') entry[k] = '<version>';
      if (Array.isArray(entry.recommended_values))
        entry.recommended_values = entry.recommended_values.map(() => '<version>');
      return Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, walk(v, k)]));
    }
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, k)]));
    }
    if (typeof value === 'string') {
      if (key === 'worker_id') return '<worker>';
      if (key === 'trace') return '<trace>';
      // A plugin's version (plugin lists, statuses): Kafka's is 4.1.1, Sluice's its own.
      if (key === 'version') return '<version>';
    }
    if (key === 'last_modified' && typeof value === 'number') return '<time>';
    return value;
  };
  const out = { ...answer, body: walk(answer.body) };
  // GET /connectors lists names in the order of a Java HashMap (Kafka) or of creation (Sluice).
  if (answer.id.startsWith('list') && Array.isArray(out.body)) out.body = [...(out.body as string[])].sort();
  if (answer.id === 'root' && answer.status === 200) {
    out.body = { version: '<version>', commit: '<commit>', kafka_cluster_id: '<cluster id>' };
  }
  return out;
}

interface Deliberate {
  reason: string;
  /** Asserts exactly the difference (throws when it is not what was meant). */
  check: (kafka: RecordedAnswer, sluice: RecordedAnswer) => void;
}

/** Kafka answers 500 (an exception escaped); Sluice answers `status` with Kafka's error body. */
function betterStatus(status: number, message?: RegExp): Deliberate['check'] {
  return (kafka, sluice) => {
    assert.equal(kafka.status, 500);
    assert.equal(sluice.status, status, JSON.stringify(sluice.body));
    assert.equal(sluice.contentType, 'application/json');
    const body = sluice.body as { error_code: number; message: string };
    assert.deepEqual(Object.keys(body).sort(), ['error_code', 'message']);
    assert.equal(body.error_code, status);
    if (message !== undefined) assert.match(body.message, message);
  };
}

const MALFORMED =
  'malformed input: Kafka lets a parse or null-body exception escape as 500; a client error is a 400';

const PLUGINS =
  'Sluice has plugins of its own (the PostgreSQL CDC connector, Debezium SMTs): every Kafka plugin is listed, in the same order, plus those';

/** Every plugin Kafka lists, in Kafka's order, is in Sluice's list. */
function morePlugins(kafka: RecordedAnswer, sluice: RecordedAnswer): void {
  assert.equal(sluice.status, 200);
  const key = (p: unknown) => JSON.stringify(p);
  const kafkaList = (kafka.body as unknown[]).map(key);
  const kept = (sluice.body as unknown[]).map(key).filter((p) => kafkaList.includes(p));
  assert.deepEqual(kept, kafkaList);
}

const UNLABELLED =
  "Kafka's Jersey answers its own 404/405/406/415 errors with a JSON body but no Content-Type; Sluice labels them application/json";

function labelled(kafka: RecordedAnswer, sluice: RecordedAnswer): void {
  assert.equal(kafka.contentType, null);
  assert.equal(sluice.contentType, 'application/json');
  assert.equal(sluice.status, kafka.status);
  assert.deepEqual(sluice.body, kafka.body);
}

const RECOMMENDED =
  "a transform's `type` recommends every installed transformation, Sluice's own (io.debezium.transforms.ExtractNewRecordState) too";

const CONVERTERS_RECOMMENDED =
  "key.converter and value.converter recommend every installed converter, Sluice's built-in schema-registry ones (io.confluent.connect.avro.AvroConverter, ...) too";

/** Equal once the recommended values Kafka does not have (only Sluice's own plugins) are left out. */
function sameButMorePlugins(kafka: RecordedAnswer, sluice: RecordedAnswer): void {
  const extra: string[] = [];
  const strip = (k: unknown, s: unknown): unknown => {
    if (Array.isArray(s)) return s.map((v, i) => strip(Array.isArray(k) ? k[i] : undefined, v));
    if (s === null || typeof s !== 'object') return s;
    const ko = (k ?? {}) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(s).map(([key, v]) => {
        if (key === 'recommended_values' && Array.isArray(v) && Array.isArray(ko[key])) {
          const known = new Set(ko[key] as unknown[]);
          extra.push(...(v as string[]).filter((x) => !known.has(x)));
          return [key, v.filter((x) => known.has(x))];
        }
        return [key, strip(ko[key], v)];
      }),
    );
  };
  const stripped = strip(kafka.body, sluice.body);
  assert.ok(extra.length > 0);
  for (const cls of extra)
    assert.doesNotMatch(cls, /^org\.apache\.kafka\./, `${cls} is missing from Kafka's list`);
  assert.equal(sluice.status, kafka.status);
  assert.equal(sluice.contentType, kafka.contentType);
  assert.deepEqual(stripped, kafka.body);
}

/** The deliberate differences, each with its reason (docs/rest-differences.md). */
const DELIBERATE: Record<string, Deliberate> = {
  openapi: {
    reason: 'Sluice serves its OpenAPI document at /openapi.json; Kafka Connect has none',
    check: (kafka, sluice) => {
      assert.equal(kafka.status, 404);
      assert.equal(sluice.status, 200);
      assert.equal((sluice.body as { openapi: string }).openapi.startsWith('3.'), true);
    },
  },
  plugins: { reason: PLUGINS, check: morePlugins },
  'plugins-all': { reason: PLUGINS, check: morePlugins },
  'unknown-path': { reason: UNLABELLED, check: labelled },
  'plugins-wrong-method': { reason: UNLABELLED, check: labelled },
  'status-wrong-method': { reason: UNLABELLED, check: labelled },
  'get-tasks-config': { reason: UNLABELLED, check: labelled },
  'list-not-acceptable': { reason: UNLABELLED, check: labelled },
  'validate-source-transforms': { reason: RECOMMENDED, check: sameButMorePlugins },
  'validate-source-bad-transform': { reason: RECOMMENDED, check: sameButMorePlugins },
  'validate-source-unknown-transform': { reason: RECOMMENDED, check: sameButMorePlugins },
  'validate-plugin-versions': {
    reason:
      "a plugin version Sluice does not have: the same error as Kafka's on connector.class and connector.plugin.version; Sluice also checks the converters' and transforms' versions and validates the rest, where Kafka's answer stops filling in converters, transforms and groups",
    check: (kafka, sluice) => {
      const errors = (body: unknown, name: string) =>
        (body as { configs: { value: { name: string; errors: string[] } | null }[] }).configs
          .find((c) => c.value?.name === name)
          ?.value?.errors.map((e) =>
            e.replace(/available versions: \[[^\]]*\]/, 'available versions: [<version>]'),
          );
      for (const key of ['connector.class', 'connector.plugin.version']) {
        assert.deepEqual(errors(sluice.body, key), errors(kafka.body, key));
        assert.equal(errors(kafka.body, key)?.length, 1);
      }
      assert.match(errors(sluice.body, 'value.converter.plugin.version')![0]!, /version range \[1\.0,2\.0\)/);
      assert.match(
        errors(sluice.body, 'transforms.ins.plugin.version')![0]!,
        /version range \[0\.0\.1,0\.0\.1\]/,
      );
    },
  },
  'create-bad-plugin-version': {
    reason:
      'a plugin version Sluice does not have is a 400 naming it (Kafka 4.1.1: 500 from a NullPointerException)',
    check: betterStatus(400, /not found that matches the version range \[9\.9\.9,9\.9\.9\]/),
  },
  'validate-client-overrides': {
    reason:
      "a client override of the wrong type is an error on its key in the validate answer (Kafka 4.1.1: 500 with the ConfigException's text)",
    check: (kafka, sluice) => {
      assert.equal(kafka.status, 500);
      assert.match(
        (kafka.body as { message: string }).message,
        /Invalid value soon for configuration linger\.ms: Not a number of type LONG/,
      );
      assert.equal(sluice.status, 200);
      const body = sluice.body as {
        error_count: number;
        configs: { value: { name: string; errors: string[] } | null }[];
      };
      assert.equal(body.error_count, 1);
      assert.deepEqual(
        body.configs.find((c) => c.value?.name === 'producer.override.linger.ms')?.value?.errors,
        ['Invalid value soon for configuration producer.override.linger.ms: Not a number of type LONG'],
      );
    },
  },
  'validate-null-value': {
    reason:
      "a null value is an error for every key (Kafka's own rule for create); Kafka 4.1.1's validate answer lets a null value of the connector's key batch.size pass without one",
    check: (kafka, sluice) => {
      const errors = (body: unknown) =>
        (body as { configs: { value: { name: string; errors: string[] } | null }[] }).configs.find(
          (c) => c.value?.name === 'batch.size',
        )?.value?.errors;
      assert.deepEqual(errors(kafka.body), []);
      assert.deepEqual(errors(sluice.body), ['Null value can not be supplied as the configuration value.']);
      const body = sluice.body as { error_count: number };
      assert.equal(body.error_count, 1);
    },
  },
  'create-text-body': { reason: UNLABELLED, check: labelled },
  'create-unknown-class': {
    reason:
      "an unknown connector.class: Kafka's message goes on to list every installed plugin as Java toString() text (PluginDesc{klass=...}); Sluice's names the key and the class, then the connectors Sluice provides by class name, a Java-only note or a did-you-mean, and `sluice plugins`",
    check: (kafka, sluice) => {
      assert.equal(sluice.status, kafka.status);
      const message = (sluice.body as { message: string }).message;
      assert.match(
        message,
        /Failed to find any class that implements Connector and which name matches com\.example\.NoSuchConnector/,
      );
    },
  },
  loggers: {
    reason:
      "GET /admin/loggers lists the runtime's own loggers (Kafka: every log4j logger of its Java classes); the ones set over REST and root compare equal",
    check: (kafka, sluice) => {
      assert.equal(sluice.status, 200);
      const pick = (body: unknown) =>
        Object.fromEntries(
          Object.entries(body as Record<string, unknown>).filter(
            ([k]) => k === 'root' || k.startsWith('golden.'),
          ),
        );
      assert.deepEqual(pick(sluice.body), pick(kafka.body));
    },
  },
  'validate-no-class': { reason: MALFORMED, check: betterStatus(400, /contains no connector type/) },
  'validate-unknown-plugin': { reason: MALFORMED, check: betterStatus(400, /com\.example\.NoSuchConnector/) },
  'validate-bad-json': { reason: MALFORMED, check: betterStatus(400, /JSON/) },
  'validate-empty-body': { reason: MALFORMED, check: betterStatus(400) },
  'create-bad-json': { reason: MALFORMED, check: betterStatus(400, /JSON/) },
  'create-empty-body': { reason: MALFORMED, check: betterStatus(400) },
  'create-bad-initial-state': { reason: MALFORMED, check: betterStatus(400, /initial_state/) },
  'put-config-bad-json': { reason: MALFORMED, check: betterStatus(400, /JSON/) },
  'offsets-alter-no-body': { reason: MALFORMED, check: betterStatus(400) },
  'offsets-alter-source-bad': {
    reason: 'a source offset value that is not a primitive is bad input (400); Kafka lets it escape as 500',
    check: betterStatus(400, /primitive/),
  },
  'restart-unknown': {
    reason:
      'restarting an unknown connector is a 404 (Kafka 4.1.1 standalone: 500 from a NullPointerException)',
    check: betterStatus(404, /no-such-connector/),
  },
  'stop-unknown': {
    reason:
      'stopping an unknown connector is a 404 like every other unknown-connector write (Kafka standalone: 500)',
    check: betterStatus(404, /no-such-connector/),
  },
};

/**
 * Differences not fixed yet (issue 12): listed so the test shows the count, and removed as each is
 * fixed (a listed answer that matches fails the test).
 */
const NOT_YET_FIXED = new Set<string>([]);

/** Where two values differ: up to `limit` paths with both sides. */
function differences(a: unknown, b: unknown, path = '', out: string[] = [], limit = 8): string[] {
  if (out.length >= limit) return out;
  if (JSON.stringify(a) === JSON.stringify(b)) return out;
  if (
    a !== null &&
    b !== null &&
    typeof a === 'object' &&
    typeof b === 'object' &&
    Array.isArray(a) === Array.isArray(b)
  ) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      differences(
        (a as Record<string, unknown>)[k],
        (b as Record<string, unknown>)[k],
        `${path}/${k}`,
        out,
        limit,
      );
    }
    return out;
  }
  out.push(
    `${path || '/'}: kafka ${JSON.stringify(a)?.slice(0, 300)} | sluice ${JSON.stringify(b)?.slice(0, 300)}`,
  );
  return out;
}

let worker: TestWorker;
let answers: RecordedAnswer[];

before(async () => {
  const kafka = await useKafka();
  worker = await startWorker({
    workerProps: { 'bootstrap.servers': kafka.bootstrapServers, ...goldenWorkerProps },
    logLevel: 'WARN',
  });
  const ctx: SequenceContext = {
    base: worker.url,
    dir: worker.dir,
    topic: uniqueName('golden'),
    source: uniqueName('golden-source'),
    sink: uniqueName('golden-sink'),
    paused: uniqueName('golden-paused'),
    stopped: uniqueName('golden-stopped'),
    created: uniqueName('golden-created'),
  };
  await prepareFiles(ctx);
  answers = await runSequence(ctx);
  // SLUICE_REST_GOLDEN_DUMP=<file>: Sluice's answers in the golden file's shape, to look at.
  const dump = process.env.SLUICE_REST_GOLDEN_DUMP;
  if (dump !== undefined && dump !== '') writeFileSync(dump, `${JSON.stringify({ answers }, null, 2)}\n`);
});

after(async () => {
  await worker?.close();
});

test('the golden file covers the sequence and was recorded from Kafka Connect', () => {
  assert.match(golden.recordedWith, /^Apache Kafka Connect 4\.1\.1/);
  assert.deepEqual(
    answers.map((a) => a.id),
    golden.answers.map((a) => a.id),
    'the sequence changed: record the goldens again (goldens/record.ts)',
  );
  for (const id of [...Object.keys(DELIBERATE), ...NOT_YET_FIXED]) {
    assert.ok(
      golden.answers.some((a) => a.id === id),
      `allow-listed ${id} is not in the sequence`,
    );
  }
});

test('every answer equals Kafka Connect 4.1.1 answer, or differs deliberately', () => {
  const report: string[] = [];
  const failing: string[] = [];
  let same = 0;
  let deliberate = 0;
  let pending = 0;
  for (const [i, expectedRaw] of golden.answers.entries()) {
    const actualRaw = answers[i]!;
    const expected = normalise(expectedRaw);
    const actual = normalise(actualRaw);
    const { id } = expected;
    const diffs = [
      ...(expected.status === actual.status
        ? []
        : [`status: kafka ${expected.status} | sluice ${actual.status}`]),
      ...(expected.contentType === actual.contentType
        ? []
        : [`content-type: kafka ${expected.contentType} | sluice ${actual.contentType}`]),
      ...(expected.location === actual.location
        ? []
        : [`location: kafka ${expected.location} | sluice ${actual.location}`]),
      ...differences(expected.body, actual.body),
    ];
    // Every validate answer lists the installed converters as recommended values of key.converter
    // and value.converter: Sluice's own (AvroConverter, ...) are the one difference allowed there.
    const allowed =
      DELIBERATE[id] ??
      (expected.request.path.endsWith('/config/validate') && diffs.length > 0
        ? { reason: CONVERTERS_RECOMMENDED, check: sameButMorePlugins }
        : undefined);
    let problem: string | undefined;
    if (allowed === undefined) {
      if (diffs.length > 0)
        problem = `${expected.request.method} ${expected.request.path}\n    ${diffs.join('\n    ')}`;
    } else if (diffs.length === 0) {
      problem = "listed as a deliberate difference but equal to Kafka's answer: remove it from DELIBERATE";
    } else {
      try {
        allowed.check(expected, actual);
      } catch (err) {
        problem = `(deliberate: ${allowed.reason}) is not the difference meant: ${(err as Error).message}`;
      }
    }
    if (NOT_YET_FIXED.has(id)) {
      if (problem === undefined) report.push(`${id}: fixed now: remove it from NOT_YET_FIXED`);
      else pending++;
      continue;
    }
    if (problem === undefined) {
      if (allowed === undefined) same++;
      else deliberate++;
      continue;
    }
    failing.push(id);
    report.push(`${id} ${problem}`);
  }
  if (report.length > 0) console.log(`differing: ${JSON.stringify(failing)}`);
  const summary = `${same} of ${golden.answers.length} answers equal to Kafka Connect 4.1.1's, ${deliberate} deliberately different, ${pending} not yet fixed`;
  console.log(summary);
  assert.equal(report.length, 0, `${summary}\n${report.join('\n')}`);
});
