/**
 * Validation of `exactly.once.support` and `transaction.boundary` on a distributed worker
 * (Kafka's `DistributedHerder.validateSourceConnectorExactlyOnceSupport` /
 * `validateSourceConnectorTransactionBoundary`): the connector's own answers, in Kafka's words;
 * a standalone worker does not check. The FileStreamSource answers are compared with Kafka Connect
 * 4.1.1's in exactly-once-validate-golden.test.ts; these cover the hooks no Java connector here
 * exercises (no answer, a throwing hook). No broker is needed: validation does not touch Kafka.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  type ConfigDef,
  type ConnectorTransactionBoundaries,
  ConfigDef as Def,
  type ExactlyOnceSupport,
  type SourceRecord,
  SourceTask,
  type StringMap,
  type TaskClass,
} from '@sluice/api';
import { builtinPlugins } from '@sluice/cli';
import { DistributedHerder, StandaloneHerder } from '@sluice/runtime';
import { pino } from 'pino';
import { ConfigCopyingSourceConnector } from '../helpers/test-connectors.ts';

class IdleTask extends SourceTask {
  version(): string {
    return '1';
  }
  start(): void {}
  poll(): SourceRecord[] | null {
    return null;
  }
  stop(): void {}
}

abstract class Base extends ConfigCopyingSourceConnector {
  version(): string {
    return '1';
  }
  taskClass(): TaskClass {
    return IdleTask;
  }
  config(): ConfigDef {
    return new Def();
  }
}
class SilentSource extends Base {}
class UnsupportedSource extends Base {
  override exactlyOnceSupport(): ExactlyOnceSupport {
    return 'UNSUPPORTED';
  }
}
class ThrowingSource extends Base {
  override exactlyOnceSupport(): ExactlyOnceSupport {
    throw new Error('  the database is read-only  ');
  }
  override canDefineTransactionBoundaries(): ConnectorTransactionBoundaries {
    throw new Error('');
  }
}
class BoundarySource extends Base {
  override exactlyOnceSupport(): ExactlyOnceSupport {
    return 'SUPPORTED';
  }
  override canDefineTransactionBoundaries(_config: StringMap): ConnectorTransactionBoundaries {
    return 'SUPPORTED';
  }
}
class NullBoundarySource extends Base {
  override canDefineTransactionBoundaries(): ConnectorTransactionBoundaries {
    return null as unknown as ConnectorTransactionBoundaries;
  }
}

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function plugins() {
  const p = builtinPlugins('1');
  for (const c of [SilentSource, UnsupportedSource, ThrowingSource, BoundarySource, NullBoundarySource])
    p.register('source', c);
  return p;
}

async function distributed(eos: 'enabled' | 'disabled' | 'preparing'): Promise<DistributedHerder> {
  return DistributedHerder.create(
    {
      'bootstrap.servers': '127.0.0.1:1',
      'group.id': 'eos-validation',
      'config.storage.topic': 'c',
      'offset.storage.topic': 'o',
      'status.storage.topic': 's',
      'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
      'exactly.once.source.support': eos,
    },
    { logger: pino({ level: 'silent' }), plugins: plugins() },
  );
}

/** The errors of two keys in a validation answer. */
async function errors(
  herder: { validateConnectorConfig: DistributedHerder['validateConnectorConfig'] },
  config: Record<string, string>,
): Promise<{ support: string[]; boundary: string[] }> {
  const answer = await herder.validateConnectorConfig({ name: 'v', ...config });
  const of = (key: string) => answer.configs.find((c) => c.value?.name === key)?.value?.errors ?? [];
  return { support: of('exactly.once.support'), boundary: of('transaction.boundary') };
}

const REQUIRED = { 'exactly.once.support': 'required' };

