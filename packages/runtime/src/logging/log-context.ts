/**
 * The connector/task a piece of work belongs to, carried by `AsyncLocalStorage` so that every log
 * line written inside it names them (Kafka Connect puts the same thing in the log4j MDC as
 * `connector.context`, e.g. `[my-source|task-0] `).
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface LogContext {
  /** The connector's name. */
  connector?: string;
  /** The task number within the connector. */
  task?: number;
  /** A narrower scope of the work, e.g. `offsets` for a task's offset commits (Kafka's `forOffsets`). */
  scope?: string;
  /**
   * The root logger of the worker doing the work (not written on lines): where plugins without a
   * context of their own (converters, transforms) log, when several workers share a process.
   */
  workerLogger?: object;
}

/**
 * Kafka Connect's `connector.context` MDC value for a context: `[name|task-0] ` for a task,
 * `[name|task-0|offsets] ` for its offset commits, `[name|worker] ` for the connector itself, and
 * the empty string outside any connector.
 */
export function logContextPrefix(ctx: Readonly<LogContext> | undefined): string {
  if (ctx?.connector === undefined) return '';
  const where = ctx.task === undefined ? 'worker' : `task-${ctx.task}`;
  return `[${ctx.connector}|${where}${ctx.scope === undefined ? '' : `|${ctx.scope}`}] `;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `fn` with `context` added to the current log context (inner values win), so every line
 * logged inside `fn`, including in callbacks and promises it starts, names the connector and task.
 */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  const outer = storage.getStore();
  const merged: LogContext = outer === undefined ? { ...context } : { ...outer, ...context };
  return storage.run(merged, fn);
}

/** The log context of the code running now, or undefined outside any {@link withLogContext}. */
export function currentLogContext(): Readonly<LogContext> | undefined {
  return storage.getStore();
}

/** The fields the logger's mixin adds to every line: `connector` and `task`, when set. */
export function logContextFields(): Record<string, unknown> {
  const ctx = storage.getStore();
  if (ctx === undefined) return {};
  const fields: Record<string, unknown> = {};
  if (ctx.connector !== undefined) fields.connector = ctx.connector;
  if (ctx.task !== undefined) fields.task = ctx.task;
  if (ctx.scope !== undefined) fields.scope = ctx.scope;
  return fields;
}
