import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import {
  AbstractConfig,
  ConnectError,
  pluginLogger,
  Schema,
  type SourceMap,
  SourceRecord,
  SourceTask,
  type StringMap,
} from '@sluice/api';
import { LineBuffer } from './line-buffer.ts';
import {
  FILENAME_FIELD,
  isLong,
  POSITION_FIELD,
  SOURCE_CONFIG_DEF,
  sourceFilename,
  TASK_BATCH_SIZE_CONFIG,
  TOPIC_CONFIG,
} from './source-config.ts';
import { VERSION } from './version.ts';

/** Options for embedding and testing; the runtime constructs the task without any. */
export interface FileStreamSourceTaskOptions {
  /** Initial read buffer size in bytes (it doubles for a longer line). Default 1 MiB. */
  bufferSize?: number;
  /** How long a poll waits when there is no data, or no file yet. Default 1000 ms, as Kafka. */
  waitMs?: number;
  /** The stream read when `file` is not set. Default `process.stdin`. */
  stdin?: NodeJS.ReadableStream;
  /** Where the task's warnings go. Default: the runtime's logger (`context.logger`), else stderr. */
  logger?: FileTaskLogger;
}

/** Where the task's warnings go. */
export interface FileTaskLogger {
  warn(message: string): void;
}

const LOGGER_NAME = 'org.apache.kafka.connect.file.FileStreamSourceTask';

/** While the file is missing, the warning is repeated at most this often (Kafka's: every poll). */
const MISSING_FILE_WARN_INTERVAL_MS = 60_000;

const DEFAULT_BUFFER_SIZE = 1024 * 1024;
const DEFAULT_WAIT_MS = 1000;
const VALUE_SCHEMA = Schema.STRING_SCHEMA;

/**
 * Kafka's `org.apache.kafka.connect.file.FileStreamSourceTask`: each line of the file becomes a
 * record with a STRING value, no key, the wall-clock timestamp, source partition `{filename}` and
 * source offset `{position}` (the byte position just after the line). Lines end at `\n`, `\r\n` or
 * `\r`; an unterminated last line waits until it is completed. On the first poll the file is opened
 * and reading starts at the committed position; a file that does not exist yet is waited for.
 * Without `file` it reads standard input, with null source partition and offset.
 *
 * Reading is in bytes with positional reads into one large reused buffer; each poll awaits only
 * per read (not per line) and returns at most `batch.size` records.
 */
export class FileStreamSourceTask extends SourceTask {
  /** The Java class it stands in for: `task.class` in task configs names it. */
  static readonly javaClass = 'org.apache.kafka.connect.file.FileStreamSourceTask';

  readonly #bufferSize: number;
  readonly #waitMs: number;
  readonly #stdinOption: NodeJS.ReadableStream | undefined;
  readonly #givenLogger: FileTaskLogger | undefined;

