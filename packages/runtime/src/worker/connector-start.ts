/**
 * A connector's `start()`, waited for at most a while. Kafka runs `Connector.start()` on the
 * connector's own thread: a `start()` that never returns leaves that connector unstarted but never
 * blocks the herder (other connectors, REST requests, a delete of the hung one). Here the herder
 * awaits the start for at most the start wait; past it, the attempt goes on in the background and
 * `late` says how it ended.
 */

/** Kafka Connect runs start() asynchronously; this is how long the herder waits before going on. */
export const CONNECTOR_START_WAIT_MS = 5000;

/** How a `start()` ended. */
export type StartOutcome = { readonly state: 'done' } | { readonly state: 'failed'; readonly error: unknown };

/** A `start()` still running after the wait: `late` resolves (never rejects) when it ends. */
export interface PendingStart {
  readonly state: 'pending';
  readonly late: Promise<StartOutcome>;
}

/** Runs `start` and waits for it at most `waitMs`. */
export async function startWithin(
  start: () => Promise<unknown> | unknown,
  waitMs: number,
): Promise<StartOutcome | PendingStart> {
  const ended: Promise<StartOutcome> = Promise.resolve()
    .then(start)
    .then(
      () => ({ state: 'done' }) as const,
      (error: unknown) => ({ state: 'failed', error }) as const,
    );
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), waitMs);
  });
  try {
    const first = await Promise.race([ended, waited]);
    return first === 'timeout' ? { state: 'pending', late: ended } : first;
  } finally {
    clearTimeout(timer);
  }
}
