import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PluginManifest } from '@sluice/api';
import type { Logger } from 'pino';
import { javaPluginPathMessage } from './plugin-hints.ts';
import type { PluginRegistry } from './plugin-registry.ts';

/** The plugin packages loaded from `plugin.path`, and those that could not be loaded. */
export interface PluginPathResult {
  loaded: Array<{ dir: string; name: string; plugins: number }>;
  failed: Array<{ dir: string; error: string }>;
}

let hooked = false;

/**
 * Makes every plugin share this runtime's `@sluice/api` (Kafka loads the Connect API classes
 * parent-first for the same reason): otherwise a plugin with its own copy would fail
 * `instanceof SourceConnector`, `instanceof RetriableError` and the like.
 */
async function shareApiWithPlugins(): Promise<void> {
  if (hooked) return;
  hooked = true;
  const { registerHooks } = await import('node:module');
  const api = import.meta.resolve('@sluice/api');
  registerHooks({
    resolve: (specifier, context, nextResolve) =>
      specifier === '@sluice/api' ? { url: api, shortCircuit: true } : nextResolve(specifier, context),
  });
}

/**
 * Loads plugins from `plugin.path` (a list of directories), as Kafka scans it: each entry is a
 * plugin package itself (it has a `package.json`) or a directory of plugin packages. A package's
 * entry module (`exports` "." or `main`) must export `sluicePlugins`, a PluginManifest. A package
 * that fails to load is logged and skipped, so one broken plugin does not stop the worker.
 */
export async function loadPluginPath(
  registry: PluginRegistry,
  paths: readonly string[],
  logger: Logger,
): Promise<PluginPathResult> {
  const result: PluginPathResult = { loaded: [], failed: [] };
  if (paths.length === 0) return result;
  await shareApiWithPlugins();
  const jarDirs: string[] = [];
  for (const entry of paths) {
    const dir = resolve(entry);
    if (!existsSync(dir)) {
      logger.error(`plugin.path entry ${dir} does not exist`);
      result.failed.push({ dir, error: 'does not exist' });
      continue;
    }
    const packages = existsSync(join(dir, 'package.json'))
      ? [dir]
      : (await readdir(dir, { withFileTypes: true }))
          .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'package.json')))
          .map((d) => join(dir, d.name))
          .sort();
    if (packages.length === 0 && (await holdsJars(dir))) jarDirs.push(dir);
    for (const pkgDir of packages) {
      try {
        const pkg = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8')) as PackageJson;
        const mod = (await import(pathToFileURL(join(pkgDir, entryOf(pkg))).href)) as {
          sluicePlugins?: PluginManifest;
        };
        if (!Array.isArray(mod.sluicePlugins))
          throw new Error('its entry module does not export sluicePlugins');
        registry.registerManifest(mod.sluicePlugins, pkg.version);
        result.loaded.push({ dir: pkgDir, name: pkg.name ?? pkgDir, plugins: mod.sluicePlugins.length });
        logger.info(`Loaded ${mod.sluicePlugins.length} plugin(s) from ${pkg.name ?? pkgDir} (${pkgDir})`);
      } catch (err) {
        const error = (err as Error).message;
        logger.error({ err }, `Could not load plugins from ${pkgDir}: ${error}`);
        result.failed.push({ dir: pkgDir, error });
      }
    }
  }
  // Said once for every entry, as a Kafka Connect plugin.path of jars is what users bring along.
  if (jarDirs.length > 0) logger.warn(javaPluginPathMessage(jarDirs));
  return result;
}

/** Whether `dir` holds .jar files, directly or one level down (Kafka's plugin.path layout). */
async function holdsJars(dir: string): Promise<boolean> {
  for (const d of await readdir(dir, { withFileTypes: true })) {
    if (d.isFile() && d.name.endsWith('.jar')) return true;
    if (d.isDirectory()) {
      const inner = await readdir(join(dir, d.name)).catch(() => [] as string[]);
      if (inner.some((n) => n.endsWith('.jar'))) return true;
    }
  }
  return false;
}

interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  exports?: string | Record<string, unknown>;
}

/** The package's entry file: `exports` "." (string, or its `import`/`default` condition), else `main`, else index.js. */
function entryOf(pkg: PackageJson): string {
  const exp = pkg.exports;
  if (typeof exp === 'string') return exp;
  if (exp !== undefined && exp !== null) {
    const dot = (exp['.'] ?? exp) as unknown;
    if (typeof dot === 'string') return dot;
    if (dot !== null && typeof dot === 'object') {
      const c = dot as Record<string, unknown>;
      for (const key of ['sluice-source', 'import', 'node', 'default'])
        if (typeof c[key] === 'string') return c[key] as string;
    }
  }
  return pkg.main ?? 'index.js';
}
