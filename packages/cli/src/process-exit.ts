/**
 * How a finished `sluice` process ends. Node exits by itself only once its event loop is empty; a
 * worker's plugins run in the worker's process, and one that leaves a timer or a socket behind (a
 * task whose graceful stop was abandoned, or a connector that forgets to clear an interval) would
 * keep `sluice standalone`/`distributed` running after Ctrl-C or SIGTERM although the worker has
 * stopped (offsets flushed, every task stopped or abandoned). So once a worker command is done,
 * the process exits with its code explicitly, after giving standard output and error up to
 * {@link EXIT_GRACE_MS} to drain (the worker's logger writes synchronously; a pipe to a slow
 * reader may still hold data).
 */

/** The longest a finished worker process waits for its output to drain before exiting. */
export const EXIT_GRACE_MS = 1_000;

/** The commands that run a worker (the others end when their work is done). */
const WORKER_COMMANDS = new Set(['standalone', 'distributed']);

/**
 * Sets the exit code of the command `argv` ran; for a worker command, also ends the process once
 * its output has drained or `graceMs` has passed, whatever plugins left on the event loop.
 */
export function endProcess(argv: readonly string[], code: number, graceMs = EXIT_GRACE_MS): void {
  process.exitCode = code;
  if (!WORKER_COMMANDS.has(argv[0] ?? '')) return;
  const deadline = Date.now() + graceMs;
  const drained = () => process.stdout.writableLength === 0 && process.stderr.writableLength === 0;
  const check = (): void => {
    if (drained() || Date.now() >= deadline) process.exit(code);
    // Unreferenced: when nothing else is left, Node exits on its own (with the same code) first.
    setTimeout(check, 10).unref();
  };
  setImmediate(check).unref();
}
