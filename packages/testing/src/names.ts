import { randomBytes } from 'node:crypto';

let counter = 0;

/**
 * A name unique across tests, processes and runs, valid as a Kafka topic or group name and as an
 * unquoted SQL identifier: `<prefix>_<time>_<pid>_<counter>_<random>`, lower case. Characters of
 * `prefix` outside `[a-z0-9_]` become `_`.
 */
export function uniqueName(prefix = 'test'): string {
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  counter++;
  return `${clean}_${Date.now().toString(36)}_${process.pid.toString(36)}_${counter}_${randomBytes(3).toString('hex')}`;
}
