/**
 * Sluice's distributed validation of the exactly-once keys against Kafka Connect 4.1.1's answers
 * (golden/exactly-once-validate.golden.json, recorded by golden/record-exactly-once-validate.ts
 * from ConnectDistributed with `exactly.once.source.support=enabled` and `disabled`): for every
 * request, the same status, error count, and the same entries (definition and value, errors
 * included) for the source connector's exactly-once keys. No broker is needed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { ConfigInfos } from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import { DistributedHerder } from '@sluice/runtime';
import { pino } from 'pino';
import {
  EOS_VALIDATE_GOLDEN,
  EOS_VALIDATE_REQUESTS,
  type EosValidateGolden,
} from './golden/exactly-once-validate.ts';

const golden = JSON.parse(readFileSync(EOS_VALIDATE_GOLDEN, 'utf8')) as EosValidateGolden;
const KEYS = [
  'exactly.once.support',
  'transaction.boundary',
  'transaction.boundary.interval.ms',
  'offsets.storage.topic',
];

const herders = new Map<string, Promise<DistributedHerder>>();
function herder(mode: 'enabled' | 'disabled'): Promise<DistributedHerder> {
  let h = herders.get(mode);
  if (h === undefined) {
    h = DistributedHerder.create(
      {
        'bootstrap.servers': '127.0.0.1:1',
        'group.id': 'eos-golden',
        'config.storage.topic': 'c',
        'offset.storage.topic': 'o',
        'status.storage.topic': 's',
        'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'exactly.once.source.support': mode,
      },
      { logger: pino({ level: 'silent' }), plugins: builtinPlugins() },
    );
    herders.set(mode, h);
  }
  return h;
}

const entries = (body: ConfigInfos) =>
  Object.fromEntries(
    body.configs.flatMap((c) =>
      c.value !== null && KEYS.includes(c.value.name) ? [[c.value.name, c] as const] : [],
    ),
  );

describe(`exactly-once validation equals ${golden.recordedWith}`, () => {
  for (const request of EOS_VALIDATE_REQUESTS) {
    test(`${request.name} (worker ${request.worker})`, async () => {
      const expected = golden.answers.find((a) => a.name === request.name);
      assert.ok(expected, `no golden answer for ${request.name}`);
      const answer = await (await herder(request.worker)).validateConnectorConfig(request.config);
      assert.equal(200, expected.status);
      // The golden is Kafka's answer to the same request: a ConfigInfos body.
      const kafka = expected.body as ConfigInfos;
      assert.equal(answer.error_count, kafka.error_count);
      assert.deepEqual(entries(answer), entries(kafka));
    });
  }
});
