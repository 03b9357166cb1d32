/**
 * Named loggers and their levels, as Kafka Connect's `Loggers` manages them for `/admin/loggers`.
 *
 * Names form log4j's dotted hierarchy: a logger without a level of its own takes the level of its
 * nearest dotted ancestor that has one, else the root's (named `root`). Setting a level on a
 * namespace sets it on the namespace's own logger and on every known logger whose name starts with
 * the namespace (Kafka's rule, a plain prefix match), and reports the loggers whose level changed.
 */
import type { Logger } from 'pino';
import { type Log4jLevel, parseLog4jLevel, toLog4jLevel, toPinoLevel } from './logger.ts';

/** The root logger's name in the REST API. */
export const ROOT_LOGGER_NAME = 'root';

/** `GET /admin/loggers/{name}`. */
export interface LoggerLevel {
  level: Log4jLevel;
  /** When the level was last changed through {@link LoggerRegistry.setLevel}, epoch ms; null if never. */
  last_modified: number | null;
}

export interface LoggerRegistryOptions {
  /** Clock for `last_modified`; default `Date.now`. */
  now?: () => number;
}

function isRootName(name: string): boolean {
  return name === '' || name.toLowerCase() === ROOT_LOGGER_NAME;
}

function parentName(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(0, dot);
}

export class LoggerRegistry {
  readonly #root: Logger;
  readonly #now: () => number;
  /** Levels set on a logger itself (root included, under `root`). */
  readonly #levels = new Map<string, Log4jLevel>();
  /** Every known non-root logger; the pino instance once someone asked for it. */
  readonly #known = new Map<string, Logger | undefined>();
  readonly #lastModified = new Map<string, number>();

  constructor(root: Logger, options: LoggerRegistryOptions = {}) {
    this.#root = root;
    this.#now = options.now ?? Date.now;
    this.#levels.set(ROOT_LOGGER_NAME, toLog4jLevel(root.level));
  }

  /** The root logger. */
  get root(): Logger {
    return this.#root;
  }

  /** True when `level` names a log4j level (case-insensitive). */
  static isValidLevel(level: string): boolean {
    return parseLog4jLevel(level) !== undefined;
  }

  /**
   * The logger named `name` (a pino child with binding `logger: name`), created on first use with
   * the level it inherits. `root` (any case) is the root logger.
   */
  logger(name: string): Logger {
    if (isRootName(name)) return this.#root;
    const existing = this.#known.get(name);
    if (existing !== undefined) return existing;
    const child = this.#root.child({ logger: name });
    child.level = toPinoLevel(this.#effectiveLevel(name));
    this.#known.set(name, child);
    return child;
  }

  /** The level of a known logger (its own or inherited), or null when no logger has that name. */
  level(name: string): LoggerLevel | null {
    if (isRootName(name)) return this.#loggerLevel(ROOT_LOGGER_NAME);
    if (!this.#known.has(name)) return null;
    return this.#loggerLevel(name);
  }

  /** The levels of every known logger and the root, by name in sorted order. */
  allLevels(): Record<string, LoggerLevel> {
    const names = [...this.#known.keys(), ROOT_LOGGER_NAME].sort();
    return Object.fromEntries(names.map((name) => [name, this.#loggerLevel(name)]));
  }

  /**
   * Sets `level` (a log4j name, case-insensitive) on `namespace` and every known logger under it
   * (`root`: on every logger). Returns the sorted names of the loggers whose level changed.
   * Throws a TypeError for an unknown level name.
   */
  setLevel(namespace: string, level: string): string[] {
    const newLevel = parseLog4jLevel(level);
    if (newLevel === undefined) throw new TypeError(`invalid log level '${level}'.`);
    const root = isRootName(namespace);
    const affected: string[] = [];
    if (root) {
      affected.push(...this.#known.keys(), ROOT_LOGGER_NAME);
    } else {
      for (const name of this.#known.keys()) if (name.startsWith(namespace)) affected.push(name);
      if (!this.#known.has(namespace)) {
        this.#known.set(namespace, undefined);
        affected.push(namespace);
      }
    }
    const before = new Map(affected.map((name) => [name, this.#effectiveLevel(name)]));
    const changed: string[] = [];
    const now = this.#now();
    for (const name of affected) {
      this.#levels.set(name, newLevel);
      if (before.get(name) !== newLevel) {
        changed.push(name);
        this.#lastModified.set(name, now);
      }
    }
    this.#apply();
    changed.sort();
    this.#root.info(
      { logger: 'org.apache.kafka.connect.runtime.Loggers' },
      `Setting level of namespace ${root ? ROOT_LOGGER_NAME : namespace} and children to ${newLevel}`,
    );
    return changed;
  }

  #loggerLevel(name: string): LoggerLevel {
    return { level: this.#effectiveLevel(name), last_modified: this.#lastModified.get(name) ?? null };
  }

  #effectiveLevel(name: string): Log4jLevel {
    if (name !== ROOT_LOGGER_NAME) {
      for (let n = name; n !== ''; n = parentName(n)) {
        const own = this.#levels.get(n);
        if (own !== undefined) return own;
      }
    }
    return this.#levels.get(ROOT_LOGGER_NAME) ?? 'INFO';
  }

  /** Pushes the levels to the pino instances. */
  #apply(): void {
    this.#root.level = toPinoLevel(this.#effectiveLevel(ROOT_LOGGER_NAME));
    for (const [name, logger] of this.#known) {
      if (logger !== undefined) logger.level = toPinoLevel(this.#effectiveLevel(name));
    }
  }
}

const registries = new WeakMap<Logger, LoggerRegistry>();

/**
 * The one registry of a root logger, shared by whoever asks with the same root: the REST API's
 * `/admin/loggers` and the worker, whose named loggers (its own and the plugins') then follow the
 * levels set there.
 */
export function loggerRegistryFor(root: Logger): LoggerRegistry {
  let registry = registries.get(root);
  if (registry === undefined) {
    registry = new LoggerRegistry(root);
    registries.set(root, registry);
  }
  return registry;
}
