/**
 * The published packages work on their own: the workspaces are built and packed (`npm pack`) from
 * a fresh clone, the tarballs installed into an empty project with `npm install <tarballs>` (their
 * third-party dependencies come from the npm registry), and there `npx sluice --version`,
 * `npx sluice plugins` and a standalone FileStream pipeline run, and `@sluice/api` is importable
 * with its types. Nothing of the repository is on the path: only what the tarballs hold.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@sluice/testing';

const repo = fileURLToPath(new URL('../../', import.meta.url));
/** Every package `sluice` needs, and the SDK. */
const WORKSPACES = [
  'api',
  'converters',
  'runtime',
  'schema-registry',
  'converters-schema-registry',
  'transforms',
  'connectors/file',
  'connectors/postgres',
  'connectors/jdbc',
  'connectors/elasticsearch',
  'cli',
];
const dirs: string[] = [];
let worker: ChildProcess | undefined;
after(async () => {
  if (worker?.exitCode === null) {
    try {
      process.kill(-worker.pid!, 'SIGKILL');
    } catch {}
  }
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('npm pack tarballs install into an empty project and run: sluice --version, plugins, a pipeline', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-packages-'));
  dirs.push(dir);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['NODE_OPTIONS', 'NODE_TEST_CONTEXT', 'SLUICE_NODE', 'npm_config_prefix']) delete env[k];
  const sh = (cmd: string, args: string[], cwd: string) =>
    execFileSync(cmd, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  // Build and pack from a clone of the committed HEAD (the working tree's dist/ stays untouched).
  const src = join(dir, 'src');
  const head = sh('git', ['rev-parse', 'HEAD'], repo).trim();
  sh('git', ['clone', '--quiet', '--no-checkout', repo, src], dir);
  sh('git', ['checkout', '--quiet', head], src);
  sh('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], src);
  sh('npm', ['run', 'build', '--silent'], src);
  const tarballs = join(dir, 'tarballs');
  await mkdir(tarballs);
  for (const w of WORKSPACES)
    sh('npm', ['pack', '--silent', '--pack-destination', tarballs, '-w', `packages/${w}`], src);
  const files = (await readdir(tarballs)).filter((f) => f.endsWith('.tgz')).map((f) => join(tarballs, f));
  assert.equal(files.length, WORKSPACES.length, files.join('\n'));
  await rm(src, { recursive: true, force: true });

  // An empty project on a machine that has only Node and npm.
  const app = join(dir, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  sh('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...files], app);

  const version = sh('npx', ['sluice', '--version'], app);
  assert.match(version, /^sluice 0\.1\.0 \(Node\.js v2[4-9]\./);
  const plugins = sh('npx', ['sluice', 'plugins'], app);
  assert.match(plugins, /org\.apache\.kafka\.connect\.file\.FileStreamSourceConnector/);
  assert.match(plugins, /io\.debezium\.connector\.postgresql\.PostgresConnector/);
  assert.match(plugins, /org\.apache\.kafka\.connect\.json\.JsonConverter/);

  // The SDK, as a connector package imports it (the Node the launcher runs on).
  const node = sh('npx', ['sluice', '--version'], app).match(/Node\.js (v[\d.]+)/)![1];
  assert.ok(node);
  await writeFile(
    join(app, 'check.mjs'),
    "import { SourceConnector, SchemaBuilder } from '@sluice/api';\n" +
      'console.log(typeof SourceConnector, SchemaBuilder.string().build().type);\n',
  );
  const node24 = execFileSync('bash', [join(repo, 'scripts/node24.sh')], { env, encoding: 'utf8' }).trim();
  assert.equal(sh(node24, ['check.mjs'], app).trim(), 'function STRING');
  const api = JSON.parse(await readFile(join(app, 'node_modules/@sluice/api/package.json'), 'utf8')) as {
    exports: { '.': { types: string } };
  };
  await readFile(join(app, 'node_modules/@sluice/api', api.exports['.'].types)); // the .d.ts ships

  // A standalone pipeline: file → embedded log → file.
  const port = await freePort();
  const input = join(app, 'in.txt');
  const output = join(app, 'out.txt');
  await writeFile(input, 'one\ntwo\nthree\n');
  await writeFile(
    join(app, 'worker.properties'),
    `embedded.log.dir=data\noffset.storage.file.filename=data/offsets\nlisteners=http://127.0.0.1:${port}\n` +
      'key.converter=org.apache.kafka.connect.storage.StringConverter\n' +
      'value.converter=org.apache.kafka.connect.storage.StringConverter\n',
  );
  await writeFile(
    join(app, 'source.properties'),
    `name=src\nconnector.class=FileStreamSource\nfile=${input}\ntopic=lines\n`,
  );
  await writeFile(
    join(app, 'sink.properties'),
    `name=snk\nconnector.class=FileStreamSink\nfile=${output}\ntopics=lines\n`,
  );
  // The installed bin (what npx runs), in a process group of its own as a service manager runs it.
  const bin = join(app, 'node_modules/.bin/sluice');
  worker = spawn(bin, ['standalone', 'worker.properties', 'source.properties', 'sink.properties'], {
    cwd: app,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let logs = '';
  worker.stdout!.on('data', (c) => (logs += String(c)));
  worker.stderr!.on('data', (c) => (logs += String(c)));
  const exited = new Promise<number | null>((resolve) => worker!.on('close', (code) => resolve(code)));
  await waitFor(
    'the lines in out.txt',
    async () => {
      if (worker!.exitCode !== null) throw new Error(`sluice exited:\n${logs}`);
      return (await readFile(output, 'utf8').catch(() => '')) === 'one\ntwo\nthree\n';
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  process.kill(-worker.pid!, 'SIGTERM');
  const timer = setTimeout(() => {
    try {
      process.kill(-worker!.pid!, 'SIGKILL');
    } catch {}
  }, 30_000);
  const code = await exited;
  clearTimeout(timer);
  assert.equal(code, 0, logs);
});
