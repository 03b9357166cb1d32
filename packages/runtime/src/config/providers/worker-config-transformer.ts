import { ConfigError, type ConfigProvider, parseType } from '@sluice/api';
import type { Logger } from 'pino';
import type { ConfigProviderRegistry } from './config-provider-registry.ts';
import { ConfigTransformer, type ConfigTransformResult } from './config-transformer.ts';
import { closeConfigProviders, createConfigProviders } from './worker-config-providers.ts';

/** The connector key choosing what happens when a provider TTL expires (`ConnectorConfig.CONFIG_RELOAD_ACTION_CONFIG`). */
export const CONFIG_RELOAD_ACTION_CONFIG = 'config.action.reload';

/** The longest delay `setTimeout` takes in one go (2^31 - 1 ms); longer delays are chained. */
const MAX_TIMER_DELAY = 2_147_483_647;

/** Options of {@link WorkerConfigTransformer}. */
export interface WorkerConfigTransformerOptions {
  logger?: Logger;
  /**
   * Restarts a connector (and, as Kafka's `herder.restartConnector(delay, ...)` does, only the
   * connector). Called when a TTL returned while resolving the connector's config expires and its
   * `config.action.reload` is `restart` (the default). Without it, TTLs are reported but nothing
   * is scheduled.
   */
  restartConnector?: (connector: string) => void | Promise<void>;
}

/**
 * The worker's config transformer (Kafka's `WorkerConfigTransformer`): the long-lived providers
 * built from `config.providers`, a {@link ConfigTransformer} over them, and the TTL-driven
 * connector restarts.
 *
 * Call {@link transform} with the connector's name whenever a connector or task config is read to
 * be **run** (never for what is stored or returned by REST); without a name (validation) no
 * restart is scheduled. When the result carries TTLs and the raw config's `config.action.reload` is
 * `restart` (default; `none` disables it), a restart of the connector is scheduled after each TTL,
 * one timer per connector and path, replacing the previous timer for that path.
 */
export class WorkerConfigTransformer {
  readonly #providers: ReadonlyMap<string, ConfigProvider>;
  readonly #transformer: ConfigTransformer;
  readonly #logger: Logger | undefined;
  readonly #restartConnector: ((connector: string) => void | Promise<void>) | undefined;
  /** Pending restarts: connector -> path -> timer. */
  readonly #timers = new Map<string, Map<string, NodeJS.Timeout>>();
  #closed = false;

  constructor(providers: ReadonlyMap<string, ConfigProvider>, options: WorkerConfigTransformerOptions = {}) {
    this.#providers = providers;
    this.#logger = options.logger;
    this.#restartConnector = options.restartConnector;
    this.#transformer = new ConfigTransformer(providers, options.logger ? { logger: options.logger } : {});
  }

  /**
   * Creates the providers declared by the (already resolved) worker properties; see
   * {@link createConfigProviders}.
   * @throws ConfigError naming the offending `config.providers.*` key
   */
  static async create(
    workerProps: Readonly<Record<string, string>>,
    registry: ConfigProviderRegistry,
    options: WorkerConfigTransformerOptions = {},
  ): Promise<WorkerConfigTransformer> {
    const providers = await createConfigProviders(
      workerProps,
      registry,
      options.logger ? { logger: options.logger } : {},
    );
    return new WorkerConfigTransformer(providers, options);
  }

  /** The providers, by name. */
  providers(): ReadonlyMap<string, ConfigProvider> {
    return this.#providers;
  }

  /**
   * Resolves the variables of a connector or task config. The input is not modified.
   * @param connectorName the connector the config belongs to, to schedule TTL restarts; omit for validation
   * @throws ConfigError for an invalid `config.action.reload` (only with a connector name), or what a provider throws
   */
  async transform<V extends string | null>(
    configs: Readonly<Record<string, V>>,
    connectorName?: string,
  ): Promise<ConfigTransformResult<V>> {
    const result = await this.#transformer.transform(configs);
    if (connectorName !== undefined && reloadAction(configs) === 'restart') {
      for (const [path, ttl] of result.ttls) this.#schedule(connectorName, path, ttl);
    }
    return result;
  }

  /** Cancels the pending TTL restarts of a connector (e.g. when it is deleted). */
  cancelReloads(connectorName: string): void {
    const byPath = this.#timers.get(connectorName);
    if (byPath === undefined) return;
    for (const timer of byPath.values()) clearTimeout(timer);
    this.#timers.delete(connectorName);
  }

  /** The paths with a pending TTL restart for a connector. */
  pendingReloads(connectorName: string): string[] {
    return [...(this.#timers.get(connectorName)?.keys() ?? [])];
  }

  /** Cancels every pending restart and closes the providers (errors logged, not thrown). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const name of [...this.#timers.keys()]) this.cancelReloads(name);
    await closeConfigProviders(this.#providers, this.#logger);
  }

  #schedule(connector: string, path: string, ttl: number): void {
    const restart = this.#restartConnector;
    if (restart === undefined || this.#closed) return;
    let byPath = this.#timers.get(connector);
    if (byPath === undefined) {
      byPath = new Map();
      this.#timers.set(connector, byPath);
    }
    const previous = byPath.get(path);
    if (previous !== undefined) clearTimeout(previous);
    this.#logger?.info(`Scheduling a restart of connector ${connector} in ${ttl} ms`);
    const due = Date.now() + ttl;
    const arm = (delay: number): void => {
      const timer = setTimeout(
        () => {
          const remaining = due - Date.now();
          if (remaining > 0) {
            arm(remaining);
            return;
          }
          const current = this.#timers.get(connector);
          current?.delete(path);
          if (current?.size === 0) this.#timers.delete(connector);
          Promise.resolve()
            .then(() => restart(connector))
            .catch((e: unknown) =>
              this.#logger?.error({ err: e }, 'Unexpected error during connector restart: '),
            );
        },
        Math.min(delay, MAX_TIMER_DELAY),
      );
      timer.unref();
      byPath.set(path, timer);
    };
    arm(ttl);
  }
}

/**
 * The connector's `config.action.reload` from its raw config, as Kafka reads it: trimmed, any case,
 * `restart` when absent.
 * @throws ConfigError naming the key for a value other than `restart` or `none`
 */
export function reloadAction(configs: Readonly<Record<string, string | null>>): 'restart' | 'none' {
  const raw = Object.hasOwn(configs, CONFIG_RELOAD_ACTION_CONFIG)
    ? configs[CONFIG_RELOAD_ACTION_CONFIG]
    : null;
  const value = parseType(CONFIG_RELOAD_ACTION_CONFIG, raw, 'STRING') as string | null;
  if (value === null) return 'restart';
  const lower = value.toLowerCase();
  if (lower === 'restart' || lower === 'none') return lower;
  throw ConfigError.invalidValue(CONFIG_RELOAD_ACTION_CONFIG, value, 'String must be one of: none, restart');
}
