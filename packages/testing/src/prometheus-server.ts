/**
 * A real Prometheus for the metrics tests: Debian's `prometheus` package (installed with apt-get
 * when missing and running as root, its service kept from starting by a policy-rc.d that exits
 * 101), run from a temporary directory with a generated config on a free loopback port.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const PROMETHEUS_BIN = '/usr/bin/prometheus';
export const PROMTOOL_BIN = '/usr/bin/promtool';

/** Installs Debian's `prometheus` (binary and promtool) when missing; its service is not started. */
export async function ensurePrometheusInstalled(
  log: (m: string) => void = (m) => console.error(m),
): Promise<void> {
  if (existsSync(PROMETHEUS_BIN) && existsSync(PROMTOOL_BIN)) return;
  if (userInfo().uid !== 0) {
    throw new Error(
      `Prometheus is not installed (${PROMETHEUS_BIN} is missing) and this process is not root: run \`apt-get install -y prometheus\` as root.`,
    );
  }
  log('installing prometheus with apt-get (first run only; its service is not started)');
  const policy = '/usr/sbin/policy-rc.d';
  const hadPolicy = existsSync(policy);
  if (!hadPolicy) {
    await writeFile(policy, '#!/bin/sh\nexit 101\n');
    await chmod(policy, 0o755);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const opts = { env, timeout: 20 * 60_000, maxBuffer: 64 * 1024 * 1024 };
  try {
    await execFileAsync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update'], opts);
    await execFileAsync(
      'apt-get',
      ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', 'prometheus'],
      opts,
    );
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`apt-get could not install prometheus: ${e.message}\n${(e.stderr ?? '').slice(-4000)}`);
  } finally {
    if (!hadPolicy) await rm(policy, { force: true });
  }
  if (!existsSync(PROMETHEUS_BIN)) throw new Error(`prometheus installed but ${PROMETHEUS_BIN} is missing`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface PrometheusServer {
  url: string;
  /** An instant query's vector: labels and value of each series. */
  query(expr: string): Promise<Array<{ metric: Record<string, string>; value: number }>>;
  stop(): Promise<void>;
}

/** Starts Prometheus scraping `targets` (`host:port`, path /metrics) every second. */
export async function startPrometheus(targets: readonly string[]): Promise<PrometheusServer> {
  await ensurePrometheusInstalled();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-prometheus-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    '  - job_name: sluice',
    '    static_configs:',
    `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
    '',
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const child: ChildProcess = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${stderr}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prometheus not ready within 60 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    async query(expr) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as {
        status: string;
        error?: string;
        data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
      };
      if (body.status !== 'success') throw new Error(`query ${expr} failed: ${body.error}`);
      return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `promtool check metrics` on a metrics text: its exit code and the lint lines it prints. */
export async function promtoolCheckMetrics(text: string): Promise<{ code: number; output: string }> {
  await ensurePrometheusInstalled();
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL_BIN, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code: code ?? -1, output }));
    child.stdin.end(text);
  });
}
