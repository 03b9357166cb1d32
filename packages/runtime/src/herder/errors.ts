/**
 * Errors a herder throws that the REST layer turns into answers or acts on. They live here, below
 * `rest/`, so that the herders (and what they use) can throw them without reaching up.
 *
 * - {@link RestError} carries its HTTP status (Kafka's `ConnectRestException`): the signature
 *   checks of internal requests (503, 403) and another worker's relayed error answer.
 * - "Not the leader" ({@link NotLeaderError} from `@sluice/api`, with the leader's URL) and "not
 *   the owner" ({@link NotAssignedError}, with the owner's URL) are Kafka's
 *   `RequestTargetException`s: a request this worker cannot serve, and where it can be served.
 *   `rest/forwarding.ts` catches them and forwards the request there; with no URL known they
 *   answer 409.
 */
import { ConnectError, NotLeaderError } from '@sluice/api';

/** An error that carries its HTTP status (Kafka's `ConnectRestException`). */
export class RestError extends Error {
  readonly status: number;

  constructor(status: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.status = status;
    this.name = 'RestError';
  }
}

/**
 * A request for a connector or task that runs on another worker (Kafka's `NotAssignedException`):
 * the plain connector restart and the task restart are executed by the instance's owner.
 * `ownerUrl` is undefined when the owner is not known (409, as for no known leader).
 */
export class NotAssignedError extends ConnectError {
  static override readonly javaClass: string =
    'org.apache.kafka.connect.runtime.distributed.NotAssignedException';
  readonly ownerUrl: string | undefined;

  constructor(message: string, ownerUrl?: string) {
    super(message, undefined, 'NOT_LEADER');
    this.ownerUrl = ownerUrl;
  }
}

/**
 * Where a request this worker could not serve can be served: `{ url }` for a "not the leader" or
 * "not the owner" error (`url` undefined or '' when no target is known), undefined for any other
 * error.
 */
export function requestTarget(err: unknown): { url: string | undefined } | undefined {
  if (err instanceof NotAssignedError) return { url: err.ownerUrl };
  if (err instanceof NotLeaderError) return { url: err.leaderUrl };
  return undefined;
}
