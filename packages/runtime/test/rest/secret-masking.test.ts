/**
 * `rest.mask.passwords=true`: PASSWORD values answered as `[hidden]` everywhere the REST API shows
 * a config, a masked value sent back keeps the stored secret, config-provider references stay
 * unresolved in answers (with and without masking).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigDef } from '@sluice/api';
import { http, waitFor } from '@sluice/testing';
import { createLogger } from '../../src/logging/logger.ts';
import { LoggerRegistry } from '../../src/logging/logger-registry.ts';
import { RestServer } from '../../src/rest/rest-server.ts';
import { restSecurityOptions } from '../../src/rest/security-options.ts';
import type { StandaloneHerder } from '../../src/standalone/standalone-herder.ts';
import { startTestHerder } from '../helpers/standalone-worker.ts';
import { StartRecordingSinkConnector, taskStartConfigs } from '../helpers/test-connectors.ts';

/** A sink with a PASSWORD key of its own. */
class SecretSinkConnector extends StartRecordingSinkConnector {
  override config(): ConfigDef {
    return new ConfigDef()
      .define({
        name: 'db.user',
        type: 'STRING',
        importance: 'HIGH',
        documentation: 'User.',
        defaultValue: '',
      })
      .define({
        name: 'db.password',
        type: 'PASSWORD',
        importance: 'HIGH',
        documentation: 'Password.',
        defaultValue: null,
      });
  }
}

/** A transform with a PASSWORD key of its own (say, a lookup service's credentials). */
class SecretLookup {
  static readonly javaClass = 'com.example.SecretLookup';
  configure(): void {}
  apply<R>(record: R): R {
    return record;
  }
  config(): ConfigDef {
    return new ConfigDef()
      .define({
        name: 'lookup.url',
        type: 'STRING',
        importance: 'HIGH',
        documentation: 'URL.',
        defaultValue: '',
      })
      .define({
        name: 'lookup.password',
        type: 'PASSWORD',
        importance: 'HIGH',
        documentation: 'Password.',
        defaultValue: null,
      });
  }
  close(): void {}
}

interface Worker {
  url: string;
  herder: StandaloneHerder;
  close(): Promise<void>;
}

async function startWorker(dir: string, props: Record<string, string>): Promise<Worker> {
  const herder = await startTestHerder({ dir, connectors: [SecretSinkConnector], props });
  herder.plugins.register('transformation', SecretLookup);
  const logger = createLogger({ level: 'WARN' });
  const server = new RestServer({
    herder,
    loggers: new LoggerRegistry(logger),
    ...restSecurityOptions(herder.config, {}),
  });
  const { urls } = await server.start();
  return {
    url: urls[0]!,
    herder,
    async close() {
      await server.stop();
      await herder.stop();
    },
  };
}

