// The dependency rules of docs/architecture.md, checked by reading every import of the repository.
// A violation fails the test; the known ones stand in ALLOWED below, and an entry that no longer
// occurs fails too, so the list can only shrink.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The runtime's rooms, lowest floor first. A room may import only rooms on a lower floor; rooms on
 * one floor are siblings and import neither each other nor anything above.
 */
const RUNTIME_FLOORS: readonly (readonly string[])[] = [
  ['version.ts', 'states.ts', 'connector-task-id.ts', 'sleep.ts', 'logging', 'metrics'],
  ['plugins'],
  ['config'],
  ['log'],
  ['log/kafka', 'log/embedded', 'storage'],
  ['errors'],
  ['worker'],
  ['herder'],
  ['rest', 'standalone', 'distributed'],
  ['index.ts'],
];

/** Plugin packages: they build against the SDK alone. */
const PLUGIN_PACKAGES = new Set([
  '@sluice/converters',
  '@sluice/converters-schema-registry',
  '@sluice/transforms',
  '@sluice/connector-file',
  '@sluice/connector-postgres',
  '@sluice/connector-jdbc',
  '@sluice/connector-elasticsearch',
]);

/** Known violations, `file -> import (rule)`: remove an entry when its import is gone. */
const ALLOWED: readonly string[] = [
  'packages/converters-schema-registry/test/postgres-avro-pipeline.test.ts -> ../../connectors/postgres/test/harness.ts (relative import into another package)',
  'packages/converters-schema-registry/test/postgres-avro-pipeline.test.ts -> ../../connectors/postgres/test/worker-harness.ts (relative import into another package)',
];

interface Workspace {
  name: string;
  dir: string;
  dependencies: Set<string>;
}

