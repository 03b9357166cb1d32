/**
 * Re-issues a REST request to another worker (Kafka's `RestClient` as `HerderRequestHandler`
 * uses it): a write that reached a follower goes to the leader's URL, a restart to the worker
 * that owns the instance. The other worker's error answer is re-thrown with its status and
 * message, so the client sees what the leader said; a transport failure is a 500.
 */
import { ConnectError, NotLeaderError } from '@sluice/api';
import { CONFLICT_MESSAGE, RestError } from '../rest/errors.ts';
import { restClientRequest, tlsFailureHint } from '../rest/tls.ts';
import { signatureHeaders } from './request-signing.ts';

export interface ForwardedResponse<T> {
  status: number;
  body: T;
}

export interface ForwardOptions {
  /** Query parameters besides `forward` (e.g. the restart flags). */
  query?: Record<string, string>;
  /**
   * The `forward` value sent along: true (the default) lets the receiver forward once more,
   * false makes it answer 409 when it cannot serve the request either.
   */
  forward?: boolean;
  body?: unknown;
  /** Default 90 s, Kafka's REST request timeout. */
  timeoutMs?: number;
  /**
   * Signs the request (KIP-507) with this session key: the HMAC of the exact body bytes sent
   * (none: of no bytes), in `X-Connect-Authorization` / `X-Connect-Request-Signature-Algorithm`.
   */
  sign?: { readonly key: Uint8Array; readonly algorithm: string };
}

/**
 * Sends `method path` to `baseUrl` (a worker's advertised URL, with or without a trailing slash)
 * with `forward=true` (a request that has not been forwarded yet) or `forward=false` (one that
 * already was: the receiver must serve it or answer 409).
 */
export async function forwardRequest<T>(
  baseUrl: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  options: ForwardOptions = {},
): Promise<ForwardedResponse<T>> {
  const url = new URL(path.replace(/^\//, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v);
  url.searchParams.set('forward', String(options.forward ?? true));
  const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body), 'utf8');
  const headers: Record<string, string> =
    body === undefined
      ? { accept: 'application/json' }
      : { accept: 'application/json', 'content-type': 'application/json' };
  if (options.sign !== undefined)
    Object.assign(
      headers,
      signatureHeaders(options.sign.key, options.sign.algorithm, body ?? new Uint8Array()),
    );
  let response: { status: number; text: string };
  try {
    // https:// workers are called with this worker's REST TLS settings (rest/tls.ts).
    response = await restClientRequest(url, {
      method,
      headers,
      ...(body === undefined ? {} : { body }),
      timeoutMs: options.timeoutMs ?? 90_000,
    });
  } catch (err) {
    throw new ConnectError(
      `IO Error trying to forward REST request to ${url.origin}: ${(err as Error).message}${tlsFailureHint(err)}`,
      {
        cause: err,
      },
    );
  }
  const text = response.text;
  let answer: unknown;
  try {
    answer = text === '' ? undefined : JSON.parse(text);
  } catch {
    answer = text;
  }
  if (response.status >= 400) {
    const message =
      typeof answer === 'object' &&
      answer !== null &&
      typeof (answer as { message?: unknown }).message === 'string'
        ? (answer as { message: string }).message
        : `Unexpected status ${response.status} from ${url.origin}`;
    throw new RestError(response.status, message);
  }
  return { status: response.status, body: answer as T };
}

/**
 * The `forward` value to send with a request this worker cannot serve, to `target` (the leader's
 * URL, or the owner's), following Kafka's two-hop limit: a user's request (`forward` absent) goes
 * on with `forward=true`, a request forwarded once goes on with `forward=false`, and a request
 * that arrived with `forward=false` goes nowhere: 409, since the target moved while it travelled
 * (a rebalance). No target known ⇒ `NotLeaderError` (409 "no known leader URL").
 */
export function nextForward(forward: boolean | undefined, target: string | undefined): boolean {
  if (forward === false) throw new RestError(409, CONFLICT_MESSAGE);
  if (target === undefined || target === '') throw new NotLeaderError('No leader known yet');
  return forward === undefined;
}
