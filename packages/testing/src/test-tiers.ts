/**
 * The two test tiers, decided by reading the test files (see `bin/test-tiers.ts`, which lists and
 * runs them, and the README's test section):
 *
 *   unit         runs in-process only: neither the test file nor any test-side file it imports
 *                (relative imports outside a `src/` folder, followed transitively) starts or names
 *                a test server (Kafka, PostgreSQL, MariaDB, OpenSearch, Prometheus), installs a
 *                server or tool (Maven/Java, apt, a Python venv, npm packages), or starts a child
 *                process; and none of them opts out with a line comment `// test-tier: integration`
 *                (for a test that needs none of that but is slow, e.g. a whole pipeline).
 *   integration  every other test file.
 */

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export type TestTier = 'unit' | 'integration';

/** The repository repoRoot. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The folders whose `**\/*.test.ts` files are the project's tests (as scripts/test.sh globs them). */
const TEST_ROOTS = [
  ['packages', '*', 'test'],
  ['packages', 'connectors', '*', 'test'],
  ['test'],
  ['benchmarks', '*', 'test'],
  ['examples', '*', 'test'],
];

/** What makes a file need more than the process it runs in, with the reason reported. */
const MARKERS: Array<[RegExp, string]> = [
  [
    /\b(?:use|start)(?:Kafka|Postgres|MariaDb|OpenSearch|Prometheus)\b|\bpromtoolCheckMetrics\b/,
    'uses a test server',
  ],
  [
    /\bSLUICE_TEST_(?:KAFKA_BOOTSTRAP|PG_URL|MARIADB_URL|OPENSEARCH_URL)\b|\b(?:KAFKA_BOOTSTRAP|PG_URL|MARIADB_URL|OPENSEARCH_URL)_ENV\b/,
    'reads a test server from the environment',
  ],
  [
    /\bensure(?:KafkaLibs|OpenSearchLibs|PostgresInstalled|MariaDbInstalled|PrometheusInstalled|PythonVenv|NpmPackages)\b/,
    'installs a server or tool',
  ],
  [/['"](?:node:)?child_process['"]|\bWorkerProcess\b/, 'starts a child process'],
  [/^\s*\/\/\s*test-tier:\s*integration\b/m, 'marked `// test-tier: integration`'],
];

function expand(parts: string[], base = repoRoot): string[] {
  if (parts.length === 0) return [base];
  const [head, ...rest] = parts;
  if (head === '*') {
    if (!existsSync(base)) return [];
    return readdirSync(base, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .flatMap((e) => expand(rest, join(base, e.name)));
  }
  const next = join(base, head!);
  return existsSync(next) ? expand(rest, next) : [];
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else if (entry.name.endsWith('.test.ts')) out.push(path);
  }
}

/** Every test file, sorted, relative to the repository root. */
export function testFiles(): string[] {
  const out: string[] = [];
  for (const dir of new Set(TEST_ROOTS.flatMap((parts) => expand(parts)))) walk(dir, out);
  return [...new Set(out)].map((f) => relative(repoRoot, f)).sort();
}

/** Source text without block comments and whole-line `//` comments (the tier marker is kept). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/(?!\s*test-tier:).*$/gm, '');
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bnew URL\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;

/** The relative imports of `file` that are test-side TypeScript files (not under a `src/` folder). */
function testSideImports(file: string, text: string): string[] {
  const out: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const target = resolve(dirname(file), match[1]!);
    if (!target.endsWith('.ts') || !existsSync(target) || !statSync(target).isFile()) continue;
    if (relative(repoRoot, target).split(sep).includes('src')) continue;
    out.push(target);
  }
  return out;
}

/** Why `file` is an integration test (the first marker found in it or its test-side imports), or undefined. */
export function integrationReason(file: string): string | undefined {
  const seen = new Set<string>();
  const pending = [resolve(repoRoot, file)];
  while (pending.length > 0) {
    const current = pending.pop()!;
    if (seen.has(current)) continue;
    seen.add(current);
    const text = code(readFileSync(current, 'utf8'));
    for (const [pattern, reason] of MARKERS) {
      if (pattern.test(text)) {
        const where = relative(repoRoot, current);
        return where === file ? reason : `${reason} (in ${where})`;
      }
    }
    pending.push(...testSideImports(current, text));
  }
  return undefined;
}

/** The test files of a tier, sorted, relative to the repository root. */
export function tier(name: TestTier): string[] {
  return testFiles().filter((f) => (integrationReason(f) === undefined) === (name === 'unit'));
}