function workspaces(): Workspace[] {
  const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] };
  return rootPkg.workspaces.map((dir) => {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
    };
    const dependencies = new Set([
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}),
    ]);
    return { name: pkg.name, dir, dependencies };
  });
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (entry.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** The module specifiers a file imports: static imports, re-exports and `import()` of a literal. */
export function importsOf(source: string): string[] {
  // Template strings hold generated code in a few places; their text is no import of this file.
  const code = source.replace(/`(?:\\[\s\S]|\$\{[^}]*\}|[^`\\])*`/g, '``');
  const specs: string[] = [];
  const patterns = [
    /^\s*(?:import|export)\s+(?:type\s+)?[^'";]*?\sfrom\s*['"]([^'"]+)['"]/gm,
    /^\s*import\s*['"]([^'"]+)['"]/gm,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of code.matchAll(pattern)) specs.push(m[1]!);
  return specs;
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

function isBuiltin(spec: string): boolean {
  return spec.startsWith('node:') || builtinModules.includes(spec);
}

/** The room of a runtime file: its first folder, or `log/<name>` for the log clients under `log/`. */
function runtimeRoom(file: string): string | undefined {
  const src = join(root, 'packages/runtime/src') + sep;
  if (!file.startsWith(src)) return undefined;
  const parts = file.slice(src.length).split(sep);
  return parts[0] === 'log' && parts.length > 2 ? `log/${parts[1]}` : parts[0];
}

function floorOf(room: string): number {
  const floor = RUNTIME_FLOORS.findIndex((rooms) => rooms.includes(room));
  assert.notEqual(floor, -1, `packages/runtime/src/${room} stands on no floor: add it to RUNTIME_FLOORS`);
  return floor;
}

/** Every violation of the rules, as `file -> import (rule)`. */
function violations(): string[] {
  const found: string[] = [];
  const spaces = workspaces();
  const byName = new Map(spaces.map((w) => [w.name, w]));
  const ownerOf = (file: string) => spaces.find((w) => file.startsWith(join(root, w.dir) + sep));

  const everywhere = [
    ...spaces.flatMap((w) =>
      tsFiles(join(root, w.dir)).map((file) => ({ file, space: w as Workspace | undefined })),
    ),
    ...['benchmarks', 'scripts', 'test'].flatMap((d) =>
      tsFiles(join(root, d)).map((file) => ({ file, space: undefined as Workspace | undefined })),
    ),
  ];

  for (const { file, space } of everywhere) {
    const rel = relative(root, file);
    const inSrc = space !== undefined && file.startsWith(join(root, space.dir, 'src') + sep);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const report = (rule: string) => found.push(`${rel} -> ${spec} (${rule})`);
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        const targetSpace = ownerOf(target);
        // No relative import into another package: go through its name and exports.
        if (targetSpace !== undefined && targetSpace !== space)
          report('relative import into another package');
        const from = runtimeRoom(file);
        const to = runtimeRoom(target);
        if (from !== undefined && to !== undefined && from !== to && floorOf(to) >= floorOf(from)) {
          report('runtime floors');
        }
        continue;
      }
      if (isBuiltin(spec)) continue;
      const pkg = packageOf(spec);
      const target = byName.get(pkg);
      // No reaching into a package's inside: a workspace package is imported by its name alone.
      if (target !== undefined && spec !== pkg) report('deep import into another package');
      if (!inSrc || space === undefined) continue;
      // A package's code imports only what its package.json declares.
      if (pkg !== space.name && !space.dependencies.has(pkg)) report('undeclared dependency');
      if (target === undefined || pkg === space.name) continue;
      if (space.name === '@sluice/api') report('api imports no other package');
      if (PLUGIN_PACKAGES.has(space.name) && pkg !== '@sluice/api') report('plugins import @sluice/api only');
      if (space.name === '@sluice/runtime') {
        if (pkg.startsWith('@sluice/connector-')) report('runtime imports no connector');
        else if (PLUGIN_PACKAGES.has(pkg) && pkg !== '@sluice/converters') {
          report('runtime imports no plugin package but converters');
        }
      }
    }
  }
  return found;
}

test('imports keep the borders between packages and between the rooms of the runtime', () => {
  const found = violations();
  const unexpected = found.filter((v) => !ALLOWED.includes(v));
  assert.deepEqual(unexpected, [], 'imports that break the rules of docs/architecture.md');
  const gone = ALLOWED.filter((a) => !found.includes(a));
  assert.deepEqual(gone, [], 'allowed violations that no longer occur: remove them from ALLOWED');
});

/**
 * The import cycles of a graph (file -> files it imports): each strongly connected component of
 * more than one file, or a file importing itself, as its files sorted (Tarjan's algorithm).
 */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

test('no import cycle inside the runtime (type-only imports count too)', () => {
  const src = join(root, 'packages/runtime/src');
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(src)) {
    const targets = importsOf(readFileSync(file, 'utf8'))
      .filter((spec) => spec.startsWith('.'))
      .map((spec) => relative(src, resolve(dirname(file), spec)));
    graph.set(relative(src, file), targets);
  }
  assert.deepEqual(
    importCycles(graph).map((cycle) => cycle.join(' <-> ')),
    [],
    'files of packages/runtime/src that import each other (directly or round a loop)',
  );
});

test('the cycle finder finds loops of any length and nothing else', () => {
  const graph = new Map<string, string[]>([
    ['a.ts', ['b.ts']],
    ['b.ts', ['c.ts', 'node-builtin']],
    ['c.ts', ['a.ts']],
    ['d.ts', ['a.ts', 'e.ts']],
    ['e.ts', ['e.ts']],
    ['f.ts', ['g.ts']],
    ['g.ts', []],
  ]);
  assert.deepEqual(importCycles(graph), [['a.ts', 'b.ts', 'c.ts'], ['e.ts']]);
});

test('the import reader sees static, type-only, multi-line and dynamic imports, not template text', () => {
  const source = [
    "import { a } from './a.ts';",
    "import type { B } from '../b.ts';",
    'import {',
    '  c,',
    "  d } from '@sluice/api';",
    "export { e } from './e.ts';",
    "import './side-effect.ts';",
    "const m = await import('pg');",
    "const generated = `import { x } from './not-an-import.ts';`;",
  ].join('\n');
  assert.deepEqual(importsOf(source).sort(), [
    '../b.ts',
    './a.ts',
    './e.ts',
    './side-effect.ts',
    '@sluice/api',
    'pg',
  ]);
});
