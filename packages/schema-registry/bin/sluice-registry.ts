/**
 * A Confluent-compatible schema registry alone: `sluice-registry [--host 127.0.0.1] [--port 8081]
 * [--data registry-data/schemas.log] [--compatibility BACKWARD]`. Without --data it keeps
 * schemas in memory only. Prints the URL once listening; SIGINT/SIGTERM stop it.
 */
import { parseArgs } from 'node:util';
import {
  type CompatibilityLevel,
  FileStorage,
  MemoryStorage,
  SchemaRegistry,
  startRegistryServer,
} from '../src/index.ts';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8081' },
    data: { type: 'string' },
    compatibility: { type: 'string', default: 'BACKWARD' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port: not a port number: ${values.port}`);
  process.exit(2);
}
const storage = values.data === undefined ? new MemoryStorage() : new FileStorage(values.data);
const registry = new SchemaRegistry(storage, {
  defaultCompatibility: values.compatibility.toUpperCase() as CompatibilityLevel,
});
const server = await startRegistryServer(registry, { host: values.host, port });
process.stdout.write(`${server.url}\n`);
const stop = () => {
  server.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
