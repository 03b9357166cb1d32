import type { MapValue } from './requirements.ts';

/**
 * Schemaless map helpers that keep the representation the record came with: a `Map` stays a
 * `Map`, a plain object stays a plain object (keys in insertion order in both).
 */

/** The value stored under `key`, or null. */
export function mapGet(map: MapValue, key: string): unknown {
  if (map instanceof Map) return map.get(key) ?? null;
  return Object.hasOwn(map, key) ? (map[key] ?? null) : null;
}

/** True when `key` is present. */
export function mapHas(map: MapValue, key: string): boolean {
  return map instanceof Map ? map.has(key) : Object.hasOwn(map, key);
}

/** An empty map of the same kind as `like`. */
export function emptyMapLike(like: MapValue): MapValue {
  return like instanceof Map ? new Map() : {};
}

/** A shallow copy of the same kind. */
export function copyMap(map: MapValue): MapValue {
  if (map instanceof Map) return new Map(map);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(map)) setOwn(out, k, map[k]);
  return out;
}

/** Sets `key` (an own property even for `__proto__`). */
export function mapSet(map: MapValue, key: unknown, value: unknown): void {
  if (map instanceof Map) map.set(key, value);
  else setOwn(map, String(key), value);
}

/** Removes `key`. */
export function mapDelete(map: MapValue, key: string): void {
  if (map instanceof Map) map.delete(key);
  else delete map[key];
}

/** The entries in insertion order. */
export function mapEntries(map: MapValue): Iterable<[unknown, unknown]> {
  return map instanceof Map ? map.entries() : Object.entries(map);
}

/** The number of entries. */
export function mapSize(map: MapValue): number {
  return map instanceof Map ? map.size : Object.keys(map).length;
}

function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}
