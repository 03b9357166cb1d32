/**
 * The pipeline both sides of the MBean golden run: a FileStream source and a FileStream sink, each
 * with one transform (an identity `RegexRouter`) guarded by one predicate (`TopicNameMatches`), so
 * every per-connector, per-task, per-transform and per-predicate group exists.
 */
import { join } from 'node:path';

/** The golden files, next to this module: a standalone worker's MBeans and a distributed one's. */
export const GOLDEN_FILES = {
  standalone: join(import.meta.dirname, 'kafka-connect-4.1.1-mbeans.txt'),
  distributed: join(import.meta.dirname, 'kafka-connect-4.1.1-distributed-mbeans.txt'),
} as const;

export type WorkerMode = keyof typeof GOLDEN_FILES;

export const SOURCE = 'mbeans-source';
export const SINK = 'mbeans-sink';
export const PIPELINE_LINES = 200;

/** Worker properties both modes share (a distributed worker adds its group and topics). */
export const goldenWorkerProps = {
  'key.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'value.converter': 'org.apache.kafka.connect.storage.StringConverter',
  'offset.flush.interval.ms': '500',
} as const;

const transformAndPredicate = {
  transforms: 'route',
  'transforms.route.type': 'org.apache.kafka.connect.transforms.RegexRouter',
  'transforms.route.regex': '(.*)',
  'transforms.route.replacement': '$1',
  'transforms.route.predicate': 'any-topic',
  predicates: 'any-topic',
  'predicates.any-topic.type': 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches',
  'predicates.any-topic.pattern': '.*',
};

/** Connector name → config, with the files under `dir` and the topic `topic`. */
export function goldenConnectors(dir: string, topic: string): Record<string, Record<string, string>> {
  return {
    [SOURCE]: {
      'connector.class': 'org.apache.kafka.connect.file.FileStreamSourceConnector',
      'tasks.max': '1',
      file: join(dir, 'in.txt'),
      topic,
      ...transformAndPredicate,
    },
    [SINK]: {
      'connector.class': 'org.apache.kafka.connect.file.FileStreamSinkConnector',
      'tasks.max': '1',
      file: join(dir, 'out.txt'),
      topics: topic,
      ...transformAndPredicate,
    },
  };
}

/** The properties a distributed worker adds: its group, internal topics named after it, timings. */
export function distributedProps(group: string): Record<string, string> {
  return {
    'group.id': group,
    'config.storage.topic': `${group}-configs`,
    'offset.storage.topic': `${group}-offsets`,
    'status.storage.topic': `${group}-status`,
    'config.storage.replication.factor': '1',
    'offset.storage.replication.factor': '1',
    'status.storage.replication.factor': '1',
    'offset.storage.partitions': '2',
    'status.storage.partitions': '2',
    'scheduled.rebalance.max.delay.ms': '2000',
  };
}
