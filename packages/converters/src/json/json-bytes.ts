import type { BigDecimal } from '@sluice/api';
import { isPlain, quote } from './json-text.ts';

/**
 * The byte side of the JsonConverter encoder: a growable scratch buffer that compiled encoders
 * write UTF-8 JSON into directly, instead of building a string and transcoding it with
 * `Buffer.from(text, 'utf8')`. Each converter instance owns one; {@link ByteWriter.take} hands out
 * a right-sized copy of the bytes written, so nothing of the scratch is ever shared between records.
 *
 * The fast paths here cover what records are mostly made of (short ASCII strings, safe integers,
 * decimals of a few bytes); anything else is written through the string helpers of `json-text.ts`
 * so the bytes stay identical to the text encoder's.
 */
export class ByteWriter {
  /** The scratch; its first `pos` bytes are the record so far. Replaced by a larger one when full. */
  buf: Buffer;
  pos = 0;

  constructor(size = INITIAL_SIZE) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /**
   * Starts a record. Called before each one: a record whose encoding threw midway was never
   * taken, and starting over at 0 means none of its bytes can reach the next record's copy.
   */
  reset(): void {
    this.pos = 0;
    // A record far larger than usual leaves a large scratch behind: let it go.
    if (this.buf.length > MAX_KEPT_SIZE) this.buf = Buffer.allocUnsafe(INITIAL_SIZE);
  }

  /** A copy of the bytes written since {@link reset}, sized exactly. */
  take(): Buffer {
    const n = this.pos;
    const out = Buffer.allocUnsafe(n);
    this.buf.copy(out, 0, 0, n);
    this.pos = 0;
    return out;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.#grow(n);
  }

