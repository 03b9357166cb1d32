/**
 * The connector's ConfigDef against Debezium 3.6.1's, as Kafka Connect 4.1.1's validate endpoint
 * answered for it (`goldens/validate.json`, written by `goldens/generate.ts`): the same keys in
 * the same order and groups, with the same type, default, importance, width, display name and
 * documentation, except the deliberate differences listed here.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { toConfigKeyInfo } from '@sluice/api';
import { POSTGRES_CONFIG_DEF } from '../src/postgres-connector-config.ts';

interface Definition {
  name: string;
  group: string;
  documentation: string;
  [field: string]: unknown;
}

const golden = JSON.parse(readFileSync(new URL('goldens/validate.json', import.meta.url), 'utf8')) as {
  answer: { groups: string[]; configs: Array<{ definition: Definition }> };
};
const CONNECTOR_GROUPS = ['Postgres', 'Connector', 'Events'];
const debezium = golden.answer.configs
  .map((c) => c.definition)
  .filter((d) => CONNECTOR_GROUPS.includes(d.group));

/** Keys whose documentation says how Sluice differs (and plugin.name's default, see docs/connectors/postgres.md). */
const OWN_DOCUMENTATION = new Set([
  'plugin.name',
  'retriable.restart.connector.wait.ms',
  'errors.max.retries',
]);

test("every key of Debezium 3.6.1's ConfigDef, in its order and groups, with its definition", () => {
  const keys = [...POSTGRES_CONFIG_DEF.configKeys().values()];
  assert.deepEqual(
    keys.slice(0, debezium.length).map((k) => k.name),
    debezium.map((d) => d.name),
    'the same keys in the same order',
  );
  assert.deepEqual(
    keys.slice(debezium.length).map((k) => k.name),
    ['topic.heartbeat.prefix'],
    'the only key Debezium does not list',
  );
  assert.deepEqual(POSTGRES_CONFIG_DEF.groups().slice(0, 3), CONNECTOR_GROUPS);
  const differences: string[] = [];
  for (const d of debezium) {
    const mine = toConfigKeyInfo(POSTGRES_CONFIG_DEF.configKeys().get(d.name)!) as unknown as Record<
      string,
      unknown
    >;
    for (const [field, value] of Object.entries(d)) {
      if (field === 'documentation' && OWN_DOCUMENTATION.has(d.name)) continue;
      if (field === 'default_value' && d.name === 'plugin.name') continue;
      if (JSON.stringify(mine[field]) !== JSON.stringify(value))
        differences.push(
          `${d.name}.${field}: ${JSON.stringify(mine[field])} vs Debezium ${JSON.stringify(value)}`,
        );
    }
  }
  assert.deepEqual(differences, []);
  for (const name of OWN_DOCUMENTATION)
    assert.match(POSTGRES_CONFIG_DEF.configKeys().get(name)!.documentation, /Sluice/, name);
  assert.equal(
    toConfigKeyInfo(POSTGRES_CONFIG_DEF.configKeys().get('plugin.name')!).default_value,
    'pgoutput',
  );
});
