/**
 * The requests of the basic-auth golden: Kafka Connect's BasicAuthSecurityRestExtension with a
 * JAAS file of PropertyFileLoginModule, asked with no, wrong and right credentials, on public and
 * internal endpoints. `record.ts` sends them to Kafka Connect 4.1.1, `../../basic-auth-golden.test.ts`
 * to Sluice.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const GOLDEN_FILE = join(import.meta.dirname, 'kafka-connect-4.1.1.json');
export const EXTENSION = 'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension';

export interface Step {
  label: string;
  method: string;
  path: string;
  /** `user:password` for basic credentials, or a whole Authorization header. */
  auth?: { basic: string } | { header: string };
  body?: unknown;
}

export interface RecordedAnswer {
  label: string;
  status: number;
  contentType: string | null;
  wwwAuthenticate: string | null;
  body: string;
}

export interface GoldenFile {
  recordedWith: string;
  recordedAt: string;
  answers: RecordedAnswer[];
}

const RIGHT = { basic: 'alice:alice-secret' };

export const STEPS: Step[] = [
  { label: 'root, no credentials', method: 'GET', path: '/' },
  { label: 'root, right credentials', method: 'GET', path: '/', auth: RIGHT },
  { label: 'list, no credentials', method: 'GET', path: '/connectors' },
  { label: 'list, wrong password', method: 'GET', path: '/connectors', auth: { basic: 'alice:nope' } },
  {
    label: 'list, unknown user',
    method: 'GET',
    path: '/connectors',
    auth: { basic: 'mallory:alice-secret' },
  },
  { label: 'list, bearer scheme', method: 'GET', path: '/connectors', auth: { header: 'Bearer abc' } },
  {
    label: 'list, no colon',
    method: 'GET',
    path: '/connectors',
    auth: { header: `Basic ${Buffer.from('alice').toString('base64')}` },
  },
  { label: 'list, right credentials', method: 'GET', path: '/connectors', auth: RIGHT },
  { label: 'health, no credentials', method: 'GET', path: '/health' },
  { label: 'create, no credentials', method: 'POST', path: '/connectors', body: { name: 'x', config: {} } },
  { label: 'loggers, no credentials', method: 'GET', path: '/admin/loggers' },
  { label: 'plugins, no credentials', method: 'GET', path: '/connector-plugins' },
  { label: 'unknown path, no credentials', method: 'GET', path: '/no-such-path' },
  { label: 'wrong method, no credentials', method: 'DELETE', path: '/connectors' },
  {
    label: 'internal task configs, no credentials',
    method: 'POST',
    path: '/connectors/ghost/tasks',
    body: [],
  },
  { label: 'internal fence, no credentials', method: 'PUT', path: '/connectors/ghost/fence' },
  { label: 'task configs GET, no credentials', method: 'GET', path: '/connectors/ghost/tasks' },
  { label: 'unknown connector, right credentials', method: 'GET', path: '/connectors/ghost', auth: RIGHT },
];

/** Writes the users file and the JAAS file into `dir`; returns the JAAS file's path. */
export async function writeJaas(dir: string): Promise<string> {
  const users = join(dir, 'connect-users.properties');
  await writeFile(users, 'alice=alice-secret\nbob=bob-secret\n');
  const jaas = join(dir, 'connect_jaas.conf');
  await writeFile(
    jaas,
    `KafkaConnect {\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file="${users}";\n};\n`,
  );
  return jaas;
}

export async function runSteps(base: string): Promise<RecordedAnswer[]> {
  const out: RecordedAnswer[] = [];
  for (const step of STEPS) {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (step.auth !== undefined) {
      headers.authorization =
        'basic' in step.auth ? `Basic ${Buffer.from(step.auth.basic).toString('base64')}` : step.auth.header;
    }
    if (step.body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(`${base}${step.path}`, {
      method: step.method,
      headers,
      ...(step.body === undefined ? {} : { body: JSON.stringify(step.body) }),
    });
    out.push({
      label: step.label,
      status: r.status,
      contentType: r.headers.get('content-type'),
      wwwAuthenticate: r.headers.get('www-authenticate'),
      body: await r.text(),
    });
  }
  return out;
}
