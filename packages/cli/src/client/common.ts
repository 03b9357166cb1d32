/**
 * What the client commands (`connectors`, `offsets`, `plugins --url`, `topics`) share: option
 * parsing with usage errors that name the bad flag, the worker URL, the HTTP calls to the worker's
 * REST API, and the exit codes: 0 done, 1 the worker (or log) said no or cannot be reached, 2 a bad
 * command line.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { type Listener, loadPropertiesFile, parseListener } from '@sluice/runtime';

export const DEFAULT_URL = 'http://127.0.0.1:8083';

/** A bad command line: exit code 2, with the command's usage. */
export class UsageError extends Error {}

/** The worker or the log refused, or cannot be reached: exit code 1. */
export class CommandError extends Error {}

/** An HTTP answer of 4xx/5xx from the worker: its status and message. */
export class ServerError extends CommandError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Output streams and whether the output is a terminal (colours, tables). */
export interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  /** Standard input, for `topics produce`. */
  in?: NodeJS.ReadableStream;
}

type Options = NonNullable<ParseArgsConfig['options']>;

function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [
    i,
    ...Array<number>(b.length).fill(0),
  ]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest of `candidates` to `word`, when it is close enough to be a likely typo. */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const dist = distance(word, c);
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/**
 * Parses `args` with `options` (strict), turning node's parse errors into a {@link UsageError}
 * that names the bad flag and, for a misspelled one, the flag probably meant.
 */
export function parse<O extends Options>(
  args: readonly string[],
  options: O,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Record<string, string | boolean | string[] | undefined>, positionals };
  } catch (e) {
    const message = (e as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message);
    if (unknown !== null) {
      const flag = unknown[1]!;
      const names = Object.keys(options).map((n) => `--${n}`);
      const hint = didYouMean(flag.replace(/=.*/, ''), names);
      throw new UsageError(
        `unknown option '${flag}'${hint === undefined ? '' : ` (did you mean '${hint}'?)`}`,
      );
    }
    const missing = /Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(message);
    if (missing !== null) throw new UsageError(`option '${missing[1]}' needs a value`);
    throw new UsageError(message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

/** The options every command that talks to a worker takes. */
export const WORKER_OPTIONS = {
  url: { type: 'string' },
  'worker-config': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

/** Reads a non-negative integer option, or fails naming it. */
export function intOption(values: Record<string, unknown>, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw)) {
    throw new UsageError(`--${name}: expected a non-negative integer, got '${String(raw)}'`);
  }
  return Number(raw);
}

/**
 * The worker's REST URL: `--url`, else the advertised URL of the worker properties
 * (`--worker-config`: `rest.advertised.*`, else `listeners`), else `SLUICE_URL`, else
 * http://127.0.0.1:8083.
 */
export async function workerUrl(values: Record<string, unknown>): Promise<string> {
  const url = values.url;
  if (typeof url === 'string') {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`--url: not a URL: '${url}' (expected e.g. ${DEFAULT_URL})`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new UsageError(`--url: expected an http:// or https:// URL, got '${url}'`);
    }
    return url.replace(/\/+$/, '');
  }
  const file = values['worker-config'];
  if (typeof file === 'string') {
    return advertisedUrl(await workerProperties(file), file);
  }
  const env = process.env.SLUICE_URL;
  if (env !== undefined && env.trim() !== '') return env.trim().replace(/\/+$/, '');
  return DEFAULT_URL;
}

/** Loads worker properties, as a {@link CommandError} naming the file when it cannot. */
export async function workerProperties(
  file: string,
  option = 'worker-config',
): Promise<Record<string, string>> {
  try {
    return await loadPropertiesFile(file);
  } catch (e) {
    throw new CommandError(`--${option}: ${(e as Error).message}`);
  }
}

/** A client of a worker's REST API. */
export class RestClient {
  readonly url: string;
  constructor(url: string) {
    this.url = url;
  }

  /** Calls the worker; resolves with the parsed JSON body (undefined for an empty one). */
  async call(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers:
          body === undefined
            ? { accept: 'application/json' }
            : {
                accept: 'application/json',
                'content-type': 'application/json',
              },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message;
      throw new CommandError(
        `cannot reach the worker at ${this.url} (${why}). Is it running? Give its address with --url, or its properties with --worker-config.`,
      );
    }
    const text = await response.text();
    let json: unknown;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
    }
    if (!response.ok) {
      const message =
        json !== null &&
        typeof json === 'object' &&
        typeof (json as { message?: unknown }).message === 'string'
          ? (json as { message: string }).message
          : text.trim() || response.statusText;
      throw new ServerError(response.status, `${message} (HTTP ${response.status})`);
    }
    return json;
  }
}

/** Runs a command body, mapping errors to exit codes and messages on `err`. */
export async function runCommand(
  name: string,
  io: Io,
  body: () => Promise<number | undefined>,
): Promise<number> {
  try {
    return (await body()) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      io.err.write(`${name}: ${e.message}\nRun '${name} --help' for usage.\n`);
      return 2;
    }
    if (e instanceof CommandError) {
      io.err.write(`${name}: ${e.message}\n`);
      return 1;
    }
    io.err.write(`${name}: ${(e as Error).message}\n`);
    return 1;
  }
}

/**
 * The URL a worker with these properties is reached at, as Kafka advertises it: the listener of
 * `rest.advertised.listener`'s protocol (else http when any listener is http), with
 * `rest.advertised.host.name` and `rest.advertised.port` over the listener's host and port. A
 * listener on every interface (or none named) is reached on 127.0.0.1.
 */
export function advertisedUrl(props: Readonly<Record<string, string>>, file: string): string {
  let listeners: Listener[];
  try {
    listeners = (props.listeners ?? 'http://:8083')
      .split(',')
      .map((l) => l.trim())
      .filter((l) => l !== '')
      .map((l) => parseListener(l));
  } catch (e) {
    throw new CommandError(`${file}: ${(e as Error).message}`);
  }
  const advertised = props['rest.advertised.listener']?.trim().toLowerCase();
  const protocol =
    advertised !== undefined && advertised !== ''
      ? advertised
      : listeners.some((l) => l.protocol === 'http')
        ? 'http'
        : 'https';
  const listener = listeners.find((l) => l.protocol === protocol) ?? listeners[0];
  let host = props['rest.advertised.host.name']?.trim() || listener?.host || '';
  if (host === '' || host === '0.0.0.0' || host === '::') host = '127.0.0.1';
  if (host.includes(':')) host = `[${host}]`;
  const port = props['rest.advertised.port']?.trim() || String(listener?.port ?? 8083);
  if (port === '0') {
    throw new CommandError(
      `${file}: the worker listens on port 0 (any free port), so its address cannot be known from the file: give it with --url`,
    );
  }
  return `${protocol}://${host}:${port}`;
}