const CONFIG = {
  'connector.class': 'SecretSinkConnector',
  topics: 'secret-topic',
  'tasks.max': '1',
  'db.user': 'app',
  'db.password': 's3cret!',
  'consumer.override.ssl.key.password': 'key-pass',
  'consumer.override.client.id': 'visible',
};

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-mask-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('rest.mask.passwords=true', () => {
  let w: Worker;
  before(async () => {
    w = await startWorker(join(dir, 'masked'), {
      'rest.mask.passwords': 'true',
      'connector.client.config.override.policy': 'All',
    });
  });
  after(async () => {
    await w.close();
  });

  test('every answer with a config hides PASSWORD values, the rest is shown', async () => {
    const created = await http(w.url, 'POST', '/connectors', { body: { name: 'sec', config: CONFIG } });
    assert.equal(created.status, 201, created.text);
    const expectMasked = (config: Record<string, string>): void => {
      assert.equal(config['db.password'], '[hidden]');
      assert.equal(config['consumer.override.ssl.key.password'], '[hidden]');
      assert.equal(config['db.user'], 'app');
      assert.equal(config['consumer.override.client.id'], 'visible');
    };
    expectMasked((created.json as { config: Record<string, string> }).config);
    expectMasked(
      ((await http(w.url, 'GET', '/connectors/sec')).json as { config: Record<string, string> }).config,
    );
    expectMasked((await http(w.url, 'GET', '/connectors/sec/config')).json as Record<string, string>);
    const expanded = (await http(w.url, 'GET', '/connectors?expand=info')).json as Record<
      string,
      { info: { config: Record<string, string> } }
    >;
    expectMasked(expanded.sec!.info.config);
    await waitFor(
      'condition',
      async () => ((await http(w.url, 'GET', '/connectors/sec/tasks')).json as unknown[]).length === 1,
      10_000,
    );
    const tasks = (await http(w.url, 'GET', '/connectors/sec/tasks')).json as {
      config: Record<string, string>;
    }[];
    expectMasked(tasks[0]!.config);
    const validated = await http(w.url, 'PUT', '/connector-plugins/SecretSinkConnector/config/validate', {
      body: { ...CONFIG, name: 'sec' },
    });
    assert.equal(validated.status, 200);
    assert.doesNotMatch(validated.text, /s3cret!|key-pass/);
    // The connector itself runs with the real secret.
    await waitFor('condition', async () => (taskStartConfigs.get('sec')?.length ?? 0) > 0, 10_000);
    assert.equal(taskStartConfigs.get('sec')![0]!['db.password'], 's3cret!');
  });

  test('GET, edit, PUT back: the masked value keeps the stored secret; PATCH too', async () => {
    const got = (await http(w.url, 'GET', '/connectors/sec/config')).json as Record<string, string>;
    const put = await http(w.url, 'PUT', '/connectors/sec/config', { body: { ...got, 'db.user': 'app2' } });
    assert.equal(put.status, 200, put.text);
    let stored = await w.herder.connectorConfig('sec');
    assert.equal(stored['db.password'], 's3cret!');
    assert.equal(stored['consumer.override.ssl.key.password'], 'key-pass');
    assert.equal(stored['db.user'], 'app2');
    const patched = await http(w.url, 'PATCH', '/connectors/sec/config', {
      body: { 'db.password': '[hidden]', 'db.user': 'app3' },
    });
    assert.equal(patched.status, 200, patched.text);
    stored = await w.herder.connectorConfig('sec');
    assert.equal(stored['db.password'], 's3cret!');
    // A new secret replaces the old one.
    await http(w.url, 'PATCH', '/connectors/sec/config', { body: { 'db.password': 'n3w' } });
    assert.equal((await w.herder.connectorConfig('sec'))['db.password'], 'n3w');
  });

  test('PASSWORD values of converters and transforms, under their prefixes, are masked and kept too', async () => {
    const config = {
      ...CONFIG,
      'value.converter': 'io.confluent.connect.avro.AvroConverter',
      'value.converter.schema.registry.url': 'http://127.0.0.1:1',
      'value.converter.basic.auth.credentials.source': 'USER_INFO',
      'value.converter.basic.auth.user.info': 'sr-user:sr-pass',
      transforms: 'look, route',
      'transforms.look.type': 'com.example.SecretLookup',
      'transforms.look.lookup.url': 'http://lookup',
      'transforms.look.lookup.password': 'lookup-pass',
      'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
      'transforms.route.regex': '(.*)',
      'transforms.route.replacement': '$1-out',
      // Under another alias than the one declared: not a transform key, shown as stored.
      'transforms.other.lookup.password': 'not-a-secret',
    };
    const created = await http(w.url, 'POST', '/connectors', { body: { name: 'plugins', config } });
    assert.equal(created.status, 201, created.text);
    const expectMasked = (c: Record<string, string>): void => {
      assert.equal(c['value.converter.basic.auth.user.info'], '[hidden]');
      assert.equal(c['transforms.look.lookup.password'], '[hidden]');
      assert.equal(c['db.password'], '[hidden]');
      assert.equal(c['value.converter.schema.registry.url'], 'http://127.0.0.1:1');
      assert.equal(c['transforms.look.lookup.url'], 'http://lookup');
      assert.equal(c['transforms.route.replacement'], '$1-out');
      assert.equal(c['transforms.other.lookup.password'], 'not-a-secret');
    };
    expectMasked((created.json as { config: Record<string, string> }).config);
    const got = (await http(w.url, 'GET', '/connectors/plugins/config')).json as Record<string, string>;
    expectMasked(got);
    assert.doesNotMatch(JSON.stringify(got), /sr-pass|lookup-pass/);
    const expanded = (await http(w.url, 'GET', '/connectors?expand=info')).json as Record<
      string,
      { info: { config: Record<string, string> } }
    >;
    expectMasked(expanded.plugins!.info.config);
    // The GET-edit-PUT round trip keeps both stored secrets.
    const put = await http(w.url, 'PUT', '/connectors/plugins/config', {
      body: { ...got, 'transforms.look.lookup.url': 'http://lookup2' },
    });
    assert.equal(put.status, 200, put.text);
    expectMasked({
      ...(put.json as { config: Record<string, string> }).config,
      'transforms.look.lookup.url': 'http://lookup',
    });
    let stored = await w.herder.connectorConfig('plugins');
    assert.equal(stored['value.converter.basic.auth.user.info'], 'sr-user:sr-pass');
    assert.equal(stored['transforms.look.lookup.password'], 'lookup-pass');
    assert.equal(stored['transforms.look.lookup.url'], 'http://lookup2');
    // A PATCH sending the masked value keeps it; one sending a new value replaces it.
    const patched = await http(w.url, 'PATCH', '/connectors/plugins/config', {
      body: {
        'transforms.look.lookup.password': '[hidden]',
        'value.converter.basic.auth.user.info': 'u2:p2',
      },
    });
    assert.equal(patched.status, 200, patched.text);
    stored = await w.herder.connectorConfig('plugins');
    assert.equal(stored['transforms.look.lookup.password'], 'lookup-pass');
    assert.equal(stored['value.converter.basic.auth.user.info'], 'u2:p2');
    // [hidden] for a transform that has no stored secret: 400 naming the key.
    const fresh = await http(w.url, 'PUT', '/connectors/plugins-fresh/config', {
      body: { ...config, 'transforms.look.lookup.password': '[hidden]' },
    });
    assert.equal(fresh.status, 400, fresh.text);
    assert.match(
      (fresh.json as { message: string }).message,
      /transforms\.look\.lookup\.password: '\[hidden\]'/,
    );
    await http(w.url, 'DELETE', '/connectors/plugins');
  });

  test('a masked value for a connector with no stored secret is refused with 400 naming the key', async () => {
    const r = await http(w.url, 'PUT', '/connectors/fresh/config', {
      body: { ...CONFIG, 'db.password': '[hidden]' },
    });
    assert.equal(r.status, 400);
    assert.match(
      (r.json as { message: string }).message,
      /db\.password: '\[hidden\]' is how this worker shows a stored secret/,
    );
  });

  test('a config-provider reference is shown as written, never resolved', async () => {
    const secrets = join(dir, 'secrets.properties');
    await writeFile(secrets, 'pw=from-file\n');
    const w2 = await startWorker(join(dir, 'providers'), {
      'rest.mask.passwords': 'true',
      'config.providers': 'file',
      'config.providers.file.class': 'org.apache.kafka.common.config.provider.FileConfigProvider',
    });
    try {
      const ref = `\${file:${secrets}:pw}`;
      const r = await http(w2.url, 'POST', '/connectors', {
        body: {
          name: 'prov',
          config: {
            ...CONFIG,
            'consumer.override.ssl.key.password': 'x',
            'db.password': ref,
            'db.user': ref,
          },
        },
      });
      assert.equal(r.status, 201, r.text);
      const config = (await http(w2.url, 'GET', '/connectors/prov/config')).json as Record<string, string>;
      assert.equal(config['db.password'], ref);
      assert.equal(config['db.user'], ref);
      await waitFor('condition', async () => (taskStartConfigs.get('prov')?.length ?? 0) > 0, 10_000);
      assert.equal(taskStartConfigs.get('prov')![0]!['db.password'], 'from-file');
    } finally {
      await w2.close();
    }
  });
});

test('without rest.mask.passwords the values are answered as stored (Kafka)', async () => {
  const w = await startWorker(join(dir, 'plain'), { 'connector.client.config.override.policy': 'All' });
  try {
    await http(w.url, 'POST', '/connectors', { body: { name: 'plain', config: CONFIG } });
    const config = (await http(w.url, 'GET', '/connectors/plain/config')).json as Record<string, string>;
    assert.equal(config['db.password'], 's3cret!');
  } finally {
    await w.close();
  }
});
