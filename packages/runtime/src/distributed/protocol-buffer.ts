import { DataError } from '@sluice/api';

/**
 * Kafka's protocol primitives (`org.apache.kafka.common.protocol.types`), big-endian:
 * INT16/INT32/INT64, STRING = int16 length + UTF-8, NULLABLE_BYTES = int32 length (-1 = null) +
 * bytes, ARRAY = int32 count (-1 = null) + elements.
 */
export class ProtocolWriter {
  #buf = Buffer.alloc(256);
  #pos = 0;

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    const next = Buffer.alloc(Math.max(this.#buf.length * 2, this.#pos + n));
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  int16(v: number): this {
    if (!Number.isInteger(v) || v < -32768 || v > 32767) throw new DataError(`${v} is not an int16`);
    this.#ensure(2);
    this.#buf.writeInt16BE(v, this.#pos);
    this.#pos += 2;
    return this;
  }

  int32(v: number): this {
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647)
      throw new DataError(`${v} is not an int32`);
    this.#ensure(4);
    this.#buf.writeInt32BE(v, this.#pos);
    this.#pos += 4;
    return this;
  }

  int64(v: number | bigint): this {
    const big = typeof v === 'bigint' ? v : Number.isSafeInteger(v) ? BigInt(v) : null;
    if (big === null || big !== BigInt.asIntN(64, big)) throw new DataError(`${v} is not an int64`);
    this.#ensure(8);
    this.#buf.writeBigInt64BE(big, this.#pos);
    this.#pos += 8;
    return this;
  }

  /** Kafka STRING: non-null, at most 32767 UTF-8 bytes. */
  string(v: string): this {
    const bytes = Buffer.from(v, 'utf8');
    if (bytes.length > 32767) throw new DataError(`String is longer than 32767 bytes: ${bytes.length}`);
    this.int16(bytes.length);
    this.#ensure(bytes.length);
    bytes.copy(this.#buf, this.#pos);
    this.#pos += bytes.length;
    return this;
  }

  nullableBytes(v: Uint8Array | null): this {
    if (v === null) return this.int32(-1);
    this.int32(v.length);
    this.#ensure(v.length);
    this.#buf.set(v, this.#pos);
    this.#pos += v.length;
    return this;
  }

  /** ARRAY of items, each written by `write`; null writes count -1. */
  array<T>(items: readonly T[] | null, write: (w: this, item: T) => void): this {
    if (items === null) return this.int32(-1);
    this.int32(items.length);
    for (const item of items) write(this, item);
    return this;
  }

  /** A copy of the bytes written. */
  toBytes(): Uint8Array {
    return new Uint8Array(this.#buf.subarray(0, this.#pos));
  }
}

/** Reads Kafka protocol primitives; every read past the end throws a DataError naming the field. */
export class ProtocolReader {
  readonly #view: DataView;
  readonly #bytes: Uint8Array;
  #pos = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get remaining(): number {
    return this.#bytes.length - this.#pos;
  }

  #need(n: number, field: string): void {
    if (this.#pos + n > this.#bytes.length)
      throw new DataError(
        `Error reading field '${field}': needs ${n} bytes at offset ${this.#pos}, only ${this.remaining} left`,
      );
  }

  int16(field: string): number {
    this.#need(2, field);
    const v = this.#view.getInt16(this.#pos);
    this.#pos += 2;
    return v;
  }

  int32(field: string): number {
    this.#need(4, field);
    const v = this.#view.getInt32(this.#pos);
    this.#pos += 4;
    return v;
  }

  int64(field: string): bigint {
    this.#need(8, field);
    const v = this.#view.getBigInt64(this.#pos);
    this.#pos += 8;
    return v;
  }

  string(field: string): string {
    const length = this.int16(field);
    if (length < 0)
      throw new DataError(`Error reading field '${field}': string length ${length} cannot be negative`);
    this.#need(length, field);
    const text = new TextDecoder('utf-8', { fatal: false }).decode(
      this.#bytes.subarray(this.#pos, this.#pos + length),
    );
    this.#pos += length;
    return text;
  }

  nullableBytes(field: string): Uint8Array | null {
    const length = this.int32(field);
    if (length === -1) return null;
    if (length < 0)
      throw new DataError(`Error reading field '${field}': bytes length ${length} cannot be negative`);
    this.#need(length, field);
    const out = this.#bytes.slice(this.#pos, this.#pos + length);
    this.#pos += length;
    return out;
  }

  /** ARRAY; null when the count is -1. */
  array<T>(field: string, read: (r: this) => T): T[] | null {
    const count = this.int32(field);
    if (count === -1) return null;
    if (count < 0)
      throw new DataError(`Error reading field '${field}': array size ${count} cannot be negative`);
    // Each element takes at least one byte; reject absurd counts before allocating.
    if (count > this.remaining)
      throw new DataError(
        `Error reading field '${field}': array size ${count} exceeds the ${this.remaining} bytes left`,
      );
    const out: T[] = [];
    for (let i = 0; i < count; i++) out.push(read(this));
    return out;
  }
}
