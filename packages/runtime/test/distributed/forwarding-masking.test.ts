/**
 * A write forwarded from a worker with `rest.mask.passwords=true` to a leader without it: the
 * follower restores the stored secret where `[hidden]` was sent before the request travels, and
 * masks the leader's answer, as it does for a write it serves itself. Otherwise the leader would
 * store the text `[hidden]` as the password, and the client would see the secret.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eventually, uniqueName, useKafka } from '@sluice/testing';
import {
  type DistributedTestWorker,
  distributedTestProps,
  http,
  leaderAndFollower,
  startDistributedTestWorker,
  stopDistributedTestWorker,
} from '../helpers/distributed-worker.ts';

const SECRET_KEY = 'consumer.override.ssl.key.password';

let bootstrapServers: string;
let dir: string;

before(async () => {
  ({ bootstrapServers } = await useKafka());
  dir = await mkdtemp(join(tmpdir(), 'sluice-fwd-mask-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('forwarding with rest.mask.passwords on the follower only', { timeout: 180_000 }, () => {
  test('the leader stores the secret, the client sees [hidden]', async () => {
    const group = uniqueName('fwd-mask');
    const props = distributedTestProps(bootstrapServers, group);
    // The first worker leads (a member keeps the leadership while it stays in the group).
    const plain = await startDistributedTestWorker(props);
    let masked: DistributedTestWorker | undefined;
    try {
      masked = await startDistributedTestWorker(props, { maskPasswords: true });
      const [leader, follower] = await leaderAndFollower(plain, masked);
      assert.equal(leader, plain, 'the worker without masking leads');
      const config = {
        'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
        topics: `${group}-in`,
        file: join(dir, `${group}.txt`),
        'tasks.max': '1',
        [SECRET_KEY]: 'key-pass',
        'consumer.override.client.id': 'visible',
      };
      const stored = async () => (await http(leader.url, 'GET', '/connectors/c/config')).body;

      const created = await http(follower.url, 'POST', '/connectors', { name: 'c', config });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.ok(follower.access.includes('POST /connectors 201'), follower.access.join('\n'));
      assert.ok(leader.access.includes('POST /connectors?forward=true 201'), leader.access.join('\n'));
      assert.equal(created.body.config[SECRET_KEY], '[hidden]');
      assert.equal((await stored())[SECRET_KEY], 'key-pass');

      // The GET-edit-PUT round trip through the masking follower keeps the secret on the leader.
      const shown = (await http(follower.url, 'GET', '/connectors/c/config')).body;
      assert.equal(shown[SECRET_KEY], '[hidden]');
      const put = await http(follower.url, 'PUT', '/connectors/c/config', { ...shown, 'tasks.max': '2' });
      assert.equal(put.status, 200, JSON.stringify(put.body));
      assert.ok(
        leader.access.includes('PUT /connectors/c/config?forward=true 200'),
        leader.access.join('\n'),
      );
      assert.equal(put.body.config[SECRET_KEY], '[hidden]');
      await eventually('the PUT applied', async () =>
        (await stored())['tasks.max'] === '2' ? true : undefined,
      );
      assert.equal((await stored())[SECRET_KEY], 'key-pass');

      const patched = await http(follower.url, 'PATCH', '/connectors/c/config', {
        [SECRET_KEY]: '[hidden]',
        'consumer.override.client.id': 'patched',
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.ok(
        leader.access.includes('PATCH /connectors/c/config?forward=true 200'),
        leader.access.join('\n'),
      );
      assert.equal(patched.body.config[SECRET_KEY], '[hidden]');
      const after = await stored();
      assert.equal(after['consumer.override.client.id'], 'patched');
      assert.equal(after[SECRET_KEY], 'key-pass');
    } finally {
      if (masked !== undefined) await stopDistributedTestWorker(masked);
      await stopDistributedTestWorker(plain);
    }
  });
});