  /** The given logger, else the runtime's for Kafka's class name (its lines name the task). */
  #logger(): FileTaskLogger {
    return this.#givenLogger ?? pluginLogger(this.context, LOGGER_NAME);
  }
  /** When the missing-file warning was last logged; null while the file is there. */
  #missingWarnedAt: number | null = null;

  #filename: string | null = null;
  #topic = '';
  #batchSize = 1;
  #partition: SourceMap | null = null;
  #lines: LineBuffer | null = null;
  #file: FileHandle | null = null;
  /** Where the next file read starts. */
  #readPosition = 0;
  /** The byte position after the last line returned; null for standard input. */
  #streamOffset: number | null = null;
  #stdin: NodeJS.ReadableStream | null = null;
  #stopped = false;
  /** Ends the current wait early (on stop, or on new standard input). */
  #wake: (() => void) | null = null;

  constructor(options: FileStreamSourceTaskOptions = {}) {
    super();
    this.#bufferSize = options.bufferSize ?? DEFAULT_BUFFER_SIZE;
    this.#waitMs = options.waitMs ?? DEFAULT_WAIT_MS;
    this.#stdinOption = options.stdin;
    this.#givenLogger = options.logger;
  }

  version(): string {
    return VERSION;
  }

  /** @throws ConfigError for an invalid configuration (e.g. no `topic`), as Kafka's does */
  start(props: StringMap): void {
    const config = new AbstractConfig(SOURCE_CONFIG_DEF, props);
    this.#filename = sourceFilename(config);
    this.#topic = config.getString(TOPIC_CONFIG)!;
    // Kafka returns once the batch holds batch.size records, so a value below 1 means one record.
    this.#batchSize = Math.max(1, config.getInt(TASK_BATCH_SIZE_CONFIG)!);
    this.#lines = new LineBuffer(this.#bufferSize);
    this.#stopped = false;
    this.#streamOffset = null;
    if (this.#filename === null) {
      // Tracking offsets for standard input makes no sense.
      this.#partition = null;
      const stdin = this.#stdinOption ?? process.stdin;
      this.#stdin = stdin;
      refHandle(stdin, true);
      stdin.on('readable', this.#onReadable);
    } else {
      this.#partition = Object.freeze({ [FILENAME_FIELD]: this.#filename });
    }
  }

  async poll(): Promise<SourceRecord[] | null> {
    if (this.#stopped) return null;
    const lines = this.#lines;
    if (lines === null) throw new ConnectError('FileStreamSourceTask polled before start');
    if (this.#stdin === null && this.#file === null) {
      if (!(await this.#openFile())) {
        await this.#sleep();
        return null;
      }
      if (this.#stopped) return null;
    }

    const records: SourceRecord[] = [];
    const batchSize = this.#batchSize;
    const topic = this.#topic;
    const partition = this.#partition;
    let readAny = false;
    for (;;) {
      while (records.length < batchSize) {
        const line = lines.nextLine();
        if (line === null) break;
        let offset: SourceMap | null = null;
        if (this.#streamOffset !== null) {
          this.#streamOffset += lines.consumed;
          offset = { [POSITION_FIELD]: this.#streamOffset };
        }
        records.push(
          new SourceRecord({
            sourcePartition: partition,
            sourceOffset: offset,
            topic,
            valueSchema: VALUE_SCHEMA,
            value: line,
            timestamp: Date.now(),
          }),
        );
      }
      if (records.length >= batchSize) return records;
      const n = this.#stdin === null ? await this.#readFile(lines) : this.#readStdin(lines);
      if (this.#stopped) return null;
      if (n === 0) break;
      readAny = true;
    }
    if (records.length > 0) return records;
    // As Kafka: back off only when nothing at all could be read (a partial line returns at once).
    if (!readAny) await this.#sleep();
    return null;
  }

  stop(): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    const stdin = this.#stdin;
    if (stdin !== null) {
      // Standard input is not ours to close (Kafka leaves System.in open too), but once it has
      // started reading it would keep the process alive: let go of it (a later task takes it back).
      stdin.removeListener('readable', this.#onReadable);
      refHandle(stdin, false);
      this.#stdin = null;
    }
    const file = this.#file;
    this.#file = null;
    // A FileHandle closes after any read in flight, which then sees #stopped.
    return file === null ? Promise.resolve() : file.close().catch(() => {});
  }

  /**
   * Opens the file and positions at the committed offset. False when the file does not exist (yet).
   * A committed position beyond the end of the file is kept: reading resumes there once the file
   * has grown that far (Kafka's skip loop would spin forever on such an offset).
   */
  async #openFile(): Promise<boolean> {
    const filename = this.#filename!;
    let file: FileHandle;
    try {
      file = await open(filename, 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        // Kafka warns on every poll; once a minute is enough to be seen without flooding the log.
        const now = Date.now();
        if (this.#missingWarnedAt === null || now - this.#missingWarnedAt >= MISSING_FILE_WARN_INTERVAL_MS) {
          this.#missingWarnedAt = now;
          this.#logger().warn(
            `Couldn't find file ${filename} for FileStreamSourceTask, sleeping to wait for it to be created`,
          );
        }
        return false;
      }
      throw new ConnectError(`Error while trying to open file ${filename}`, { cause: e });
    }
    this.#missingWarnedAt = null;
    let position = 0;
    try {
      const offset = await this.context.offsetStorageReader().offset({ [FILENAME_FIELD]: filename });
      const last = offset?.[POSITION_FIELD] ?? null;
      if (last !== null) {
        if (!isLong(last)) throw new ConnectError('Offset position is the incorrect type');
        // A negative position makes Kafka skip nothing; start at the beginning.
        position = Math.max(0, Number(last));
      }
    } catch (e) {
      await file.close().catch(() => {});
      throw e;
    }
    if (this.#stopped) {
      await file.close().catch(() => {});
      return true;
    }
    this.#file = file;
    this.#readPosition = position;
    this.#streamOffset = position;
    this.#lines!.clear();
    return true;
  }

  /** One positional read into the line buffer; the number of bytes read (0 at the end of the file). */
  async #readFile(lines: LineBuffer): Promise<number> {
    const file = this.#file;
    if (file === null) return 0;
    lines.prepareWrite();
    let bytesRead: number;
    try {
      ({ bytesRead } = await file.read(lines.buffer, lines.writeOffset, lines.writable, this.#readPosition));
    } catch (e) {
      if (this.#stopped) return 0;
      throw new ConnectError(`Error while reading ${this.#filename}`, { cause: e });
    }
    if (this.#stopped) return 0;
    lines.commit(bytesRead);
    this.#readPosition += bytesRead;
    return bytesRead;
  }

  /** Takes what standard input has buffered; the number of bytes taken. */
  #readStdin(lines: LineBuffer): number {
    const stdin = this.#stdin;
    if (stdin === null) return 0;
    let total = 0;
    for (;;) {
      const chunk = stdin.read() as Buffer | string | null;
      if (chunk === null) break;
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      lines.append(bytes);
      total += bytes.length;
    }
    return total;
  }

  readonly #onReadable = (): void => {
    this.#wake?.();
  };

  /** Waits up to the poll wait, ending early on stop (and on new standard input). */
  #sleep(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = (): void => {
        clearTimeout(timer);
        if (this.#wake === wake) this.#wake = null;
        resolve();
      };
      timer = setTimeout(wake, this.#waitMs);
      this.#wake = wake;
    });
  }
}

/** `ref()`/`unref()` of a stream backed by a handle (standard input as a pipe, socket or TTY). */
function refHandle(stream: NodeJS.ReadableStream, ref: boolean): void {
  const handle = stream as NodeJS.ReadableStream & { ref?: () => unknown; unref?: () => unknown };
  if (ref) handle.ref?.();
  else handle.unref?.();
}
