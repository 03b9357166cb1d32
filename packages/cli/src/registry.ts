import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  connectionSettings,
  loadPropertiesFile,
  PlatformaticLogClient,
  SchemaRegistryTopicLog,
} from '@sluice/runtime';
import {
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  FileStorage,
  LogStorage,
  MemoryStorage,
  type RegistryStorage,
  SchemaRegistry,
  startRegistryServer,
} from '@sluice/schema-registry';

export const REGISTRY_USAGE = `Usage: sluice registry [--host 127.0.0.1] [--port 8081] [--data <file>] [--compatibility BACKWARD]
                       [--tls-cert <pem> --tls-key <pem> [--tls-key-password <p>] [--tls-client-ca <pem>]]
                       [--bootstrap-servers <host:port,...> [--kafka-config <file>] [--topic _schemas]
                        [--replication-factor <n>]]

Runs Sluice's schema registry alone: Confluent Schema Registry's REST API (subjects, versions, ids,
compatibility, config, modes). --data keeps the schemas in an append-only file (else in memory
only); --bootstrap-servers keeps them in a compacted topic of that Kafka cluster instead, in
Confluent Schema Registry's record format (--kafka-config: Kafka client properties such as
security.protocol, ssl.*, sasl.*; this registry must be the topic's only writer).
--compatibility is the default level. With --tls-cert and --tls-key it serves HTTPS;
--tls-client-ca also requires client certificates signed by those CAs. Prints the URL once
listening; SIGINT/SIGTERM stop it.
`;

function signalled(): Promise<unknown> {
  return new Promise((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
}

/** `sluice registry`: returns the exit code (2 for a bad command line, 1 when it cannot start). */
export async function runRegistry(
  args: readonly string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
  stopSignal: Promise<unknown> = signalled(),
): Promise<number> {
  let values: {
    host: string;
    port: string;
    data?: string;
    compatibility: string;
    help?: boolean;
    'tls-cert'?: string;
    'tls-key'?: string;
    'tls-key-password'?: string;
    'tls-client-ca'?: string;
    'bootstrap-servers'?: string;
    'kafka-config'?: string;
    topic: string;
    'replication-factor': string;
  };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        host: { type: 'string', default: '127.0.0.1' },
        port: { type: 'string', default: '8081' },
        data: { type: 'string' },
        compatibility: { type: 'string', default: 'BACKWARD' },
        help: { type: 'boolean', short: 'h' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-key-password': { type: 'string' },
        'tls-client-ca': { type: 'string' },
        'bootstrap-servers': { type: 'string' },
        'kafka-config': { type: 'string' },
        topic: { type: 'string', default: '_schemas' },
        'replication-factor': { type: 'string', default: '-1' },
      },
    }) as { values: typeof values });
  } catch (e) {
    err.write(`sluice registry: ${(e as Error).message}\n\n${REGISTRY_USAGE}`);
    return 2;
  }
  if (values.help) {
    out.write(REGISTRY_USAGE);
    return 0;
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) {
    err.write(`sluice registry: --port: not a port number: ${values.port}\n`);
    return 2;
  }
  const level = values.compatibility.toUpperCase() as CompatibilityLevel;
  if (!COMPATIBILITY_LEVELS.includes(level)) {
    err.write(
      `sluice registry: --compatibility: one of ${COMPATIBILITY_LEVELS.join(', ')} (got ${values.compatibility})\n`,
    );
    return 2;
  }
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if (
    (certFile === undefined) !== (keyFile === undefined) ||
    (values['tls-client-ca'] !== undefined && certFile === undefined)
  ) {
    err.write(
      'sluice registry: HTTPS needs both --tls-cert and --tls-key (and --tls-client-ca only with them)\n',
    );
    return 2;
  }
  const kafka = values['bootstrap-servers'];
  if (kafka !== undefined && values.data !== undefined) {
    err.write('sluice registry: --data and --bootstrap-servers: choose one place for the schemas\n');
    return 2;
  }
  if (kafka === undefined && values['kafka-config'] !== undefined) {
    err.write('sluice registry: --kafka-config needs --bootstrap-servers\n');
    return 2;
  }
  const replicationFactor = Number(values['replication-factor']);
  if (!Number.isInteger(replicationFactor) || (replicationFactor < 1 && replicationFactor !== -1)) {
    err.write(
      `sluice registry: --replication-factor: a positive number or -1 (got ${values['replication-factor']})\n`,
    );
    return 2;
  }
  let server: Awaited<ReturnType<typeof startRegistryServer>>;
  let client: PlatformaticLogClient | undefined;
  let storage: RegistryStorage;
  try {
    const read = (option: string, file: string) => {
      try {
        return readFileSync(file);
      } catch (e) {
        throw new Error(`--${option}: cannot read ${file}: ${(e as Error).message}`);
      }
    };
    const tls =
      certFile === undefined || keyFile === undefined
        ? undefined
        : {
            cert: read('tls-cert', certFile),
            key: read('tls-key', keyFile),
            ...(values['tls-key-password'] === undefined ? {} : { passphrase: values['tls-key-password'] }),
            ...(values['tls-client-ca'] === undefined
              ? {}
              : { ca: read('tls-client-ca', values['tls-client-ca']) }),
          };
    if (kafka !== undefined) {
      const props =
        values['kafka-config'] === undefined ? {} : await loadPropertiesFile(values['kafka-config']);
      client = new PlatformaticLogClient({
        ...connectionSettings({ ...props, 'bootstrap.servers': kafka }),
        clientId: 'sluice-registry',
      });
      storage = await LogStorage.open(
        new SchemaRegistryTopicLog({ client, topic: values.topic, replicationFactor }),
        { onBadRecord: (message) => err.write(`sluice registry: ${message}\n`) },
      );
    } else storage = values.data === undefined ? new MemoryStorage() : new FileStorage(values.data);
    server = await startRegistryServer(new SchemaRegistry(storage, { defaultCompatibility: level }), {
      host: values.host,
      port,
      ...(tls === undefined ? {} : { tls }),
    });
  } catch (e) {
    err.write(`sluice registry: cannot start: ${(e as Error).message}\n`);
    await client?.close().catch(() => {});
    return 1;
  }
  out.write(`Schema registry listening at ${server.url}\n`);
  await stopSignal;
  await server.close();
  if (storage instanceof LogStorage) await storage.stop();
  await client?.close();
  return 0;
}
