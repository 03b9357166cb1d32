import { writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import {
  AbstractConfig,
  ConnectError,
  type OffsetAndMetadata,
  type SinkRecord,
  SinkTask,
  type StringMap,
  type TopicPartitionMap,
} from '@sluice/api';
import { LineEncoder } from './line-encoder.ts';
import { SINK_CONFIG_DEF, sinkFilename } from './sink-config.ts';
import { VERSION } from './version.ts';

/** Options for embedding and testing; the runtime constructs the task without any. */
export interface FileStreamSinkTaskOptions {
  /** The stream written when `file` is not set. Default `process.stdout`. */
  stdout?: NodeJS.WritableStream;
}

/**
 * Kafka's `org.apache.kafka.connect.file.FileStreamSinkTask`: appends each record's value and a
 * newline to the file (created if missing, opened for appending, UTF-8) or to standard output.
 *
 * Values print as Java's `String.valueOf` would (see {@link javaString}): null as `null`, a Struct as
 * `Struct{...}`, and so on. A bytes value (`Uint8Array`), which Java would print as an object hash
 * such as `[B@1b6d3586`, is written as the raw bytes, as `kafka-console-consumer` writes values.
 *
 * Each `put` encodes the whole batch into one buffer (reused from put to put, see
 * {@link LineEncoder}) and hands it to the operating system with one write before it returns, so
 * nothing of a batch stays in memory once `put` is done and the next `put` comes only after it;
 * `flush` waits for any write still in flight. Neither calls fsync: Kafka's task only flushes its
 * Java stream to the OS, and so does this one.
 */
export class FileStreamSinkTask extends SinkTask {
  /** The Java class it stands in for: `task.class` in task configs names it. */
  static readonly javaClass = 'org.apache.kafka.connect.file.FileStreamSinkTask';

  readonly #stdoutOption: NodeJS.WritableStream | undefined;
  #filename: string | null = null;
  #file: FileHandle | null = null;
  #stream: NodeJS.WritableStream | null = null;
  readonly #encoder = new LineEncoder();
  /** The write in progress, settled (never rejecting) so flush and stop can wait for it. */
  #inFlight: Promise<void> = Promise.resolve();

  constructor(options: FileStreamSinkTaskOptions = {}) {
    super();
    this.#stdoutOption = options.stdout;
  }

  version(): string {
    return VERSION;
  }

  /** @throws ConnectError when the file cannot be created or opened */
  async start(props: StringMap): Promise<void> {
    const config = new AbstractConfig(SINK_CONFIG_DEF, props);
    this.#filename = sinkFilename(config);
    if (this.#filename === null) {
      this.#stream = this.#stdoutOption ?? process.stdout;
      return;
    }
    try {
      this.#file = await open(this.#filename, 'a');
    } catch (e) {
      throw new ConnectError(`Couldn't find or create file '${this.#filename}' for FileStreamSinkTask`, {
        cause: e,
      });
    }
  }

  async put(records: SinkRecord[]): Promise<void> {
    if (records.length === 0) return;
    const write = this.#write(this.#encoder.encode(records));
    this.#inFlight = write.then(
      () => {},
      () => {},
    );
    await write;
  }

  override async flush(_currentOffsets: TopicPartitionMap<OffsetAndMetadata>): Promise<void> {
    await this.#inFlight;
  }

  async stop(): Promise<void> {
    await this.#inFlight;
    const file = this.#file;
    this.#file = null;
    this.#stream = null;
    // Standard output is not ours to close.
    if (file !== null) await file.close();
  }

  async #write(data: Buffer): Promise<void> {
    const file = this.#file;
    if (file !== null) {
      // A blocking write, as Kafka's task writes through its PrintStream: the bytes are in the file
      // (the OS's page cache) when put returns, with no round trip through the thread pool.
      try {
        let done = 0;
        do done += writeSync(file.fd, data, done, data.length - done);
        while (done < data.length);
      } catch (e) {
        throw new ConnectError(`Couldn't write to file '${this.#filename}' for FileStreamSinkTask`, {
          cause: e,
        });
      }
      return;
    }
    const stream = this.#stream;
    if (stream === null) throw new ConnectError('FileStreamSinkTask is not started');
    // A stream may hold on to the chunk; the encoder's buffer is reused by the next put.
    const chunk = Buffer.from(data);
    await new Promise<void>((resolve, reject) => {
      stream.write(chunk, (err?: Error | null) => {
        if (err)
          reject(
            new ConnectError("Couldn't write to standard output for FileStreamSinkTask", { cause: err }),
          );
        else resolve();
      });
    });
  }
}
