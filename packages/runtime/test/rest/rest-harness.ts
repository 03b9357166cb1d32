/**
 * A real worker behind a real RestServer on an ephemeral port for the REST conformance tests
 * (their HTTP client is `http` of @sluice/testing). The worker is either standalone (StandaloneHerder on the embedded log) or a
 * one-worker distributed cluster (DistributedHerder on the real test broker from `useKafka()`, with
 * its own group and internal topics).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinPlugins } from '@sluice/cli';
import { uniqueName as uniqueTopicName, useKafka } from '@sluice/testing';
import { DistributedHerder } from '../../src/distributed/assemble.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { LoggerRegistry } from '../../src/logging/logger-registry.ts';
import { RestServer, type RestServerOptions } from '../../src/rest/rest-server.ts';
import { StandaloneHerder } from '../../src/standalone/assemble.ts';
import { distributedTestProps } from '../helpers/distributed-worker.ts';

/** Which herder runs behind the REST server. */
export type WorkerMode = 'standalone' | 'distributed';

export interface TestWorker {
  mode: WorkerMode;
  /** `http://127.0.0.1:<port>`. */
  url: string;
  herder: StandaloneHerder | DistributedHerder;
  server: RestServer;
  loggers: LoggerRegistry;
  /** A temporary directory removed on close. */
  dir: string;
  close(): Promise<void>;
}

export interface StartOptions extends Partial<Omit<RestServerOptions, 'herder' | 'loggers' | 'listeners'>> {
  /** The herder (default standalone). */
  mode?: WorkerMode;
  /** Start the herder (default true); false leaves it "starting". */
  startHerder?: boolean;
  /** Extra worker properties. */
  workerProps?: Record<string, string>;
  /** Root log level of the worker's loggers (default WARN, to keep test output short). */
  logLevel?: string;
}

/** Worker properties of the brief: String converters, the embedded log, an ephemeral port. */
export function workerProps(dir: string): Record<string, string> {
  return {
    'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
    'embedded.log.dir': join(dir, 'log'),
    'offset.storage.file.filename': join(dir, 'offsets'),
    listeners: 'http://127.0.0.1:0',
  };
}

/**
 * Worker properties of a one-worker distributed cluster on `bootstrapServers`: a group and internal
 * topics of its own, and the short timings of the distributed herder tests.
 */
export function distributedWorkerProps(bootstrapServers: string): Record<string, string> {
  return distributedTestProps(bootstrapServers, uniqueTopicName('rest'), {
    'offset.storage.partitions': '1',
    'status.storage.partitions': '1',
  });
}

export async function startWorker(options: StartOptions = {}): Promise<TestWorker> {
  const {
    mode = 'standalone',
    startHerder = true,
    workerProps: extra = {},
    logLevel = 'WARN',
    ...serverOptions
  } = options;
  const dir = await mkdtemp(join(tmpdir(), 'sluice-rest-'));
  const root = createLogger({ level: logLevel });
  const loggers = new LoggerRegistry(root);
  const herder =
    mode === 'standalone'
      ? await StandaloneHerder.create(
          { ...workerProps(dir), ...extra },
          { logger: root, plugins: builtinPlugins() },
        )
      : await DistributedHerder.create(
          { ...distributedWorkerProps((await useKafka()).bootstrapServers), ...extra },
          { logger: root, plugins: builtinPlugins() },
        );
  // A distributed herder joins its group at start, which needs its REST URL (the bound port).
  if (startHerder && herder instanceof StandaloneHerder) await herder.start();
  const server = new RestServer({
    herder,
    loggers,
    listeners: [{ protocol: 'http', host: '127.0.0.1', port: 0 }],
    ...serverOptions,
  });
  const { urls } = await server.start();
  if (herder instanceof DistributedHerder) {
    herder.setBoundPort(Number(new URL(urls[0]!).port));
    if (startHerder) await herder.start();
  }
  return {
    mode,
    url: urls[0]!,
    herder,
    server,
    loggers,
    dir,
    async close() {
      await server.stop();
      if (startHerder) await herder.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Asserts Kafka's error answer: `status`, a body of exactly `error_code` (the status) and a
 * string `message`, equal to `message` (a string) or matching it (a RegExp) when given.
 */
export function assertError(
  res: { status: number; json: unknown },
  status: number,
  message?: string | RegExp,
): void {
  assert.equal(res.status, status, JSON.stringify(res.json));
  const body = res.json as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['error_code', 'message']);
  assert.equal(body.error_code, status);
  assert.equal(typeof body.message, 'string');
  if (typeof message === 'string') assert.equal(body.message, message);
  else if (message !== undefined) assert.match(body.message as string, message);
}
