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
