/**
 * The one place that reaches into `@platformatic/kafka`'s internals: the client's request API
 * table (`kGetApi`) and its broker connections (`kGetConnection`). Sluice sends some requests
 * itself over the library's connections (its own Produce and Fetch encoding, the Connect group
 * protocol; docs/adr/0007-own-wire-path.md), so these symbols are what a library upgrade must be
 * checked against; the dependency is pinned to an exact version for that reason.
 */
import type { Admin, API, Broker, Connection } from '@platformatic/kafka';
import { kafkaLibrary } from './library.ts';

/**
 * The library's request function for API `name` (e.g. `Produce`), at the highest version both
 * the library and the broker know. Rejects with the library's error, which is null when the API
 * is simply unavailable.
 */
export function libraryApi<Args extends unknown[], Response>(
  client: Admin,
  name: string,
): Promise<API<Args, Response>> {
  return new Promise((resolve, reject) => {
    client[kafkaLibrary().kGetApi]<Args, Response>(name, (error, api) => {
      if (error !== null || api === undefined) reject(error);
      else resolve(api);
    });
  });
}

/** The client's connection to `broker`, opened when needed. */
export function libraryConnection(client: Admin, broker: Broker): Promise<Connection> {
  return new Promise((resolve, reject) => {
    client[kafkaLibrary().kGetConnection](broker, (error, connection) => {
      if (error !== null || connection === undefined) reject(error ?? new Error('no connection'));
      else resolve(connection);
    });
  });
}
