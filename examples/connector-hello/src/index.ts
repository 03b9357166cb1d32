/**
 * sluice-connector-hello: a source connector that writes numbered greetings to a topic, one
 * every `interval.ms`, and carries on from its committed offset after a restart. It uses only
 * `@sluice/api`. Written as the worked example of docs/writing-a-connector.md.
 */
import {
  AbstractConfig,
  ConfigDef,
  NonEmptyString,
  type PluginManifest,
  pluginLogger,
  Schema,
  SourceConnector,
  SourceRecord,
  SourceTask,
  type StringMap,
  type TaskClass,
} from '@sluice/api';

export const VERSION = '1.0.0';

/** The connector's keys, with types, defaults, validators and documentation. */
export const HELLO_CONFIG_DEF: ConfigDef = new ConfigDef()
  .define(
    'topic',
    ConfigDef.Type.STRING,
    ConfigDef.NO_DEFAULT_VALUE,
    new NonEmptyString(),
    ConfigDef.Importance.HIGH,
    'The topic to write greetings to',
  )
  .define(
    'greeting',
    ConfigDef.Type.STRING,
    'hello',
    ConfigDef.Importance.MEDIUM,
    'The word each message starts with',
  )
  .define(
    'interval.ms',
    ConfigDef.Type.INT,
    1000,
    ConfigDef.Importance.LOW,
    'Milliseconds between two greetings',
  );

export class HelloSourceConnector extends SourceConnector {
  #props: StringMap = {};

  version(): string {
    return VERSION;
  }

  /** @throws ConfigError for a bad config (no `topic`, say): the worker reports it on create */
  start(props: StringMap): void {
    new AbstractConfig(HELLO_CONFIG_DEF, props);
    this.#props = { ...props };
  }

  taskClass(): TaskClass {
    return HelloSourceTask;
  }

  /** One task: a single sequence of greetings. */
  taskConfigs(_maxTasks: number): StringMap[] {
    return [{ ...this.#props }];
  }

  stop(): void {}

  config(): ConfigDef {
    return HELLO_CONFIG_DEF;
  }
}

export class HelloSourceTask extends SourceTask {
  #topic = '';
  #greeting = '';
  #intervalMs = 1000;
  #partition: StringMap = {};
  #next = 0;
  #started = false;
  #timer: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;
  #stopped = false;

  version(): string {
    return VERSION;
  }

  start(props: StringMap): void {
    const config = new AbstractConfig(HELLO_CONFIG_DEF, props);
    this.#topic = config.getString('topic')!;
    this.#greeting = config.getString('greeting')!;
    this.#intervalMs = config.getInt('interval.ms')!;
    this.#partition = { greeting: this.#greeting };
    this.#started = false;
    this.#stopped = false;
    // The runtime's logger: the line reads `[<connector>|task-0] Greeting ... (com.example.hello...)`.
    pluginLogger(this.context, 'com.example.hello.HelloSourceTask').info(
      `Greeting '${this.#greeting}' to topic ${this.#topic} every ${this.#intervalMs} ms`,
    );
  }

  async poll(): Promise<SourceRecord[] | null> {
    if (!this.#started) {
      // Carry on after the last committed greeting (offsets are kept by the worker).
      const offset = await this.context.offsetStorageReader().offset(this.#partition);
      this.#next = typeof offset?.seq === 'number' ? offset.seq + 1 : 0;
      this.#started = true;
    }
    // Wait for the next greeting; stop() ends the wait at once.
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      this.#timer = setTimeout(resolve, this.#intervalMs);
    });
    if (this.#stopped) return null;
    const seq = this.#next++;
    return [
      new SourceRecord({
        sourcePartition: this.#partition,
        sourceOffset: { seq },
        topic: this.#topic,
        valueSchema: Schema.STRING_SCHEMA,
        value: `${this.#greeting} ${seq}`,
      }),
    ];
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#wake?.();
  }
}

/** What the worker registers when it loads this package from plugin.path. */
export const sluicePlugins: PluginManifest = [{ type: 'source', plugin: HelloSourceConnector }];
