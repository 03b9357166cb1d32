import type { ConfigDef } from '../config/config-def.ts';
import { Config } from '../config/config-value.ts';
import type { PluginLogger } from '../logger.ts';
import type { PluginMetrics } from '../metrics.ts';
import type { Task } from './task.ts';

/** A string configuration map, as connectors and tasks receive them. */
export type StringMap = Record<string, string>;

/** What a connector can ask of the runtime (`ConnectorContext`). */
export interface ConnectorContext {
  /** Asks the runtime to call {@link Connector.taskConfigs} again and restart tasks whose config changed. */
  requestTaskReconfiguration(): void;
  /** Fails the connector with this error. */
  raiseError(error: Error): void;
  /** The connector's own metrics (KIP-877), labelled with its name; absent in runtimes without metrics. */
  pluginMetrics?(): PluginMetrics;
  /**
   * A logger named `name` (default: the plugin's class name) whose lines name this connector and
   * task (`[name|task-0]`) and whose level `/admin/loggers` sets; absent in runtimes without one
   * (use `pluginLogger(context, name)` to fall back to stderr).
   */
  logger?(name?: string): PluginLogger;
}

/** A task class: a constructor with no arguments. */
export type TaskClass = new () => Task;

/** May return a value or a promise of it: Java's blocking calls are asynchronous here. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * A connector (`org.apache.kafka.connect.connector.Connector`): reads its configuration, splits the
 * work into task configurations and watches for changes that need new tasks.
 */
export abstract class Connector {
  /** Set by {@link initialize}. */
  protected context!: ConnectorContext;

  initialize(context: ConnectorContext): void {
    this.context = context;
  }

  abstract version(): string;
  abstract start(props: StringMap): MaybePromise<void>;
  abstract taskClass(): TaskClass;
  /** At most `maxTasks` task configurations. */
  abstract taskConfigs(maxTasks: number): MaybePromise<StringMap[]>;
  abstract stop(): MaybePromise<void>;
  /** The connector's configuration definition. */
  abstract config(): ConfigDef;

  /** Validates a configuration; by default against {@link config}. */
  validate(connectorConfigs: StringMap): MaybePromise<Config> {
    return new Config(this.config().validate(connectorConfigs));
  }

  /** Applies a new configuration; by default stops and starts the connector. */
  async reconfigure(props: StringMap): Promise<void> {
    await this.stop();
    await this.start(props);
  }
}
