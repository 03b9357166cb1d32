import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { RegistryTls } from './tls.ts';

/** What one HTTP exchange gave: a status and body text, or the network error's message. */
export type SyncHttpResult = { status: number; body: string } | { error: string };

export interface SyncHttpRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  readonly timeoutMs: number;
  /** For https URLs: trusted CAs, client key and certificate (`schema.registry.ssl.*`). */
  readonly tls?: RegistryTls | null;
}

// The helper thread: it performs each request (fetch; node:https with the TLS settings for an
// https URL that has them), posts the outcome on the port, then wakes the waiting caller through
// the shared flag.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const https = require('node:https');
let port;
function httpsRequest(msg) {
  return new Promise((resolve, reject) => {
    const t = msg.tls;
    const options = { method: msg.method, headers: msg.headers, timeout: msg.timeoutMs, agent: false };
    for (const k of ['ca', 'key', 'cert', 'pfx', 'passphrase']) if (t[k] !== undefined) options[k] = t[k];
    if (t.skipHostnameCheck) options.checkServerIdentity = () => undefined;
    const req = https.request(msg.url, options, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out after ' + msg.timeoutMs + ' ms')));
    req.on('error', reject);
    req.end(msg.body);
  });
}
parentPort.on('message', async (msg) => {
  if (msg.port) { port = msg.port; return; }
  const flag = new Int32Array(msg.flag);
  let result;
  try {
    if (msg.tls && msg.url.startsWith('https:')) {
      result = await httpsRequest(msg);
    } else {
      const res = await fetch(msg.url, {
        method: msg.method,
        headers: msg.headers,
        body: msg.body,
        signal: AbortSignal.timeout(msg.timeoutMs),
      });
      result = { status: res.status, body: await res.text() };
    }
  } catch (err) {
    const cause = err && err.cause && err.cause.message ? ': ' + err.cause.message : '';
    result = { error: String(err && err.message ? err.message : err) + cause };
  }
  port.postMessage(result);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

/**
 * Blocking HTTP for code that must stay synchronous (Connect's Converter interface is). A helper
 * thread does the request while the caller waits on an Atomics flag, so no event-loop turn is
 * needed. Used only on cache misses (a new schema or id), never per record in the steady state.
 */
export class SyncHttp {
  #worker: Worker | null = null;
  #port: MessagePort | null = null;
  readonly #flag = new SharedArrayBuffer(4);

  request(req: SyncHttpRequest): SyncHttpResult {
    if (this.#worker === null) {
      this.#worker = new Worker(WORKER_SOURCE, { eval: true });
      this.#worker.unref();
      const { port1, port2 } = new MessageChannel();
      this.#worker.postMessage({ port: port2 }, [port2]);
      this.#port = port1;
    }
    const flag = new Int32Array(this.#flag);
    Atomics.store(flag, 0, 0);
    this.#worker.postMessage({ ...req, flag: this.#flag });
    const waited = Atomics.wait(flag, 0, 0, req.timeoutMs + 5000);
    const received = receiveMessageOnPort(this.#port!);
    if (received === undefined) {
      // The helper did not answer in time: start a fresh one for the next request.
      this.close();
      return { error: `no answer within ${req.timeoutMs} ms (${waited})` };
    }
    return received.message as SyncHttpResult;
  }

  close(): void {
    this.#port?.close();
    void this.#worker?.terminate();
    this.#worker = null;
    this.#port = null;
  }
}

let shared: SyncHttp | null = null;

/**
 * The process's one helper thread for blocking requests. One is enough: the caller's thread is
 * blocked while a request runs, so requests never overlap.
 */
export function sharedSyncHttp(): SyncHttp {
  shared ??= new SyncHttp();
  return shared;
}
