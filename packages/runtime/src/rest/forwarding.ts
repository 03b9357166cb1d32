/**
 * Forwarding, in one place (Kafka's `HerderRequestHandler.completeOrForwardRequest` and its
 * `RestClient`). A herder serves what it can and throws "not the leader" (`NotLeaderError` with
 * the leader's URL) or "not the owner" (`NotAssignedError` with the owner's URL,
 * `herder/errors.ts`) for the rest; {@link completeOrForward} catches those in the route handlers
 * and re-issues the request to that URL, following Kafka's `forward` query parameter: a user's
 * request goes on with `forward=true`, a request forwarded once with `forward=false`, and one
 * that arrived with `forward=false` goes nowhere (409). The other worker's answer becomes this
 * one's; its error answer is re-thrown with its status and message, so the client sees what the
 * leader said; a transport failure is a 500.
 *
 * Internal requests (task configs, fencing) are signed again by the herder that forwards them
 * (KIP-507, `Herder.signInternalRequest`). `https://` workers are called with this worker's REST
 * TLS settings (`rest/tls.ts`). With `rest.mask.passwords`, the route handlers forward a config
 * write with the stored secrets restored and mask the answer (`secret-masking.ts`), as the masking
 * herder does for a write served here. {@link forwardRequest} is also the client the REST server
 * hands its herder for the internal requests the herder sends itself (`Herder.useWorkerClient`).
 */
import { ConnectError, NotLeaderError } from '@sluice/api';
import { RestError, requestTarget } from '../herder/errors.ts';
import type { Herder } from '../herder/herder.ts';
import type {
  ForwardedResponse,
  ForwardOptions,
  WorkerClient,
  WorkerRequestMethod,
} from '../herder/worker-client.ts';
import type { Logger } from '../logging/logger.ts';
import { CONFLICT_MESSAGE } from './errors.ts';
import { restClientRequest, tlsFailureHint } from './tls.ts';

export type { ForwardedResponse, ForwardOptions } from '../herder/worker-client.ts';

/**
 * Sends `method path` to `baseUrl` (a worker's advertised URL, with or without a trailing slash)
 * with `forward=true` (a request that has not been forwarded yet) or `forward=false` (one that
 * already was: the receiver must serve it or answer 409).
 */
export async function forwardRequest<T>(
  baseUrl: string,
  method: WorkerRequestMethod,
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
  if (options.sign !== undefined) Object.assign(headers, options.sign(body ?? new Uint8Array()));
  let response: { status: number; text: string };
  try {
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

/** `forwardRequest` as the herders see it. */
export const restWorkerClient: WorkerClient = forwardRequest;

/**
 * The `forward` parameter of the forwardable writes, as JAX-RS reads a `Boolean`: absent ⇒
 * undefined (a user's request), else `Boolean.valueOf`.
 */
export function queryForward(
  query: Readonly<Record<string, string | string[] | undefined>>,
): boolean | undefined {
  const raw = query.forward;
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value === undefined ? undefined : value.toLowerCase() === 'true';
}

/** How a request is re-issued to another worker, and how its answer becomes the herder's. */
export interface ForwardAs<T> {
  method: WorkerRequestMethod;
  /** The path, its segments already encoded. */
  path: string;
  /** Query parameters besides `forward`. */
  query?: Record<string, string>;
  body?: unknown;
  /** Computes the body when the request is forwarded (instead of `body`). */
  bodyOf?: () => Promise<unknown>;
  /** An internal request: signed by this herder (KIP-507) when forwarded. */
  signedBy?: Herder;
  /** The herder's result from the other worker's answer. */
  answer: (response: ForwardedResponse<unknown>) => T | Promise<T>;
}

/**
 * Runs `serve` (the herder call); when the herder answers "not the leader" or "not the owner",
 * forwards the request as `forwardAs` says to the URL the error names, with the next `forward`
 * value ({@link nextForward}: 409 when the request may not travel further or no URL is known).
 * `forward` is the request's own `forward` parameter ({@link queryForward}).
 */
export async function completeOrForward<T>(
  forward: boolean | undefined,
  serve: () => Promise<T>,
  forwardAs: ForwardAs<T>,
  log?: Logger,
): Promise<T> {
  try {
    return await serve();
  } catch (err) {
    const target = requestTarget(err);
    if (target === undefined) throw err;
    const next = nextForward(forward, target.url);
    const url = target.url as string;
    log?.debug(`Forwarding ${forwardAs.method} ${forwardAs.path} to ${url} (forward=${next})`);
    const signer = forwardAs.signedBy;
    const body = forwardAs.bodyOf === undefined ? forwardAs.body : await forwardAs.bodyOf();
    const response = await forwardRequest<unknown>(url, forwardAs.method, forwardAs.path, {
      forward: next,
      ...(forwardAs.query === undefined ? {} : { query: forwardAs.query }),
      ...(body === undefined ? {} : { body }),
      ...(signer?.signInternalRequest === undefined
        ? {}
        : { sign: (body: Uint8Array) => signer.signInternalRequest!(body) }),
    });
    return await forwardAs.answer(response);
  }
}
