import { appendFileSync, existsSync, mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { dirname } from 'node:path';

/** A reference from one schema to another (`{"name", "subject", "version"}`), as in Confluent's API. */
export interface SchemaReference {
  readonly name: string;
  readonly subject: string;
  readonly version: number;
}

export type SchemaType = 'AVRO' | 'JSON' | 'PROTOBUF';

/**
 * One change to the registry. The registry's state is the fold of these events in order, which
 * is how Confluent's registry keeps its `_schemas` topic; a storage only has to keep them.
 */
export type RegistryEvent =
  | {
      readonly t: 'schema';
      readonly subject: string;
      readonly version: number;
      readonly id: number;
      readonly schemaType: SchemaType;
      readonly schema: string;
      readonly references: readonly SchemaReference[];
    }
  | {
      /** A subject version as it now stands (Confluent's SCHEMA record): added, replaced or soft-deleted. */
      readonly t: 'version';
      readonly subject: string;
      readonly version: number;
      readonly id: number;
      readonly schemaType: SchemaType;
      readonly schema: string;
      readonly references: readonly SchemaReference[];
      readonly deleted: boolean;
    }
  | {
      /** Soft-deletes every version of `subject` up to `version` (Confluent's DELETE_SUBJECT record). */
      readonly t: 'delete-subject';
      readonly subject: string;
      readonly version: number;
    }
  | {
      /** Forgets the soft-deleted versions of the subjects starting with `subject` (CLEAR_SUBJECT). */
      readonly t: 'clear-subject';
      readonly subject: string;
    }
  | {
      readonly t: 'delete-version';
      readonly subject: string;
      readonly version: number;
      readonly permanent: boolean;
    }
  | { readonly t: 'config'; readonly subject: string | null; readonly compatibility: string | null }
  | { readonly t: 'mode'; readonly subject: string | null; readonly mode: string | null };

/**
 * Where a registry keeps its events. Both calls are synchronous so that the registry's answers
 * are too (a converter in the same process can then use it without a network round trip);
 * `append` must not return before the event is durable as far as the storage promises.
 */
export interface RegistryStorage {
  /** Every event stored so far, oldest first. */
  readAll(): RegistryEvent[];
  append(event: RegistryEvent): void;
  close?(): void;
  /**
   * Storages shared with other writers (a log) hand their events here as they arrive; the
   * registry subscribes once, after `readAll()`.
   */
  subscribe?(apply: (event: RegistryEvent) => void): void;
  /** Resolves once every appended event is durable (a log's acknowledgement); rejects when one failed. */
  flush?(): Promise<void>;
  /** Resolves once every event other writers stored before the call has been handed over. */
  catchUp?(): Promise<void>;
}

/** Keeps events in memory only (tests, a throwaway registry). */
export class MemoryStorage implements RegistryStorage {
  readonly #events: RegistryEvent[] = [];
  readAll(): RegistryEvent[] {
    return [...this.#events];
  }
  append(event: RegistryEvent): void {
    this.#events.push(event);
  }
}

/**
 * An append-only file of JSON lines, one event a line. A torn last line (the process died while
 * writing it) is ignored on reading; any other unreadable line is an error naming the line.
 */
export class FileStorage implements RegistryStorage {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
  }

  readAll(): RegistryEvent[] {
    if (!existsSync(this.path)) return [];
    const text = readFileSync(this.path, 'utf8');
    const lines = text.split('\n');
    const events: RegistryEvent[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === '') continue;
      try {
        events.push(JSON.parse(line) as RegistryEvent);
      } catch (err) {
        const last = lines.slice(i + 1).every((l) => l.trim() === '');
        if (last && !text.endsWith('\n')) {
          // A torn final write: drop it so the next append starts on a line of its own.
          truncateSync(this.path, Buffer.byteLength(lines.slice(0, i).join('\n')) + (i > 0 ? 1 : 0));
          break;
        }
        throw new Error(`${this.path}:${i + 1}: unreadable registry event: ${(err as Error).message}`);
      }
    }
    return events;
  }

  append(event: RegistryEvent): void {
    appendFileSync(this.path, `${JSON.stringify(event)}\n`);
  }
}
