import type { ConfigDef } from '../config/config-def.ts';
import type { ConnectRecord } from '../connector/connect-record.ts';

/**
 * A single message transform (`org.apache.kafka.connect.transforms.Transformation`). `apply` is
 * synchronous and runs once per record in the hot path: no I/O, and cache derived schemas.
 */
export interface Transformation<R extends ConnectRecord<R>> {
  configure(configs: Readonly<Record<string, unknown>>): void;
  /** The transformed record, or null to drop it. */
  apply(record: R): R | null;
  config(): ConfigDef;
  close(): void;
}

/** A condition for applying a transform (`org.apache.kafka.connect.transforms.predicates.Predicate`). */
export interface Predicate<R extends ConnectRecord<R>> {
  configure(configs: Readonly<Record<string, unknown>>): void;
  test(record: R): boolean;
  config(): ConfigDef;
  close(): void;
}