describe('exactly.once.support=required on a distributed worker', () => {
  test('a connector without an answer: Kafka message pointing to "requested"', async () => {
    const h = await distributed('enabled');
    const { support } = await errors(h, { 'connector.class': SilentSource.name, ...REQUIRED });
    assert.deepEqual(support, [
      'The connector does not implement the API required for preflight validation of exactly-once source support. Please consult the documentation for the connector to determine whether it supports exactly-once semantics, and then consider reconfiguring the connector to use the value "requested" for this property (which will disable this preflight check and allow the connector to be created).',
    ]);
  });

  test('UNSUPPORTED; and the worker without exactly-once support says so first', async () => {
    const enabled = await distributed('enabled');
    assert.deepEqual(
      (await errors(enabled, { 'connector.class': UnsupportedSource.name, ...REQUIRED })).support,
      ['The connector does not support exactly-once semantics with the provided configuration.'],
    );
    for (const mode of ['disabled', 'preparing'] as const) {
      const h = await distributed(mode);
      assert.deepEqual((await errors(h, { 'connector.class': BoundarySource.name, ...REQUIRED })).support, [
        'This worker does not have exactly-once source support enabled.',
      ]);
    }
  });

  test('a hook that throws is an error on the key (trimmed message), not a 500', async () => {
    const h = await distributed('enabled');
    const e = await errors(h, {
      'connector.class': ThrowingSource.name,
      ...REQUIRED,
      'transaction.boundary': 'connector',
    });
    assert.deepEqual(e.support, [
      'An unexpected error occurred during validation: the database is read-only',
    ]);
    assert.deepEqual(e.boundary, [
      'An unexpected error occurred during validation; please see the worker logs for more details.',
    ]);
  });

  test('requested (the default) asks the connector nothing; a supporting connector passes', async () => {
    const h = await distributed('enabled');
    assert.deepEqual((await errors(h, { 'connector.class': ThrowingSource.name })).support, []);
    assert.deepEqual(
      (await errors(h, { 'connector.class': ThrowingSource.name, 'exactly.once.support': 'requested' }))
        .support,
      [],
    );
    assert.deepEqual((await errors(h, { 'connector.class': BoundarySource.name, ...REQUIRED })).support, []);
  });
});

describe('transaction.boundary=connector on a distributed worker', () => {
  test("the connector's canDefineTransactionBoundaries decides, in Kafka's words", async () => {
    const h = await distributed('enabled');
    const connector = { 'transaction.boundary': 'connector' };
    assert.deepEqual(
      (await errors(h, { 'connector.class': BoundarySource.name, ...connector })).boundary,
      [],
    );
    assert.deepEqual((await errors(h, { 'connector.class': SilentSource.name, ...connector })).boundary, [
      'The connector does not support connector-defined transaction boundaries with the given configuration. Please reconfigure it to use a different transaction boundary definition.',
    ]);
    assert.deepEqual(
      (await errors(h, { 'connector.class': NullBoundarySource.name, ...connector })).boundary,
      [
        "This connector has returned a null value from its canDefineTransactionBoundaries method, which is not permitted. The connector will be treated as if it cannot define its own transaction boundaries, and cannot be configured with 'transaction.boundary' set to 'connector'.",
      ],
    );
    // poll and interval need nothing from the connector.
    for (const b of ['poll', 'interval'])
      assert.deepEqual(
        (await errors(h, { 'connector.class': SilentSource.name, 'transaction.boundary': b })).boundary,
        [],
      );
  });
});

describe('a standalone worker', () => {
  test('does not check exactly.once.support or transaction.boundary (as Kafka standalone)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-eos-validation-'));
    dirs.push(dir);
    const h = await StandaloneHerder.create(
      {
        'embedded.log.dir': join(dir, 'data'),
        'offset.storage.file.filename': join(dir, 'offsets'),
        'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
        'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
      },
      { logger: pino({ level: 'silent' }), plugins: plugins() },
    );
    const e = await errors(h, {
      'connector.class': UnsupportedSource.name,
      ...REQUIRED,
      'transaction.boundary': 'connector',
    });
    assert.deepEqual(e, { support: [], boundary: [] });
  });
});
