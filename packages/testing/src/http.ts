/**
 * The HTTP client the tests use against a worker's REST API (or any JSON API on loopback): one
 * request, JSON in and out, nothing thrown for an error status.
 */

/**
 * A parsed JSON body as tests read it. Deliberately `any`: a test reads the fields it checks
 * (`res.json.tasks[0].state`) and the assertions, not the types, say what the answer must be.
 */
// biome-ignore lint/suspicious/noExplicitAny: REST answers are checked by assertions, not by types
export type Json = any;

export interface HttpRequest {
  /** A body to send as JSON (`JSON.stringify(body)`, UTF-8, `Content-Type: application/json`). */
  body?: unknown;
  /** A body to send as is (no Content-Type unless given in `headers`). */
  raw?: string;
  headers?: Record<string, string>;
  /** Ends the request when aborted (e.g. `AbortSignal.timeout(30_000)`). */
  signal?: AbortSignal;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is empty. */
  json: Json;
}

/** One HTTP request to `${base}${path}`; a JSON body gets `Content-Type: application/json`. */
export async function http(
  base: string,
  method: string,
  path: string,
  request: HttpRequest = {},
): Promise<HttpResult> {
  const headers: Record<string, string> = { ...request.headers };
  let body: string | undefined;
  if (request.raw !== undefined) body = request.raw;
  else if (request.body !== undefined) {
    body = JSON.stringify(request.body);
    headers['content-type'] ??= 'application/json';
  }
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body }),
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    text,
    json: text === '' ? undefined : JSON.parse(text),
  };
}
