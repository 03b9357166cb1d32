/**
 * Lints the deployment files of docs/deploy.md. deploy/sluice.service passes
 * `systemd-analyze verify` without a warning (ExecStart pointed at a stand-in executable, since the
 * real one is installed by the user). deploy/Containerfile is parsed as a container build file:
 * known instructions only, FROM first, exec-form ENTRYPOINT/CMD valid JSON, every COPY source in
 * the repository, every packed workspace a real package, and the exposed port the one it listens on.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('deploy/sluice.service: systemd-analyze verify finds nothing', async (t) => {
  if (spawnSync('systemd-analyze', ['--version']).status !== 0) {
    t.skip('systemd-analyze is not installed (Debian package systemd)');
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'sluice-unit-'));
  dirs.push(dir);
  const unit = await readFile(join(repo, 'deploy/sluice.service'), 'utf8');
  const exec = unit.match(/^ExecStart=(\S+)/m)?.[1];
  assert.ok(exec, 'ExecStart names the sluice command');
  assert.match(unit, /^KillSignal=SIGTERM$/m);
  const stand = join(dir, 'sluice');
  await writeFile(stand, '#!/bin/sh\n');
  await chmod(stand, 0o755);
  await mkdir(join(dir, 'unit'));
  const file = join(dir, 'unit', 'sluice.service');
  await writeFile(file, unit.replace(`ExecStart=${exec}`, `ExecStart=${stand}`));
  const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), '', 'no warning');
});

const INSTRUCTIONS = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);

test('deploy/Containerfile parses, and what it copies and packs exists', async () => {
  const text = await readFile(join(repo, 'deploy/Containerfile'), 'utf8');
  // Join continuation lines, drop comments and blank lines.
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    if (current === '' && /^\s*#/.test(raw)) continue;
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim() !== '') logical.push(current.trim());
    current = '';
  }
  assert.equal(current, '', 'no dangling line continuation');
  const parsed = logical.map((l) => {
    const m = l.match(/^([A-Za-z]+)\s+(.*)$/);
    assert.ok(m, `an instruction with arguments: ${l}`);
    return { op: m[1]!.toUpperCase(), args: m[2]! };
  });
  for (const { op } of parsed) assert.ok(INSTRUCTIONS.has(op), `known instruction ${op}`);
  assert.equal(parsed[0]!.op, 'FROM');
  const stages = new Set(
    parsed.filter((p) => p.op === 'FROM').flatMap((p) => p.args.match(/\s+AS\s+(\S+)/i)?.[1] ?? []),
  );
  for (const { op, args } of parsed) {
    if (op === 'ENTRYPOINT' || op === 'CMD') {
      const argv = JSON.parse(args) as unknown;
      assert.ok(Array.isArray(argv) && argv.every((a) => typeof a === 'string'), `${op} exec form`);
    }
    if (op === 'COPY') {
      const from = args.match(/--from=(\S+)/)?.[1];
      const parts = args.replace(/--\S+\s*/g, '').split(/\s+/);
      if (from !== undefined) assert.ok(stages.has(from), `COPY --from=${from} names a stage`);
      else
        for (const source of parts.slice(0, -1))
          assert.ok(existsSync(join(repo, source)), `COPY source ${source}`);
    }
  }
  const packed =
    text
      .match(/for w in ([^;]+);/)?.[1]
      ?.replace(/\\\n/g, ' ')
      .trim()
      .split(/\s+/) ?? [];
  assert.ok(packed.includes('cli') && packed.includes('api'), packed.join(' '));
  for (const w of packed) assert.ok(existsSync(join(repo, 'packages', w, 'package.json')), `packages/${w}`);
  const cli = JSON.parse(await readFile(join(repo, 'packages/cli/package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const names = await Promise.all(
    packed.map(
      async (w) =>
        (JSON.parse(await readFile(join(repo, 'packages', w, 'package.json'), 'utf8')) as { name: string })
          .name,
    ),
  );
  for (const dep of Object.keys(cli.dependencies).filter((d) => d.startsWith('@sluice/')))
    assert.ok(names.includes(dep), `the image packs ${dep}, which the sluice command needs`);
  const expose = parsed.find((p) => p.op === 'EXPOSE')?.args;
  assert.match(text, new RegExp(`listeners=http://0\\.0\\.0\\.0:${expose}`));
});
