/**
 * Bases for the small connectors the worker and standalone tests register: the connector keeps
 * its config and hands a copy of it to each of its `tasks.max` tasks; a subclass names its task
 * class (and overrides what it wants to record). And a sink task base that records what it sees
 * under its connector's name.
 */
import {
  ConfigDef,
  type Connector,
  SinkConnector,
  SinkTask,
  SourceConnector,
  type StringMap,
} from '@sluice/api';

/** What {@link copyingConfigToTasks} adds to a connector class. */
interface ConfigCopying {
  /** The config the connector was started with. */
  props: StringMap;
  version(): string;
  start(props: StringMap): void;
  taskConfigs(maxTasks: number): StringMap[];
  stop(): void;
  config(): ConfigDef;
}

/** `Base` with every method but `taskClass` implemented: each task gets a copy of the config. */
function copyingConfigToTasks<C extends Connector>(
  Base: abstract new () => C,
): abstract new () => C & ConfigCopying {
  abstract class ConfigCopyingConnector extends (Base as abstract new () => Connector) {
    props: StringMap = {};
    version(): string {
      return '1';
    }
    start(props: StringMap): void {
      this.props = props;
    }
    taskConfigs(maxTasks: number): StringMap[] {
      return Array.from({ length: maxTasks }, () => ({ ...this.props }));
    }
    stop(): void {}
    config(): ConfigDef {
      return new ConfigDef();
    }
  }
  return ConfigCopyingConnector as abstract new () => C & ConfigCopying;
}

/** A sink connector whose tasks (`tasks.max` of them) each get a copy of its config. */
export abstract class ConfigCopyingSinkConnector extends copyingConfigToTasks(SinkConnector) {}
/** A source connector whose tasks (`tasks.max` of them) each get a copy of its config. */
export abstract class ConfigCopyingSourceConnector extends copyingConfigToTasks(SourceConnector) {}

/**
 * A sink task that records what it is given in {@link recordings}, under its connector's name
 * (the `name` in its config): {@link recording} is that connector's entry, created by
 * {@link newRecording} when the first of its tasks starts.
 */
export abstract class RecordingSinkTaskBase<R> extends SinkTask {
  /** The recordings of every connector, by connector name. */
  protected abstract readonly recordings: Map<string, R>;
  /** The recording of this task's connector, set by {@link start}. */
  protected recording!: R;

  /** An empty recording. */
  protected abstract newRecording(): R;

  version(): string {
    return '1';
  }
  start(props: StringMap): void {
    const name = props.name ?? '';
    let recording = this.recordings.get(name);
    if (recording === undefined) {
      recording = this.newRecording();
      this.recordings.set(name, recording);
    }
    this.recording = recording;
  }
  stop(): void {}
}

/** The configs each {@link StartRecordingSinkConnector}'s tasks were started with, by connector name. */
export const taskStartConfigs = new Map<string, StringMap[]>();

/** A sink task that records the config it was started with in {@link taskStartConfigs}; `put` keeps nothing. */
export class StartRecordingSinkTask extends RecordingSinkTaskBase<StringMap[]> {
  protected readonly recordings = taskStartConfigs;
  protected newRecording(): StringMap[] {
    return [];
  }
  override start(props: StringMap): void {
    super.start(props);
    this.recording.push({ ...props });
  }
  put(): void {}
}

/** A sink connector whose tasks record their start configs (what a config provider resolved, say). */
export class StartRecordingSinkConnector extends ConfigCopyingSinkConnector {
  taskClass() {
    return StartRecordingSinkTask;
  }
}
