/**
 * The states of connectors and tasks: the words every room of the runtime shares, from the status
 * stores up to the REST entities, so they stand on the lowest floor.
 */

/** What users ask for (`TargetState`); stored with the config. */
export type TargetState = 'STARTED' | 'PAUSED' | 'STOPPED';

/** `initial_state` of a create request (KIP-980). */
export type InitialState = 'RUNNING' | 'PAUSED' | 'STOPPED';

/** The target state a connector created with an `initial_state` starts in. */
export const INITIAL_TO_TARGET: Readonly<Record<InitialState, TargetState>> = {
  RUNNING: 'STARTED',
  PAUSED: 'PAUSED',
  STOPPED: 'STOPPED',
};

/** Reported connector and task states. */
export type ConnectState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'FAILED' | 'RESTARTING' | 'STOPPED';

export type ConnectorType = 'source' | 'sink' | 'unknown';
