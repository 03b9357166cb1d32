/**
 * Records how Apache Kafka Connect 4.1.1 (ConnectDistributed, the jars the REST goldens use,
 * `<repo>/.cache/kafka-connect-4.1.1-rest/libs`) writes its config topic with
 * `exactly.once.source.support=enabled`, on a real broker: after `POST /connectors` of a
 * FileStreamSink, the transactional id the broker knows (`kafka-transactions describe`), the
 * config topic's records in order with whether a transaction marker follows each one; then a
 * zombie leader (a producer initializing the same transactional id) and the answers to the next
 * two `POST /connectors`. Writes `leader-config-transactions.golden.json` next to this file;
 * `../leader-config-transactions.test.ts` compares Sluice with it.
 *
 * Run on demand (needs Java 17+; fetch the jars first with the REST goldens' recorder):
 *
 *   scripts/run-node.sh packages/runtime/test/distributed/golden/record-leader-config-transactions.ts
 *
 * With SLUICE_TEST_KAFKA_BOOTSTRAP set the broker named there is used, else one is started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PlatformaticLogClient } from '@sluice/runtime';
import { kafkaTransactions, startKafka, uniqueName, untilStable } from '@sluice/testing';
import { configTopicLayout, LEADER_TXN_GOLDEN, type LeaderTxnGolden } from './leader-config-transactions.ts';

const CONNECT_VERSION = '4.1.1';
const repo = join(import.meta.dirname, '../../../../..');
const libs = join(repo, '.cache', `kafka-connect-${CONNECT_VERSION}-rest`, 'libs');
const runDir = join(repo, '.cache', `kafka-connect-${CONNECT_VERSION}-rest`, 'last-run-leader-txn');
const log = (m: string) => console.error(`[record-leader-txn] ${m}`);

if (!existsSync(libs))
  throw new Error(
    `${libs} is missing: run packages/runtime/test/rest/goldens/record.ts once to fetch the jars`,
  );

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function waitForRest(base: string, worker: ChildProcess): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (worker.exitCode !== null) throw new Error(`Kafka Connect exited (${worker.exitCode}); see ${runDir}`);
    try {
      const res = await fetch(`${base}/connectors`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('Kafka Connect did not answer within 180 s');
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function post(base: string, name: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}/connectors`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name,
      config: {
        'connector.class': 'FileStreamSink',
        topics: 'leader-txn-topic',
        file: join(runDir, `${name}.txt`),
      },
    }),
  });
  return { status: res.status, body: await res.json() };
}

mkdirSync(runDir, { recursive: true });
const fromEnv = process.env.SLUICE_TEST_KAFKA_BOOTSTRAP?.trim();
const broker = fromEnv ? undefined : await startKafka({ ownerPid: process.pid, log });
const bootstrap = fromEnv || broker!.bootstrapServers;
const client = new PlatformaticLogClient({ bootstrapServers: bootstrap, clientId: 'record-leader-txn' });
const group = uniqueName('leader-txn-golden');
const port = await freePort();
const props: Record<string, string> = {
  'bootstrap.servers': bootstrap,
  'group.id': group,
  'config.storage.topic': `${group}-configs`,
  'offset.storage.topic': `${group}-offsets`,
  'status.storage.topic': `${group}-status`,
  'config.storage.replication.factor': '1',
  'offset.storage.replication.factor': '1',
  'status.storage.replication.factor': '1',
  'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'exactly.once.source.support': 'enabled',
  listeners: `http://127.0.0.1:${port}`,
};
const propsFile = join(runDir, 'worker.properties');
await writeFile(
  propsFile,
  Object.entries(props)
    .map(([k, v]) => `${k}=${v}\n`)
    .join(''),
);
const log4j = join(runDir, 'log4j2.properties');
await writeFile(
  log4j,
  'status = warn\nappender.stdout.type = Console\nappender.stdout.name = STDOUT\nappender.stdout.layout.type = PatternLayout\nappender.stdout.layout.pattern = [%d] %p %m (%c)%n\nrootLogger.level = WARN\nrootLogger.appenderRef.stdout.ref = STDOUT\n',
);
const out = openSync(join(runDir, 'connect.log'), 'w');
const worker = spawn(
  'java',
  [
    `-Dlog4j2.configurationFile=${log4j}`,
    '-cp',
    `${libs}/*`,
    'org.apache.kafka.connect.cli.ConnectDistributed',
    propsFile,
  ],
  { stdio: ['ignore', out, out] },
);
try {
  const base = `http://127.0.0.1:${port}`;
  await waitForRest(base, worker);
  log(`Kafka Connect ${CONNECT_VERSION} up at ${base}`);
  const first = await post(base, 'first');
  log(`first: ${first.status}`);
  // The connector's task configs follow.
  await new Promise((r) => setTimeout(r, 5_000));
  const configTopic = `${group}-configs`;
  await untilStable(client, configTopic);
  const [header, row] = await kafkaTransactions(bootstrap, [
    'describe',
    '--transactional-id',
    `connect-cluster-${group}`,
  ]);
  const described = Object.fromEntries(header!.map((h, i) => [h, row![i] ?? '']));
  const layout = await configTopicLayout(client, configTopic);

  const zombie = client.transactionalWriter(`connect-cluster-${group}`);
  await zombie.init();
  await zombie.close();
  const fenced = await post(base, 'second');
  log(`second after the zombie: ${fenced.status}`);
  await new Promise((r) => setTimeout(r, 2_000));
  const retried = await post(base, 'second');
  log(`second again: ${retried.status}`);

  const golden: LeaderTxnGolden = {
    recordedWith: `Apache Kafka Connect ${CONNECT_VERSION} (ConnectDistributed, Maven Central)`,
    recordedAt: new Date().toISOString().slice(0, 10),
    transactionalId: String(described.TransactionalId).replace(group, '<group>'),
    transactionState: String(described.TransactionState),
    layout,
    afterZombie: { status: fenced.status, body: fenced.body },
    retried: { status: retried.status },
  };
  writeFileSync(LEADER_TXN_GOLDEN, `${JSON.stringify(golden, null, 2)}\n`);
  log(`wrote ${LEADER_TXN_GOLDEN}`);
} finally {
  const exited = new Promise((r) => worker.once('exit', r));
  worker.kill('SIGTERM');
  const timer = setTimeout(() => worker.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
  await client.close();
  await broker?.stop();
}
