/** The part of a herder (standalone or distributed) that {@link throwIfFailed} reads. */
export interface ConnectorStatusSource {
  connectors(): Promise<string[]>;
  connectorStatus(name: string): Promise<{
    connector: { state: string; trace?: string };
    tasks: ReadonlyArray<{ state: string; trace?: string }>;
  }>;
}

/**
 * Throws `<name> FAILED: <trace>` when a connector of `herder` (or of `names`) or one of its tasks
 * is FAILED. For the `failFast` option of the waits: a test waiting for output stops at once.
 */
export async function throwIfFailed(herder: ConnectorStatusSource, names?: readonly string[]): Promise<void> {
  for (const name of names ?? (await herder.connectors())) {
    const status = await herder.connectorStatus(name);
    const failed = [status.connector, ...status.tasks].find((s) => s.state === 'FAILED');
    if (failed !== undefined) throw new Error(`${name} FAILED: ${failed.trace}`);
  }
}
