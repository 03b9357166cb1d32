/**
 * The group membership settings of a sink task's consumer, from its layered client properties
 * (Connect's defaults, the worker's `consumer.*`, the connector's `consumer.override.*`), with
 * Kafka's consumer defaults.
 */
import { ConfigError } from '@sluice/api';
import { type AssignorName, parseAssignors } from '../consumer-assignors.ts';

export interface GroupSettings {
  /** The consumer's `client.id` (Connect's `connector-consumer-<connector>-<task>` by default). */
  clientId: string;
  /** `group.instance.id`, null when unset. */
  groupInstanceId: string | null;
  /** `partition.assignment.strategy` as protocol names, in preference order. */
  assignors: AssignorName[];
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxPollIntervalMs: number;
}

export const GROUP_KEYS = [
  'group.instance.id',
  'partition.assignment.strategy',
  'session.timeout.ms',
  'heartbeat.interval.ms',
  'max.poll.interval.ms',
];

function int(props: Readonly<Record<string, string>>, key: string, fallback: number): number {
  const raw = props[key];
  if (raw === undefined) return fallback;
  if (!/^\s*\d+\s*$/.test(raw)) throw ConfigError.invalidValue(key, raw, 'Not a number of type INT');
  const n = Number(raw.trim());
  if (n < 1 || n > 2 ** 31 - 1) throw ConfigError.invalidValue(key, raw, 'Value must be at least 1');
  return n;
}

export function groupSettings(props: Readonly<Record<string, string>>): GroupSettings {
  const sessionTimeoutMs = int(props, 'session.timeout.ms', 45_000);
  const heartbeatIntervalMs = int(props, 'heartbeat.interval.ms', 3_000);
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw ConfigError.invalidValue(
      'heartbeat.interval.ms',
      props['heartbeat.interval.ms'] ?? String(heartbeatIntervalMs),
      `must be lower than session.timeout.ms (${sessionTimeoutMs})`,
    );
  }
  const instance = props['group.instance.id']?.trim();
  return {
    clientId: props['client.id'] ?? 'sluice',
    groupInstanceId: instance === undefined || instance === '' ? null : instance,
    assignors: parseAssignors(props['partition.assignment.strategy']),
    sessionTimeoutMs,
    heartbeatIntervalMs,
    maxPollIntervalMs: int(props, 'max.poll.interval.ms', 300_000),
  };
}
