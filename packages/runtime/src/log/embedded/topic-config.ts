/**
 * Topic names and topic configs of the embedded log, checked the way a Kafka 4.1 broker checks
 * them, so a topic the embedded log accepts is one Kafka would accept too.
 *
 * Every Kafka topic config is known, validated and stored, and `describeTopics` reports them
 * all with Kafka's defaults; the embedded log applies only `segment.bytes`, `max.message.bytes`
 * and `message.timestamp.type`. In particular `cleanup.policy=compact` and the retention
 * settings are stored but not applied: every record is kept (see `embedded-log-client.ts`).
 */

import { ConfigError } from '@sluice/api';
import type { TopicConfigEntry, TopicConfigSource } from '../log-client.ts';

const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/**
 * Checks a topic name as Kafka's `Topic.validate` does (legal characters `[a-zA-Z0-9._-]`, at
 * most 249 of them, not `.` or `..`), with Kafka's messages. The rule also keeps names safe as
 * directory names. Throws a ConfigError.
 */
export function validateTopicName(name: string): void {
  let problem: string | undefined;
  if (typeof name !== 'string' || name.length === 0) problem = "Topic name is illegal, it can't be empty";
  else if (name === '.' || name === '..') problem = `Topic name is invalid: '${name}' is not allowed`;
  else if (name.length > MAX_TOPIC_NAME_LENGTH) {
    problem = `Topic name is invalid: the length of '${name}' is longer than the max allowed length ${MAX_TOPIC_NAME_LENGTH}`;
  } else if (!LEGAL_TOPIC_NAME.test(name)) {
    problem = `Topic name is invalid: '${name}' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  if (problem !== undefined) throw new ConfigError(`INVALID_TOPIC_EXCEPTION: ${problem}`, { value: name });
}

type ConfigType =
  | { type: 'long' | 'int'; min?: number; max?: number }
  | { type: 'double'; min: number; max: number }
  | { type: 'boolean' }
  | { type: 'string' }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'list'; values: readonly string[] };

interface ConfigSpec {
  default: string;
  check: ConfigType;
}

const LONG_MAX = '9223372036854775807';
const INT_MAX = 2147483647;

/** Kafka 4.1's topic configs and their defaults (`kafka-configs --describe --all` on a topic). */
const TOPIC_CONFIGS: Readonly<Record<string, ConfigSpec>> = {
  'cleanup.policy': { default: 'delete', check: { type: 'list', values: ['compact', 'delete'] } },
  'compression.gzip.level': { default: '-1', check: { type: 'int', min: -1, max: 9 } },
  'compression.lz4.level': { default: '9', check: { type: 'int', min: 1, max: 17 } },
  'compression.type': {
    default: 'producer',
    check: { type: 'enum', values: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] },
  },
  'compression.zstd.level': { default: '3', check: { type: 'int', min: -131072, max: 22 } },
  'delete.retention.ms': { default: '86400000', check: { type: 'long', min: 0 } },
  'file.delete.delay.ms': { default: '60000', check: { type: 'long', min: 0 } },
  'flush.messages': { default: LONG_MAX, check: { type: 'long', min: 1 } },
  'flush.ms': { default: LONG_MAX, check: { type: 'long', min: 0 } },
  'follower.replication.throttled.replicas': { default: '', check: { type: 'string' } },
  'index.interval.bytes': { default: '4096', check: { type: 'int', min: 0 } },
  'leader.replication.throttled.replicas': { default: '', check: { type: 'string' } },
  'local.retention.bytes': { default: '-2', check: { type: 'long', min: -2 } },
  'local.retention.ms': { default: '-2', check: { type: 'long', min: -2 } },
  'max.compaction.lag.ms': { default: LONG_MAX, check: { type: 'long', min: 1 } },
  'max.message.bytes': { default: '1048588', check: { type: 'int', min: 0 } },
  'message.timestamp.after.max.ms': { default: '3600000', check: { type: 'long', min: 0 } },
  'message.timestamp.before.max.ms': { default: LONG_MAX, check: { type: 'long', min: 0 } },
  'message.timestamp.type': {
    default: 'CreateTime',
    check: { type: 'enum', values: ['CreateTime', 'LogAppendTime'] },
  },
  'min.cleanable.dirty.ratio': { default: '0.5', check: { type: 'double', min: 0, max: 1 } },
  'min.compaction.lag.ms': { default: '0', check: { type: 'long', min: 0 } },
  'min.insync.replicas': { default: '1', check: { type: 'int', min: 1 } },
  preallocate: { default: 'false', check: { type: 'boolean' } },
  'remote.log.copy.disable': { default: 'false', check: { type: 'boolean' } },
  'remote.log.delete.on.disable': { default: 'false', check: { type: 'boolean' } },
  'remote.storage.enable': { default: 'false', check: { type: 'boolean' } },
  'retention.bytes': { default: '-1', check: { type: 'long' } },
  'retention.ms': { default: '604800000', check: { type: 'long', min: -1 } },
  'segment.bytes': { default: '1073741824', check: { type: 'int', min: 1048576 } },
  'segment.index.bytes': { default: '10485760', check: { type: 'int', min: 4 } },
  'segment.jitter.ms': { default: '0', check: { type: 'long', min: 0 } },
  'segment.ms': { default: '604800000', check: { type: 'long', min: 1 } },
  'unclean.leader.election.enable': { default: 'false', check: { type: 'boolean' } },
};

/** Why `value` is not valid for `spec`, in Kafka's words, or undefined when it is valid. */
function problemWith(spec: ConfigType, value: string): string | undefined {
  const trimmed = value.trim();
  switch (spec.type) {
    case 'long':
    case 'int': {
      if (!/^[+-]?\d+$/.test(trimmed)) return `Not a number of type ${spec.type === 'long' ? 'LONG' : 'INT'}`;
      // Compare as BigInt: longs go up to 2^63 - 1, beyond a double's exact range.
      const n = BigInt(trimmed);
      const limit = spec.type === 'int' ? BigInt(INT_MAX) : 9223372036854775807n;
      if (n > limit || n < -limit - 1n)
        return `Not a number of type ${spec.type === 'long' ? 'LONG' : 'INT'}`;
      if (spec.min !== undefined && n < BigInt(spec.min)) return `Value must be at least ${spec.min}`;
      if (spec.max !== undefined && n > BigInt(spec.max)) return `Value must be no more than ${spec.max}`;
      return undefined;
    }
    case 'double': {
      const n = Number(trimmed);
      if (trimmed === '' || !Number.isFinite(n)) return 'Not a number of type DOUBLE';
      if (n < spec.min) return `Value must be at least ${spec.min}`;
      if (n > spec.max) return `Value must be no more than ${spec.max}`;
      return undefined;
    }
    case 'boolean':
      return /^(true|false)$/i.test(trimmed) ? undefined : 'Expected value to be either true or false';
    case 'string':
      return undefined;
    case 'enum':
      return spec.values.includes(trimmed) ? undefined : `String must be one of: ${spec.values.join(', ')}`;
    case 'list': {
      const items = trimmed === '' ? [] : trimmed.split(',').map((s) => s.trim());
      for (const item of items) {
        if (!spec.values.includes(item)) return `String must be one of: ${spec.values.join(', ')}`;
      }
      return undefined;
    }
  }
}

/** Checks topic-level configs as a Kafka broker does on topic creation; throws a ConfigError. */
export function validateTopicConfigs(configs: Record<string, string>): void {
  for (const [key, value] of Object.entries(configs)) {
    const spec = TOPIC_CONFIGS[key];
    if (spec === undefined) {
      throw new ConfigError(`INVALID_CONFIG: Unknown topic config name: ${key}`, { key, value });
    }
    if (typeof value !== 'string') {
      throw new ConfigError(`INVALID_CONFIG: Invalid value ${String(value)} for configuration ${key}`, {
        key,
        value,
      });
    }
    const problem = problemWith(spec.check, value);
    if (problem !== undefined) {
      throw new ConfigError(`INVALID_CONFIG: Invalid value ${value} for configuration ${key}: ${problem}`, {
        key,
        value,
      });
    }
  }
}

/**
 * Every effective config of a topic: the topic's own values (source 'topic'), then the embedded
 * log's settings that play the part of broker configs ('static-broker'), then Kafka's defaults.
 */
export function effectiveTopicConfigs(
  topicConfigs: Readonly<Record<string, string>>,
  brokerConfigs: Readonly<Record<string, string>>,
): Record<string, TopicConfigEntry> {
  const out: Record<string, TopicConfigEntry> = {};
  for (const key of Object.keys(TOPIC_CONFIGS).sort()) {
    let value: string;
    let source: TopicConfigSource;
    const own = topicConfigs[key];
    const broker = brokerConfigs[key];
    if (own !== undefined) {
      value = own;
      source = 'topic';
    } else if (broker !== undefined) {
      value = broker;
      source = 'static-broker';
    } else {
      value = TOPIC_CONFIGS[key]!.default;
      source = 'default';
    }
    out[key] = { value, source, sensitive: false, readOnly: false };
  }
  return out;
}

/** An integer topic config, from the topic, else the embedded log's setting, else Kafka's default. */
export function intConfig(
  topicConfigs: Readonly<Record<string, string>>,
  brokerConfigs: Readonly<Record<string, string>>,
  key: string,
): number {
  const raw = topicConfigs[key] ?? brokerConfigs[key] ?? TOPIC_CONFIGS[key]?.default;
  const n = Number(raw?.trim());
  if (!Number.isFinite(n)) throw new ConfigError(`Topic config ${key} is not a number: ${raw}`, { key });
  return n;
}
