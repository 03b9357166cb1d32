/**
 * The `allowed.paths` restriction of the file and directory config providers, as Kafka's
 * `org.apache.kafka.common.config.internals.AllowedPaths` applies it.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, normalize, sep } from 'node:path';
import { ConfigError } from '@sluice/api';

/** The parameter of `FileConfigProvider` and `DirectoryConfigProvider`. */
export const ALLOWED_PATHS_CONFIG = 'allowed.paths';
/** Kafka's documentation of {@link ALLOWED_PATHS_CONFIG}. */
export const ALLOWED_PATHS_DOC =
  'A comma separated list of paths that this config provider is allowed to access. If not set, all paths are allowed.';

/**
 * Java's `Paths.get(p).normalize()` on a Unix file system: `.` and `..` segments resolved
 * lexically (no file system access, symbolic links not followed), repeated and trailing separators
 * dropped. The empty path stays empty.
 */
export function normalizePath(p: string): string {
  if (p === '') return '';
  let n = normalize(p);
  while (n.length > 1 && n.endsWith(sep)) n = n.slice(0, -1);
  return n === '.' ? '' : n;
}

/** Java's `Path.startsWith(Path)`: true when `base`'s name elements are a prefix of `path`'s. */
function startsWithPath(path: string, base: string): boolean {
  if (path === base) return true;
  if (isAbsolute(path) !== isAbsolute(base)) return false;
  const prefix = base.endsWith(sep) ? base : base + sep;
  return path.startsWith(prefix);
}

/** Java's `String.split(",")`: trailing empty strings are dropped. */
function splitCommas(value: string): string[] {
  const parts = value.split(',');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/**
 * The directories (or files) a provider may read. Built from the `allowed.paths` value: a comma
 * separated list of absolute paths that must exist; entries are not trimmed (as in Kafka, a space
 * after a comma makes the entry relative, hence invalid). Without a value, every path is allowed.
 *
 * A requested path is allowed when, after lexical normalisation (`..` resolved), it is one of the
 * allowed paths or lies under one, compared by whole path segments (`/secrets` allows
 * `/secrets/db` but not `/secrets-old`). As in Kafka, symbolic links are not resolved: a link
 * inside an allowed directory that points elsewhere is followed when the file is read.
 */
export class AllowedPaths {
  readonly #allowed: readonly string[] | null;

  /**
   * @param configValue the `allowed.paths` value, or null/undefined/`""` for "everything"
   * @throws ConfigError (key `allowed.paths`) when an entry is not absolute or does not exist
   */
  constructor(configValue: string | null | undefined) {
    if (configValue === null || configValue === undefined || configValue === '') {
      this.#allowed = null;
      return;
    }
    const allowed: string[] = [];
    for (const entry of splitCommas(configValue)) {
      const normalised = normalizePath(entry);
      if (!isAbsolute(normalised)) {
        const hint =
          entry.trim() !== entry ? ' (entries are not trimmed: remove the spaces around the comma)' : '';
        throw new ConfigError(`Path ${normalised} is not absolute${hint}`, {
          key: ALLOWED_PATHS_CONFIG,
          value: configValue,
        });
      }
      if (!existsSync(normalised)) {
        throw new ConfigError(`Path ${normalised} does not exist`, {
          key: ALLOWED_PATHS_CONFIG,
          value: configValue,
        });
      }
      allowed.push(normalised);
    }
    this.#allowed = allowed;
  }

  /** The normalised allowed paths, or null when every path is allowed. */
  paths(): readonly string[] | null {
    return this.#allowed;
  }

  /**
   * The path to read for an untrusted `path` taken from a variable: `path` itself when every path
   * is allowed, else its normalised form when it lies in an allowed path, else null (not allowed).
   */
  parseUntrustedPath(path: string): string | null {
    if (this.#allowed === null) return path;
    const normalised = normalizePath(path);
    return this.#allowed.some((base) => startsWithPath(normalised, base)) ? normalised : null;
  }
}
