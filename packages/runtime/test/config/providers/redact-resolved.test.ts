// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${provider:path:key}` config variables are the subject under test.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigDef } from '@sluice/api';
import { ConfigTransformer } from '../../../src/config/providers/config-transformer.ts';
import { FileConfigProvider } from '../../../src/config/providers/file-config-provider.ts';
import {
  maskResolvedValues,
  redactResolvedConfig,
  resolvedValues,
} from '../../../src/config/providers/redact-resolved.ts';

let base: string;
before(async () => {
  base = await mkdtemp(join(tmpdir(), 'sluice-redact-'));
  await writeFile(join(base, 'db.properties'), 'password=s3cr3t-pw\nuser=app-user\n');
});
after(() => rm(base, { recursive: true, force: true }));

async function resolve(raw: Record<string, string>) {
  const file = new FileConfigProvider();
  file.configure({});
  return new ConfigTransformer(new Map([['file', file]])).transform(raw);
}

describe('redacting resolved configs', () => {
  test('values that came from a provider are hidden; raw config keeps its ${...} text', async () => {
    const raw = {
      'connection.url': `jdbc:postgresql://h/db?user=\${file:${base}/db.properties:user}`,
      'connection.password': `\${file:${base}/db.properties:password}`,
      'ssl.key.password': 'literal-secret',
      'topic.prefix': 'pg-',
      'not.found': `\${file:${base}/db.properties:nope}`,
    };
    const result = await resolve(raw);
    const def = new ConfigDef()
      .define('connection.password', 'PASSWORD', null, 'HIGH', 'pw')
      .define('connection.url', 'STRING', null, 'HIGH', 'url')
      .define('topic.prefix', 'STRING', null, 'HIGH', 'prefix');
    assert.deepEqual(redactResolvedConfig(result, def), {
      'connection.url': '[hidden]',
      'connection.password': '[hidden]',
      'ssl.key.password': 'literal-secret',
      'topic.prefix': 'pg-',
      'not.found': `\${file:${base}/db.properties:nope}`,
    });
    // Without a ConfigDef, secret-looking names are hidden too.
    assert.equal(redactResolvedConfig(result)['ssl.key.password'], '[hidden]');
    // The resolved map has the secrets, the raw map (what REST returns) does not.
    assert.equal(result.data['connection.password'], 's3cr3t-pw');
    assert.equal(raw['connection.password'], `\${file:${base}/db.properties:password}`);
    assert.ok(!JSON.stringify(redactResolvedConfig(result, def)).includes('s3cr3t-pw'));
  });

  test('free text quoting a resolved value, or a substituted piece of one, is masked', async () => {
    const result = await resolve({
      url: `jdbc:postgresql://h/db?user=\${file:${base}/db.properties:user}`,
      pw: `\${file:${base}/db.properties:password}`,
    });
    const values = resolvedValues(result);
    assert.deepEqual(values, ['jdbc:postgresql://h/db?user=app-user', 's3cr3t-pw', 'app-user']);
    assert.equal(
      maskResolvedValues(
        'Invalid value s3cr3t-pw for configuration pw; url jdbc:postgresql://h/db?user=app-user; app-user',
        values,
      ),
      'Invalid value [hidden] for configuration pw; url [hidden]; [hidden]',
    );
  });
});
