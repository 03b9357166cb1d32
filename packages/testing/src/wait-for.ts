import { setTimeout as sleep } from 'node:timers/promises';

/** How long {@link waitFor} and {@link eventually} wait, and how often they check. */
export interface WaitForOptions {
  /** Give up after this many milliseconds; default 20 000 ({@link waitFor}), 30 000 ({@link eventually}). */
  timeoutMs?: number;
  /** Pause between two checks, in milliseconds; default 50 ({@link waitFor}), 100 ({@link eventually}). */
  intervalMs?: number;
  /**
   * Called before every check; when it throws, the wait ends at once with its error (e.g.
   * {@link throwIfFailed}: a connector FAILED, so waiting on is pointless).
   */
  failFast?: () => void | Promise<void>;
}

/** The time-out alone (a number of milliseconds) or the options. */
export type WaitTiming = WaitForOptions | number;

function timing(value: WaitTiming, timeoutMs: number, intervalMs: number): Timing {
  if (typeof value === 'number') return { timeoutMs: value, intervalMs };
  return {
    timeoutMs: value.timeoutMs ?? timeoutMs,
    intervalMs: value.intervalMs ?? intervalMs,
    ...(value.failFast === undefined ? {} : { failFast: value.failFast }),
  };
}

type Timing = Required<Pick<WaitForOptions, 'timeoutMs' | 'intervalMs'>> & Pick<WaitForOptions, 'failFast'>;

/** The one polling loop: `probe` until it gives a value; a throw ends the wait unless `retryErrors`. */
async function poll<T>(
  what: string | (() => string),
  probe: () => T | undefined | Promise<T | undefined>,
  { timeoutMs, intervalMs, failFast }: Timing,
  retryErrors: boolean,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    await failFast?.();
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      if (!retryErrors) throw err;
      last = err;
    }
    await sleep(intervalMs);
  }
  const name = typeof what === 'string' ? what : what();
  throw new Error(`Timed out waiting for ${name}${last === undefined ? '' : `: ${String(last)}`}`);
}

/**
 * Checks `check` until it returns true, or throws `Timed out waiting for <what>` once the time-out
 * has passed; a check that throws ends the wait with its error. `what` may be a function, called
 * at the time-out, to report the state then. `options` is the time-out in milliseconds or
 * {@link WaitForOptions} (default 20 s, every 50 ms).
 */
export async function waitFor(
  what: string | (() => string),
  check: () => boolean | Promise<boolean>,
  options: WaitTiming = {},
): Promise<void> {
  await poll(what, async () => ((await check()) ? true : undefined), timing(options, 20_000, 50), false);
}

/**
 * Polls `probe` until it gives a value (anything but undefined) and returns it; a probe that
 * throws is polled again. Throws `Timed out waiting for <what>` with the last error once the
 * time-out has passed. {@link waitFor} for a yes/no check; this for the value a test goes on with
 * (a status, the new leader, a record). `options` as for {@link waitFor} (default 30 s, every
 * 100 ms).
 */
export async function eventually<T>(
  what: string | (() => string),
  probe: () => Promise<T | undefined>,
  options: WaitTiming = {},
): Promise<T> {
  return poll(what, probe, timing(options, 30_000, 100), true);
}
