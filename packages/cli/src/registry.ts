import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  FileStorage,
  MemoryStorage,
  SchemaRegistry,
  startRegistryServer,
} from '@sluice/schema-registry';

export const REGISTRY_USAGE = `Usage: sluice registry [--host 127.0.0.1] [--port 8081] [--data <file>] [--compatibility BACKWARD]
                       [--tls-cert <pem> --tls-key <pem> [--tls-key-password <p>] [--tls-client-ca <pem>]]

Runs Sluice's schema registry alone: Confluent Schema Registry's REST API (subjects, versions, ids,
compatibility, config, modes). --data keeps the schemas in an append-only file (else in memory
only); --compatibility is the default level. With --tls-cert and --tls-key it serves HTTPS;
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
  let server: Awaited<ReturnType<typeof startRegistryServer>>;
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
    const storage = values.data === undefined ? new MemoryStorage() : new FileStorage(values.data);
    server = await startRegistryServer(new SchemaRegistry(storage, { defaultCompatibility: level }), {
      host: values.host,
      port,
      ...(tls === undefined ? {} : { tls }),
    });
  } catch (e) {
    err.write(`sluice registry: cannot start: ${(e as Error).message}\n`);
    return 1;
  }
  out.write(`Schema registry listening at ${server.url}\n`);
  await stopSignal;
  await server.close();
  return 0;
}
