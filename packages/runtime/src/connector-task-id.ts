/**
 * A task's identity, Kafka's `ConnectorTaskId`: the connector's name and the task's number.
 * Task ids order by connector name, then number (as Java's `compareTo`, UTF-16 code units).
 */
export interface ConnectorTaskId {
  readonly connector: string;
  readonly task: number;
}

/** Kafka's text form, `<connector>-<task>`, also used as a map key. */
export function taskIdString(id: ConnectorTaskId): string {
  return `${id.connector}-${id.task}`;
}

export function compareTaskIds(a: ConnectorTaskId, b: ConnectorTaskId): number {
  if (a.connector !== b.connector) return a.connector < b.connector ? -1 : 1;
  return a.task - b.task;
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Splits a key such as `task-<connector>-<n>` the way Kafka does (`String.split("-")`, which
 * drops trailing empty segments): the last segment is the task number (Java `Integer.parseInt`),
 * the segments between the first `skip` and the last are joined back into the connector name, so
 * names containing `-` work. Returns null when the key has too few segments or no valid number.
 */
export function parseDashedTaskId(key: string, skip: number): ConnectorTaskId | null {
  const parts = key.split('-');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length < skip + 2) return null;
  const task = parseJavaInt(parts[parts.length - 1]!);
  if (task === null) return null;
  return { connector: parts.slice(skip, -1).join('-'), task };
}

/** Java's `Integer.parseInt` for base 10: optional sign, ASCII digits, within int32; else null. */
export function parseJavaInt(text: string): number | null {
  if (!/^[+-]?[0-9]+$/.test(text)) return null;
  const n = Number(text);
  if (n < -2147483648 || n > 2147483647) return null;
  return n === 0 ? 0 : n; // never -0
}
