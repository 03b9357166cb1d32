import type { RegistryRequest, RegistryResponse } from './handler.ts';

/**
 * Registries served by this process, by base URL. A converter whose `schema.registry.url` names
 * one of them calls it directly instead of over HTTP: converters are synchronous, and a blocking
 * HTTP request to the process's own listener could never be answered. The map lives on a global
 * symbol so converter packages can find it without depending on this package.
 */
export const LOCAL_REGISTRIES_SYMBOL: unique symbol = Symbol.for('sluice.schema-registry.local') as never;

export type LocalRegistryHandler = (req: RegistryRequest) => RegistryResponse;

function table(): Map<string, LocalRegistryHandler> {
  const g = globalThis as unknown as Record<symbol, Map<string, LocalRegistryHandler> | undefined>;
  let map = g[LOCAL_REGISTRIES_SYMBOL];
  if (map === undefined) {
    map = new Map();
    g[LOCAL_REGISTRIES_SYMBOL] = map;
  }
  return map;
}

/** `http://Host:Port/base/` → `http://host:port/base` (the key both sides use). */
export function normalizeRegistryUrl(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '')}`.toLowerCase();
}

/** Makes `handler` reachable in-process under each URL; returns the function that undoes it. */
export function registerLocalRegistry(urls: readonly string[], handler: LocalRegistryHandler): () => void {
  const keys = urls.map(normalizeRegistryUrl);
  for (const k of keys) table().set(k, handler);
  return () => {
    for (const k of keys) if (table().get(k) === handler) table().delete(k);
  };
}
