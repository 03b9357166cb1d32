/**
 * A growable byte buffer that splits its content into lines the way Kafka's `FileStreamSourceTask`
 * does: a line ends at `\n`, `\r\n` or a lone `\r`. A `\r` that is the last byte seen so far is not
 * a terminator yet, because the next byte may be the `\n` of a `\r\n` (it may arrive in a later read).
 *
 * Lines are found and cut in bytes and each whole line is decoded as UTF-8, so a multi-byte
 * character split across reads is decoded correctly and {@link LineBuffer.consumed} counts bytes.
 *
 * Producers write directly into the buffer: {@link prepareWrite}, then write up to {@link writable}
 * bytes into {@link buffer} at {@link writeOffset}, then {@link commit} the count. The search for
 * terminators uses `Buffer.indexOf` and remembers the next `\n` and `\r`, so each byte is scanned
 * once however long or short the lines are.
 */
export class LineBuffer {
  #buf: Buffer;
  /** `#buf` limited to the filled part, for `indexOf` (which has no end argument). */
  #view: Buffer;
  /** Unconsumed bytes are `[#start, #end)`. */
  #start = 0;
  #end = 0;
  /** The next `\n` / `\r` in `[#start, #end)`, or -1 when there is none there. */
  #nl = -1;
  #cr = -1;

  /** Bytes (line and terminator) consumed by the last successful {@link nextLine}. */
  consumed = 0;

  constructor(initialSize: number) {
    if (!Number.isInteger(initialSize) || initialSize < 1) {
      throw new RangeError(`Buffer size must be a positive integer, got ${initialSize}`);
    }
    this.#buf = Buffer.allocUnsafe(initialSize);
    this.#view = this.#buf.subarray(0, 0);
  }

  /** The buffer to write into after {@link prepareWrite}; it changes when the buffer grows. */
  get buffer(): Buffer {
    return this.#buf;
  }

  /** Where the next bytes go. */
  get writeOffset(): number {
    return this.#end;
  }

  /** How many bytes may be written at {@link writeOffset}. */
  get writable(): number {
    return this.#buf.length - this.#end;
  }

  /** The number of buffered bytes not yet returned as lines (a partial line, or lines not yet taken). */
  get pending(): number {
    return this.#end - this.#start;
  }

  /** The current capacity. */
  get capacity(): number {
    return this.#buf.length;
  }

  /**
   * Makes room at the end: moves unconsumed bytes to the front and, when the buffer is still full
   * (one line longer than the buffer), doubles it, as Kafka does.
   */
  prepareWrite(minFree = 1): void {
    const start = this.#start;
    if (start > 0) {
      const len = this.#end - start;
      if (len > 0) this.#buf.copyWithin(0, start, this.#end);
      this.#end = len;
      this.#start = 0;
      if (this.#nl !== -1) this.#nl -= start;
      if (this.#cr !== -1) this.#cr -= start;
    }
    if (this.#buf.length - this.#end < minFree) {
      let size = this.#buf.length * 2;
      while (size - this.#end < minFree) size *= 2;
      const grown = Buffer.allocUnsafe(size);
      this.#buf.copy(grown, 0, 0, this.#end);
      this.#buf = grown;
    }
    this.#view = this.#buf.subarray(0, this.#end);
  }

  /** Records that `n` bytes were written at {@link writeOffset}. */
  commit(n: number): void {
    if (n <= 0) return;
    const from = this.#end;
    this.#end = from + n;
    this.#view = this.#buf.subarray(0, this.#end);
    if (this.#nl === -1) this.#nl = this.#view.indexOf(10, from);
    if (this.#cr === -1) this.#cr = this.#view.indexOf(13, from);
  }

  /** Copies `bytes` in, growing the buffer as needed. */
  append(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.prepareWrite(bytes.length);
    this.#buf.set(bytes, this.#end);
    this.commit(bytes.length);
  }

  /**
   * The next complete line without its terminator, decoded as UTF-8 (malformed bytes become U+FFFD,
   * as Java's decoder does), or null when no complete line is buffered. Sets {@link consumed}.
   */
  nextLine(): string | null {
    const nl = this.#nl;
    const cr = this.#cr;
    let until: number;
    let next: number;
    if (nl !== -1 && (cr === -1 || nl < cr)) {
      until = nl;
      next = nl + 1;
    } else if (cr !== -1) {
      // A `\r` needs the following byte to tell `\r\n` from a lone `\r`.
      if (cr + 1 >= this.#end) return null;
      until = cr;
      next = this.#buf[cr + 1] === 10 ? cr + 2 : cr + 1;
    } else {
      return null;
    }
    const start = this.#start;
    const line = start === until ? '' : this.#buf.toString('utf8', start, until);
    this.consumed = next - start;
    this.#start = next;
    if (nl !== -1 && nl < next) this.#nl = this.#view.indexOf(10, next);
    if (cr !== -1 && cr < next) this.#cr = this.#view.indexOf(13, next);
    return line;
  }

  /** Drops everything buffered. */
  clear(): void {
    this.#start = 0;
    this.#end = 0;
    this.#nl = -1;
    this.#cr = -1;
    this.#view = this.#buf.subarray(0, 0);
  }
}
