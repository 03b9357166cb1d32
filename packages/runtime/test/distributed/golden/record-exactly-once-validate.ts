/**
 * Records the exactly-once validation golden from the real thing: Apache Kafka Connect 4.1.1
 * (ConnectDistributed, the jars the REST goldens use, `<repo>/.cache/kafka-connect-4.1.1-rest/libs`)
 * on a real broker, once with `exactly.once.source.support=enabled` and once with `disabled`,
 * answering `PUT /connector-plugins/FileStreamSource/config/validate` for the requests of
 * {@link EOS_VALIDATE_REQUESTS}. Writes `exactly-once-validate.golden.json` next to this file;
 * `../exactly-once-validate-golden.test.ts` sends the same requests to Sluice and compares.
 *
 * Run on demand (needs Java 17+; fetch the jars first with the REST goldens' recorder):
 *
 *   scripts/run-node.sh packages/runtime/test/distributed/golden/record-exactly-once-validate.ts
 *
 * With SLUICE_TEST_KAFKA_BOOTSTRAP set the broker named there is used, else one is started.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { startKafka, uniqueName } from '@sluice/testing';
import {
  EOS_VALIDATE_GOLDEN,
  EOS_VALIDATE_REQUESTS,
  type EosValidateGolden,
} from './exactly-once-validate.ts';

const CONNECT_VERSION = '4.1.1';
const repo = join(import.meta.dirname, '../../../../..');
const libs = join(repo, '.cache', `kafka-connect-${CONNECT_VERSION}-rest`, 'libs');
const runDir = join(repo, '.cache', `kafka-connect-${CONNECT_VERSION}-rest`, 'last-run-eos');
const log = (m: string) => console.error(`[record-eos] ${m}`);

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

mkdirSync(runDir, { recursive: true });
const fromEnv = process.env.SLUICE_TEST_KAFKA_BOOTSTRAP?.trim();
const broker = fromEnv ? undefined : await startKafka({ ownerPid: process.pid, log });
const bootstrap = fromEnv || broker!.bootstrapServers;
const golden: EosValidateGolden = {
  recordedWith: `Apache Kafka Connect ${CONNECT_VERSION} (ConnectDistributed, Maven Central)`,
  recordedAt: new Date().toISOString().slice(0, 10),
  answers: [],
};
try {
  for (const mode of ['enabled', 'disabled'] as const) {
    const group = uniqueName(`eos-golden-${mode}`);
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
      'exactly.once.source.support': mode,
      listeners: `http://127.0.0.1:${port}`,
    };
    const propsFile = join(runDir, `worker-${mode}.properties`);
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
    const out = openSync(join(runDir, `connect-${mode}.log`), 'w');
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
      log(`Kafka Connect ${CONNECT_VERSION} (exactly.once.source.support=${mode}) up at ${base}`);
      for (const request of EOS_VALIDATE_REQUESTS.filter((r) => r.worker === mode)) {
        const res = await fetch(`${base}/connector-plugins/FileStreamSource/config/validate`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(request.config),
        });
        golden.answers.push({ name: request.name, status: res.status, body: await res.json() });
        log(`${request.name}: ${res.status}`);
      }
    } finally {
      const exited = new Promise((r) => worker.once('exit', r));
      worker.kill('SIGTERM');
      const timer = setTimeout(() => worker.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
  }
  writeFileSync(EOS_VALIDATE_GOLDEN, `${JSON.stringify(golden, null, 2)}\n`);
  log(`wrote ${golden.answers.length} answers to ${EOS_VALIDATE_GOLDEN}`);
} finally {
  await broker?.stop();
}
