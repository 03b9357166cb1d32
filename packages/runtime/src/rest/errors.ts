/**
 * The one place where errors become HTTP answers (Kafka's `ConnectExceptionMapper`): every
 * non-2xx answer has the body `{"error_code": <status>, "message": <text>}`.
 */
import type { ConnectErrorCode } from '@sluice/api';
import { RestError } from '../herder/errors.ts';

// The status-carrying error lives below the herders, which throw it too; it is answered here.
export { RestError };

/** The body of every error answer. */
export interface ErrorMessage {
  error_code: number;
  message: string;
}

/** JAX-RS's text for the errors it raises itself (`HTTP 404 Not Found`). */
export function jaxRsMessage(status: number): string {
  const reason: Record<number, string> = {
    400: 'Bad Request',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    406: 'Not Acceptable',
    413: 'Request Entity Too Large',
    415: 'Unsupported Media Type',
    500: 'Internal Server Error',
  };
  return `HTTP ${status} ${reason[status] ?? 'Error'}`;
}

export const REBALANCE_MESSAGE =
  'Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)';
export const NO_LEADER_MESSAGE =
  'Cannot complete request momentarily due to no known leader URL, likely because a rebalance was underway.';
export const CONFLICT_MESSAGE =
  'Cannot complete request because of a conflicting operation (e.g. worker rebalance)';

const STATUS_BY_CODE: Partial<Record<ConnectErrorCode, number>> = {
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  BAD_REQUEST: 400,
  CONFIG: 400,
  REBALANCE_NEEDED: 409,
  NOT_LEADER: 409,
};

function connectCode(err: unknown): ConnectErrorCode | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  // Duck-typed so that errors from another copy of @sluice/api map the same way.
  return typeof code === 'string' && code in STATUS_BY_CODE ? (code as ConnectErrorCode) : undefined;
}

/** Fastify's own client errors (bad JSON, wrong media type, body too large, ...). */
function fastifyStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const { code, statusCode } = err as { code?: unknown; statusCode?: unknown };
  if (typeof code !== 'string' || !code.startsWith('FST_')) return undefined;
  return typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : undefined;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The status and body for an error thrown while serving a request. */
export function toErrorResponse(err: unknown): { status: number; body: ErrorMessage } {
  let status: number;
  let message = messageOf(err);
  if (err instanceof RestError) {
    status = err.status;
  } else {
    const code = connectCode(err);
    if (code !== undefined) {
      status = STATUS_BY_CODE[code] ?? 500;
      if (code === 'REBALANCE_NEEDED') message = REBALANCE_MESSAGE;
      if (code === 'NOT_LEADER' && (err as { leaderUrl?: unknown }).leaderUrl === undefined) {
        message = NO_LEADER_MESSAGE;
      }
    } else {
      const fst = fastifyStatus(err);
      status = fst ?? 500;
      if (fst === 415) message = jaxRsMessage(415);
      if (fst === 413) message = jaxRsMessage(413);
    }
  }
  return { status, body: { error_code: status, message } };
}
