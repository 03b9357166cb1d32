import type { Schema } from '../data/schema.ts';
import { Schema as Schemas, schemaEquals, valueEquals } from '../data/schema.ts';

/** One record header: a key with a Connect schema and value (`org.apache.kafka.connect.header.Header`). */
export interface Header {
  readonly key: string;
  readonly schema: Schema | null;
  readonly value: unknown;
}

/**
 * The ordered headers of a record (`org.apache.kafka.connect.header.Headers`): a multimap in
 * which a key may appear several times; iteration follows insertion order.
 */
export class ConnectHeaders implements Iterable<Header> {
  #headers: Header[];

  constructor(headers?: Iterable<Header>) {
    this.#headers = headers === undefined ? [] : [...headers];
  }

  get size(): number {
    return this.#headers.length;
  }

  isEmpty(): boolean {
    return this.#headers.length === 0;
  }

  [Symbol.iterator](): Iterator<Header> {
    return this.#headers[Symbol.iterator]();
  }

  /** Every header with this key, in order. */
  allWithName(key: string): Header[] {
    return this.#headers.filter((h) => h.key === key);
  }

  /** The last header with this key, or null. */
  lastWithName(key: string): Header | null {
    for (let i = this.#headers.length - 1; i >= 0; i--) {
      const h = this.#headers[i]!;
      if (h.key === key) return h;
    }
    return null;
  }

  add(key: string, value: unknown, schema: Schema | null = null): this {
    this.#headers.push({ key, schema, value });
    return this;
  }

  addHeader(header: Header): this {
    this.#headers.push(header);
    return this;
  }

  addString(key: string, value: string | null): this {
    return this.add(key, value, Schemas.OPTIONAL_STRING_SCHEMA);
  }
  addBoolean(key: string, value: boolean): this {
    return this.add(key, value, Schemas.BOOLEAN_SCHEMA);
  }
  addInt(key: string, value: number): this {
    return this.add(key, value, Schemas.INT32_SCHEMA);
  }
  addLong(key: string, value: number | bigint): this {
    return this.add(key, value, Schemas.INT64_SCHEMA);
  }
  addDouble(key: string, value: number): this {
    return this.add(key, value, Schemas.FLOAT64_SCHEMA);
  }
  addBytes(key: string, value: Uint8Array): this {
    return this.add(key, value, Schemas.BYTES_SCHEMA);
  }

  /** Removes every header with this key. */
  remove(key: string): this {
    this.#headers = this.#headers.filter((h) => h.key !== key);
    return this;
  }

  /** Keeps only the last header of each key (or of the given key). */
  retainLatest(key?: string): this {
    const last = new Map<string, Header>();
    for (const h of this.#headers) if (key === undefined || h.key === key) last.set(h.key, h);
    this.#headers = this.#headers.filter(
      (h) => (key !== undefined && h.key !== key) || last.get(h.key) === h,
    );
    return this;
  }

  clear(): this {
    this.#headers = [];
    return this;
  }

  duplicate(): ConnectHeaders {
    if (this.#headers.length === 0) return new ConnectHeaders();
    const copy = new ConnectHeaders();
    copy.#headers = this.#headers.slice();
    return copy;
  }

  equals(other: unknown): boolean {
    if (!(other instanceof ConnectHeaders) || other.size !== this.size) return false;
    const theirs = other.#headers;
    return this.#headers.every(
      (h, i) =>
        h.key === theirs[i]!.key &&
        schemaEquals(h.schema, theirs[i]!.schema) &&
        valueEquals(h.value, theirs[i]!.value),
    );
  }
}

/** Headers as records carry them. */
export type Headers = ConnectHeaders;