  #grow(n: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  byte(c: number): void {
    this.ensure(1);
    this.buf[this.pos++] = c;
  }

  /** Raw bytes (the envelope's head, a field prefix). */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    if (n <= 32) {
      this.pos = copyShort(this.buf, this.pos, bytes);
    } else {
      this.buf.set(bytes, this.pos);
      this.pos += n;
    }
  }

  /*
   * The value methods below first write `head`: the struct encoder passes the field's prefix
   * (`,"name":`), so a field takes one call instead of two; other callers pass NO_HEAD.
   */

  bool(head: Uint8Array, v: boolean): void {
    const text = v ? TRUE : FALSE;
    this.ensure(head.length + 5);
    this.pos = copyShort(this.buf, copyShort(this.buf, this.pos, head), text);
  }

  /** Text known to be ASCII (number texts, base64), one byte per character. */
  ascii(head: Uint8Array, s: string): void {
    const n = s.length;
    this.ensure(head.length + n);
    const buf = this.buf;
    let pos = copyShort(buf, this.pos, head);
    for (let i = 0; i < n; i++) buf[pos++] = s.charCodeAt(i);
    this.pos = pos;
  }

  /** Any text, as UTF-8 (used for JSON produced by the string encoder). */
  utf8(s: string): void {
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /** A safe integer (|n| < 2^53, -0 included) in decimal, as `String(n)` writes it. */
  int(head: Uint8Array, n: number): void {
    this.ensure(head.length + 17); // a sign and 16 digits
    const buf = this.buf;
    let pos = copyShort(buf, this.pos, head);
    if (n < 0) {
      buf[pos++] = 45; // -
      n = -n;
    }
    if (n < 1e8) {
      this.pos = writeDigits(buf, pos, n);
    } else {
      // Split into int32-sized halves: integer division of doubles is far slower. Both halves
      // are exact since n < 2^53.
      const high = Math.floor(n / 1e8);
      pos = writeDigits(buf, pos, high);
      let low = n - high * 1e8;
      for (let end = pos + 7; end >= pos; end--) {
        const q = (low / 10) | 0;
        buf[end] = 48 + low - q * 10;
        low = q;
      }
      this.pos = pos + 8;
    }
  }

  /**
   * A JSON string, quoted and escaped as {@link quote} does. ASCII strings needing no escape (the
   * usual case) are copied while they are checked; anything else starts over on the slow path.
   */
  str(head: Uint8Array, s: string): void {
    const n = s.length;
    if (n > 256) {
      // Long strings: a native check and copy beat the loop.
      this.raw(head);
      this.#strSlow(s);
      return;
    }
    this.ensure(head.length + n + 2);
    const buf = this.buf;
    const start = copyShort(buf, this.pos, head);
    this.pos = start;
    let pos = start;
    buf[pos++] = 34; // "
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c === 0x22 || c === 0x5c || c >= 0x80) {
        this.#strSlow(s); // this.pos is still `start`
        return;
      }
      buf[pos++] = c;
    }
    buf[pos++] = 34;
    this.pos = pos;
  }

  #strSlow(s: string): void {
    if (isPlain(s)) {
      this.byte(34);
      this.utf8(s);
      this.byte(34);
    } else {
      this.utf8(quote(s));
    }
  }

  /** `bytes[0..n)` in standard base64 with padding, between quotes. */
  base64(bytes: Uint8Array, n: number = bytes.length): void {
    if (n > 48) {
      // Long values: Node's native encoder is faster than a loop.
      this.utf8(`"${Buffer.from(bytes.buffer, bytes.byteOffset, n).toString('base64')}"`);
      return;
    }
    this.ensure(((n + 2) / 3) * 4 + 2);
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = 34;
    let i = 0;
    for (; i + 2 < n; i += 3) {
      const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
      buf[pos++] = B64[v >> 18]!;
      buf[pos++] = B64[(v >> 12) & 63]!;
      buf[pos++] = B64[(v >> 6) & 63]!;
      buf[pos++] = B64[v & 63]!;
    }
    if (i + 1 === n) {
      const v = bytes[i]! << 16;
      buf[pos++] = B64[v >> 18]!;
      buf[pos++] = B64[(v >> 12) & 63]!;
      buf[pos++] = 61; // =
      buf[pos++] = 61;
    } else if (i + 2 === n) {
      const v = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
      buf[pos++] = B64[v >> 18]!;
      buf[pos++] = B64[(v >> 12) & 63]!;
      buf[pos++] = B64[(v >> 6) & 63]!;
      buf[pos++] = 61;
    }
    buf[pos++] = 34;
    this.pos = pos;
  }

  /**
   * The base64 of a decimal's unscaled value as `BigInteger.toByteArray` gives it (minimal
   * big-endian two's complement), between quotes: the bytes of `value.unscaledBytes()`, but for
   * magnitudes below 2^47 computed with number arithmetic into a reused array.
   */
  decimalBase64(value: BigDecimal): void {
    const n = Number(value.unscaled);
    if (!(n > -SMALL_LIMIT && n < SMALL_LIMIT)) {
      this.base64(value.unscaledBytes());
      return;
    }
    let len = 1;
    while (n < -LIMITS[len - 1]! || n >= LIMITS[len - 1]!) len++;
    // The unsigned value modulo 2^(8·len), byte by byte from the end.
    let u = n < 0 ? n + LIMITS[len - 1]! * 2 : n;
    for (let i = len - 1; i >= 0; i--) {
      DECIMAL_BYTES[i] = u % 256;
      u = Math.floor(u / 256);
    }
    this.base64(DECIMAL_BYTES, len);
  }
}

/** Copies a short run of bytes (a prefix, a constant) to `buf` at `pos`; a loop beats a native call here. */
function copyShort(buf: Buffer, pos: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) buf[pos++] = bytes[i]!;
  return pos;
}

/** Writes the decimal digits of an integer 0 ≤ n < 2^31 at `pos`; returns the position after them. */
function writeDigits(buf: Buffer, pos: number, n: number): number {
  let len = 1;
  while (len < 10 && n >= POW10[len]!) len++;
  let m = n | 0;
  for (let end = pos + len - 1; end > pos; end--) {
    const q = (m / 10) | 0;
    buf[end] = 48 + m - q * 10;
    m = q;
  }
  buf[pos] = 48 + m;
  return pos + len;
}

/** The `head` of a value written on its own. */
export const NO_HEAD: Uint8Array = new Uint8Array(0);
const INITIAL_SIZE = 4096;
const MAX_KEPT_SIZE = 1 << 20;
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const POW10 = Array.from({ length: 10 }, (_, i) => 10 ** i);
const B64 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1');
/** Magnitudes below 2^47 convert through numbers exactly, and fit in six bytes. */
const SMALL_LIMIT = 2 ** 47;
/** LIMITS[k]: the smallest magnitude that needs more than k+1 bytes. */
const LIMITS = [2 ** 7, 2 ** 15, 2 ** 23, 2 ** 31, 2 ** 39, 2 ** 47];
/** Scratch for {@link ByteWriter.decimalBase64}; filled and read within one call. */
const DECIMAL_BYTES = new Uint8Array(6);
