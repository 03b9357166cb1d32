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
/** The array every empty ConnectHeaders starts with: shared, so never changed in place. */
const NONE: Header[] = [];

export class ConnectHeaders implements Iterable<Header> {
  /**
   * The headers. Copy-on-write: while {@link #shared} is true the array may belong to other
   * instances too (an empty one, or one {@link duplicate} copied), and {@link #own} copies it
   * before the first change in place. A record's headers are duplicated by every transform that
   * changes the record, and most never change afterwards, so this saves an array per step.
   */
  #headers: Header[];
  #shared: boolean;

  constructor(headers?: Iterable<Header>) {
    if (headers === undefined) {
      this.#headers = NONE;
      this.#shared = true;
    } else {
      this.#headers = [...headers];
      this.#shared = false;
    }
  }

  /** The array, made this instance's own before a change in place. */
  #own(): Header[] {
    if (this.#shared) {
      this.#headers = this.#headers.slice();
      this.#shared = false;
    }
    return this.#headers;
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
    this.#own().push({ key, schema, value });
    return this;
  }

  addHeader(header: Header): this {
    this.#own().push(header);
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
    this.#shared = false;
    return this;
  }

  /** Keeps only the last header of each key (or of the given key). */
  retainLatest(key?: string): this {
    const last = new Map<string, Header>();
    for (const h of this.#headers) if (key === undefined || h.key === key) last.set(h.key, h);
    this.#headers = this.#headers.filter(
      (h) => (key !== undefined && h.key !== key) || last.get(h.key) === h,
    );
    this.#shared = false;
    return this;
  }

  clear(): this {
    this.#headers = NONE;
    this.#shared = true;
    return this;
  }

  /** An independent copy: changing either leaves the other as it was. */
  duplicate(): ConnectHeaders {
    const copy = new ConnectHeaders();
    copy.#headers = this.#headers;
    this.#shared = true;
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
