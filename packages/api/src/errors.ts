/**
 * Sluice's error hierarchy. Every error a connector, converter, transform or the runtime raises
 * on purpose is a {@link ConnectError} with a stable string `code`, so callers (the REST layer,
 * the error-tolerance operator, tests) branch on the code and never on message text.
 * The class names follow Kafka Connect's (`ConnectException`, `RetriableException`,
 * `DataException`, ...), with `Error` in place of `Exception` as is usual in TypeScript.
 */

export type ConnectErrorCode =
  | 'CONNECT'
  | 'RETRIABLE'
  | 'DATA'
  | 'SCHEMA_BUILDER'
  | 'SCHEMA_PROJECTOR'
  | 'CONFIG'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'ILLEGAL_WORKER_STATE'
  | 'REBALANCE_NEEDED'
  | 'NOT_LEADER'
  | 'BAD_REQUEST';

export interface ConnectErrorOptions {
  cause?: unknown;
}

/** Base class: `org.apache.kafka.connect.errors.ConnectException`. */
export class ConnectError extends Error {
  /** Stable, machine-readable code. Subclasses fix their own. */
  readonly code: ConnectErrorCode;
  /** The Java class name Kafka Connect would report for this error, used in status traces. */
  static readonly javaClass: string = 'org.apache.kafka.connect.errors.ConnectException';

  constructor(message: string, options?: ConnectErrorOptions, code: ConnectErrorCode = 'CONNECT') {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** A failure that may succeed if the operation is retried (`RetriableException`). */
export class RetriableError extends ConnectError {
  static override readonly javaClass: string = 'org.apache.kafka.connect.errors.RetriableException';
  constructor(message: string, options?: ConnectErrorOptions) {
    super(message, options, 'RETRIABLE');
  }
}

/** Data that does not match its schema or cannot be converted (`DataException`). */
export class DataError extends ConnectError {
  static override readonly javaClass: string = 'org.apache.kafka.connect.errors.DataException';
  constructor(message: string, options?: ConnectErrorOptions, code: ConnectErrorCode = 'DATA') {
    super(message, options, code);
  }
}

/** A schema built inconsistently, e.g. a field added twice (`SchemaBuilderException`). */
export class SchemaBuilderError extends DataError {
  static override readonly javaClass: string = 'org.apache.kafka.connect.errors.SchemaBuilderException';
  constructor(message: string, options?: ConnectErrorOptions) {
    super(message, options, 'SCHEMA_BUILDER');
  }
}

/** A value that cannot be projected from one schema to another (`SchemaProjectorException`). */
export class SchemaProjectorError extends DataError {
  static override readonly javaClass: string = 'org.apache.kafka.connect.errors.SchemaProjectorException';
  constructor(message: string, options?: ConnectErrorOptions) {
    super(message, options, 'SCHEMA_PROJECTOR');
  }
}

/**
 * A configuration problem (`org.apache.kafka.common.config.ConfigException`). `key` names the
 * offending configuration key when there is one, so the REST layer can say which field is wrong.
 */
export class ConfigError extends ConnectError {
  static override readonly javaClass: string = 'org.apache.kafka.common.config.ConfigException';
  readonly key: string | undefined;
  readonly value: unknown;

  constructor(message: string, options?: ConnectErrorOptions & { key?: string; value?: unknown }) {
    super(message, options, 'CONFIG');
    this.key = options?.key;
    this.value = options?.value;
  }

  /** Kafka's message form: `Invalid value <v> for configuration <key>: <reason>`. */
  static invalidValue(key: string, value: unknown, reason: string): ConfigError {
    return new ConfigError(`Invalid value ${String(value)} for configuration ${key}: ${reason}`, {
      key,
      value,
    });
  }
}

/** Something asked for does not exist (`NotFoundException`); REST 404. */
export class NotFoundError extends ConnectError {
  static override readonly javaClass: string = 'org.apache.kafka.connect.errors.NotFoundException';
  constructor(message: string, options?: ConnectErrorOptions) {
    super(message, options, 'NOT_FOUND');
  }
}

/** Something to be created exists already (`AlreadyExistsException`); REST 409. */
export class AlreadyExistsError extends ConnectError {
  static override readonly javaClass: string = 'org.apache.kafka.connect.errors.AlreadyExistsException';
  constructor(message: string, options?: ConnectErrorOptions) {
    super(message, options, 'ALREADY_EXISTS');
  }
}

/** The worker is not in a state to do what was asked (`IllegalWorkerStateException`). */
export class IllegalWorkerStateError extends ConnectError {
  static override readonly javaClass: string = 'org.apache.kafka.connect.errors.IllegalWorkerStateException';
  constructor(message: string, options?: ConnectErrorOptions) {
    super(message, options, 'ILLEGAL_WORKER_STATE');
  }
}

/** A group rebalance must finish before the request can be served; REST 409. */
export class RebalanceNeededError extends ConnectError {
  static override readonly javaClass: string =
    'org.apache.kafka.connect.runtime.distributed.RebalanceNeededException';
  constructor(message: string, options?: ConnectErrorOptions) {
    super(message, options, 'REBALANCE_NEEDED');
  }
}

/** A write reached a worker that is not the leader (`NotLeaderException`). */
export class NotLeaderError extends ConnectError {
  static override readonly javaClass: string =
    'org.apache.kafka.connect.runtime.distributed.NotLeaderException';
  readonly leaderUrl: string | undefined;
  constructor(message: string, leaderUrl?: string, options?: ConnectErrorOptions) {
    super(message, options, 'NOT_LEADER');
    this.leaderUrl = leaderUrl;
  }
}

/** A malformed request (`BadRequestException`); REST 400. */
export class BadRequestError extends ConnectError {
  static override readonly javaClass: string =
    'org.apache.kafka.connect.runtime.rest.errors.BadRequestException';
  constructor(message: string, options?: ConnectErrorOptions) {
    super(message, options, 'BAD_REQUEST');
  }
}

/** True when `err` is a ConnectError (also across package copies, by duck typing on `code`). */
export function isConnectError(err: unknown): err is ConnectError {
  return err instanceof ConnectError;
}

/**
 * Renders an error and its causes the way Kafka Connect shows a `trace` in task status:
 * the Java class name and message, the stack lines, then `Caused by: ...` for each cause.
 */
export function errorTrace(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  let first = true;
  const seen = new Set<unknown>();
  while (current !== undefined && current !== null && !seen.has(current)) {
    seen.add(current);
    const head = describe(current);
    const stack =
      current instanceof Error && typeof current.stack === 'string' ? stackLines(current.stack) : '';
    parts.push(`${first ? '' : 'Caused by: '}${head}${stack}`);
    first = false;
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\n');
}

function describe(err: unknown): string {
  if (err instanceof ConnectError) {
    const cls = (err.constructor as typeof ConnectError).javaClass;
    return `${cls}: ${err.message}`;
  }
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

function stackLines(stack: string): string {
  const lines = stack.split('\n').filter((l) => l.trimStart().startsWith('at '));
  return lines.length === 0 ? '' : `\n${lines.map((l) => `\tat ${l.trim().slice(3)}`).join('\n')}`;
}
