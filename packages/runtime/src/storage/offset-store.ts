import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConnectError, type SourceMap } from '@sluice/api';

/**
 * Source offsets by connector and source partition (Kafka's `OffsetBackingStore`). Keys and
 * values are kept in Kafka Connect's serialized form: the key is the JSON text
 * `["<connector>",{partition}]` and the value the JSON text of the offset map, so the same
 * bytes can later go to an offsets topic.
 */
export interface OffsetBackingStore {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The stored offset JSON texts of these keys (absent keys are left out). */
  get(keys: readonly string[]): Promise<Map<string, string>>;
  /** Stores offsets (null deletes) and resolves once they are durable. */
  set(entries: ReadonlyMap<string, string | null>): Promise<void>;
  /** Every stored key of one connector. */
  keysOf(connector: string): Promise<string[]>;
}

/** Kafka's offset key: the JSON array `[connector, partition]` with the partition map's keys in insertion order. */
export function offsetKey(connector: string, partition: SourceMap): string {
  return JSON.stringify([connector, partition]);
}

/** Parses an offset key back into connector and partition; null for a key that is not in that form. */
export function parseOffsetKey(key: string): { connector: string; partition: SourceMap } | null {
  try {
    const parsed: unknown = JSON.parse(key);
    if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string') return null;
    const partition = parsed[1];
    if (partition === null || typeof partition !== 'object' || Array.isArray(partition)) return null;
    return { connector: parsed[0], partition: partition as SourceMap };
  } catch {
    return null;
  }
}

/** Where the file store reports its writes (debug). */
export interface OffsetStoreLogger {
  debug(message: string): void;
}

/**
 * The standalone store (`offset.storage.file.filename`): all offsets in memory, the whole map
 * written to the file (temp file, fsync, rename), so a crash leaves either the old or the new
 * file. The file is JSON: `{"offsets":[[key, value], ...]}`. (Kafka's own file is a
 * Java-serialized map, which no other program can read; this one can be inspected with `jq`.)
 *
 * Writes are coalesced: while one write is under way, every `set` made meanwhile waits for the
 * single next write, which serializes the map as it is when it starts. So however many tasks
 * flush at once (2,000 connectors on a 1 s flush interval), at most one write is running and one
 * waiting, each `set` is durable after at most two writes, and no per-call copy of the whole map
 * is held in memory.
 */
export class FileOffsetBackingStore implements OffsetBackingStore {
  readonly #file: string;
  readonly #logger: OffsetStoreLogger | undefined;
  readonly #data = new Map<string, string>();
  /** The write under way, if any. */
  #running: Promise<void> | null = null;
  /** The next write, shared by every `set` made while one runs. */
  #next: Promise<void> | null = null;
  #writes = 0;

  constructor(file: string, logger?: OffsetStoreLogger) {
    this.#file = file;
    this.#logger = logger;
  }

  async start(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.#file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new ConnectError(`Cannot read the offsets file ${this.#file}`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new ConnectError(`The offsets file ${this.#file} is not valid JSON`, { cause: err });
    }
    const entries = (parsed as { offsets?: unknown }).offsets;
    if (!Array.isArray(entries))
      throw new ConnectError(`The offsets file ${this.#file} has no "offsets" array`);
    for (const e of entries) {
      if (Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string')
        this.#data.set(e[0], e[1]);
    }
  }

  async stop(): Promise<void> {
    await (this.#next ?? this.#running)?.catch(() => {});
  }

  async get(keys: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const k of keys) {
      const v = this.#data.get(k);
      if (v !== undefined) out.set(k, v);
    }
    return out;
  }

  async keysOf(connector: string): Promise<string[]> {
    return [...this.#data.keys()].filter((k) => parseOffsetKey(k)?.connector === connector);
  }

  set(entries: ReadonlyMap<string, string | null>): Promise<void> {
    for (const [k, v] of entries) {
      if (v === null) this.#data.delete(k);
      else this.#data.set(k, v);
    }
    if (this.#next !== null) return this.#next;
    if (this.#running === null) return this.#startWrite();
    const after = this.#running.catch(() => {});
    this.#next = after.then(() => {
      this.#next = null;
      return this.#startWrite();
    });
    return this.#next;
  }

  /** Writes the map as it is now; the write under way until it ends. */
  #startWrite(): Promise<void> {
    const running = this.#write(JSON.stringify({ offsets: [...this.#data] }), this.#data.size).finally(() => {
      if (this.#running === running) this.#running = null;
    });
    this.#running = running;
    return running;
  }

  async #write(text: string, count: number): Promise<void> {
    await mkdir(dirname(this.#file), { recursive: true });
    const tmp = join(dirname(this.#file), `.${Date.now()}-${process.pid}.offsets.tmp`);
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.#file);
    this.#writes++;
    this.#logger?.debug(`Wrote ${count} source offsets to ${this.#file} (write ${this.#writes})`);
  }
}
