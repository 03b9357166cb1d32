import type { SinkRecord } from '@sluice/api';
import { javaString } from './java-string.ts';

/** An unpaired UTF-16 surrogate, which Java's UTF-8 encoder writes as `?`. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const NEWLINE = 0x0a;
/** The buffer a new encoder starts with. */
const INITIAL_BYTES = 64 * 1024;
/** A buffer grown past this for one big batch is not kept for the next one. */
const KEEP_BYTES = 4 * 1024 * 1024;

/**
 * Encodes a batch of sink records as FileStreamSink lines: each value as Java prints it (see
 * {@link javaString}; bytes raw), then `\n`, in UTF-8 with unpaired surrogates as `?`. Each value
 * is written straight into one buffer that the encoder keeps from batch to batch, so a batch costs
 * no intermediate strings (the lines are not concatenated first) and no new buffer: at a sink's
 * rates a new buffer per batch is external memory the garbage collector frees only later.
 */
export class LineEncoder {
  #buf: Buffer;

  constructor(initialBytes = INITIAL_BYTES) {
    this.#buf = Buffer.allocUnsafe(initialBytes);
  }

  /** The lines of `records`: a view of the encoder's buffer, valid until the next `encode`. */
  encode(records: readonly SinkRecord[]): Buffer {
    if (this.#buf.length > KEEP_BYTES) this.#buf = Buffer.allocUnsafe(INITIAL_BYTES);
    let pos = 0;
    for (const record of records) {
      const value = record.value;
      if (value instanceof Uint8Array) {
        this.#reserve(pos, value.byteLength + 1);
        this.#buf.set(value, pos);
        pos += value.byteLength;
      } else {
        let text = javaString(value, record.valueSchema);
        if (!text.isWellFormed()) text = text.replace(LONE_SURROGATE, '?');
        // At most 3 UTF-8 bytes per UTF-16 unit; the exact count only when that bound does not fit.
        if (pos + text.length * 3 + 1 > this.#buf.length)
          this.#reserve(pos, Buffer.byteLength(text, 'utf8') + 1);
        pos += this.#buf.write(text, pos, 'utf8');
      }
      this.#buf[pos++] = NEWLINE;
    }
    return this.#buf.subarray(0, pos);
  }

  /** Makes room for `bytes` more bytes after the first `used`, which are kept. */
  #reserve(used: number, bytes: number): void {
    if (used + bytes <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, used + bytes));
    this.#buf.copy(grown, 0, 0, used);
    this.#buf = grown;
  }
}
