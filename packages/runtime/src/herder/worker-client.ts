/**
 * What a herder sees of the REST layer's client to other workers (Kafka's `RestClient`): the
 * shapes only. `rest/forwarding.ts` implements it (`forwardRequest`, with this worker's REST TLS
 * settings) and the REST server hands it to the herder it serves ({@link Herder.useWorkerClient}),
 * which sends its own internal requests with it (a follower's task configs, to the leader).
 */

export type WorkerRequestMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

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
   * Signs the request (KIP-507): the headers for the exact body bytes sent (none: no bytes),
   * `X-Connect-Authorization` / `X-Connect-Request-Signature-Algorithm`.
   */
  sign?: (body: Uint8Array) => Record<string, string>;
}

/**
 * Sends `method path` to `baseUrl` (a worker's advertised URL); another worker's error answer is
 * thrown as a `RestError` with its status and message.
 */
export type WorkerClient = <T>(
  baseUrl: string,
  method: WorkerRequestMethod,
  path: string,
  options?: ForwardOptions,
) => Promise<ForwardedResponse<T>>;
