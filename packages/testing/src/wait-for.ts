import { setTimeout as sleep } from 'node:timers/promises';

/** How long {@link waitFor} waits, and how often it checks. */
export interface WaitForOptions {
  /** Give up after this many milliseconds; default 20 000. */
  timeoutMs?: number;
  /** Pause between two checks, in milliseconds; default 50. */
  intervalMs?: number;
}

/**
 * Checks `check` until it returns true, or throws `timed out waiting for <what>` once `timeoutMs`
 * have passed. `what` may be a function, called at the time-out, to report the state then.
 */
export async function waitFor(
  what: string | (() => string),
  check: () => boolean | Promise<boolean>,
  options: WaitForOptions = {},
): Promise<void> {
  const { timeoutMs = 20_000, intervalMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(intervalMs);
  }
  throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
}

/**
 * Polls `probe` every `intervalMs` until it gives a value (anything but undefined) and returns
 * it; a probe that throws is polled again. Throws `Timed out waiting for <what>` with the last
 * error once `timeoutMs` have passed. {@link waitFor} for a yes/no check; this for the value a
 * test goes on with (a status, the new leader, a record).
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(intervalMs);
  }
  throw new Error(`Timed out waiting for ${what}${last === undefined ? '' : `: ${String(last)}`}`);
}
