/**
 * `@platformatic/kafka`, loaded on first use. The library and what it loads (ajv, avsc, its
 * protocol tables) cost a worker ~55 MB of RSS; a worker on the embedded log never talks to Kafka,
 * so the modules under log/kafka/ and distributed/ import only the library's types statically and
 * take its values from here when they first create a client, an API or a request. `require` of
 * an ES module is synchronous on Node >= 22.12, so constructors and sync methods stay as they were.
 */
import { createRequire } from 'node:module';
import type * as Library from '@platformatic/kafka';

export type KafkaLibrary = typeof Library;

let loaded: KafkaLibrary | undefined;

/** The `@platformatic/kafka` module, loaded the first time this is called. */
export function kafkaLibrary(): KafkaLibrary {
  loaded ??= createRequire(import.meta.url)('@platformatic/kafka') as KafkaLibrary;
  return loaded;
}
