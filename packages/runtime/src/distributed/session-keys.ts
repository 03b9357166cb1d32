/**
 * The session key of a distributed worker (KIP-507), its life cycle as Kafka's `DistributedHerder`
 * runs it: every worker keeps the key it read last from the config topic, signs the internal
 * requests it sends with it and checks those it receives; the leader distributes a new key when
 * there is none, when it expired (`inter.worker.key.ttl.ms`) or when it does not match this
 * worker's algorithm or size. The algorithms, signatures and checks themselves are in
 * `request-signing.ts`.
 */
import type { Logger } from 'pino';
import type { InternalRequest } from '../herder/herder.ts';
import type { SessionKey } from './config-records.ts';
import {
  generateSessionKey,
  keyMismatch,
  type SigningSettings,
  signatureHeaders,
  verifyInternalRequest,
} from './request-signing.ts';

export interface SessionKeysOptions {
  /** The validated `inter.worker.*` settings. */
  settings: SigningSettings;
  /** Signing is on (the group runs the `sessioned` protocol). */
  enabled: () => boolean;
  /** This worker leads the group. */
  isLeader: () => boolean;
  /** Writes a new key to the config topic; its read-back comes to {@link SessionKeys.set}. */
  distribute: (key: SessionKey) => Promise<void>;
  /** Runs the leader's key check on the herder's queue. */
  run: (check: () => Promise<void>) => void;
  logger: Logger;
}

export class SessionKeys {
  readonly #options: SessionKeysOptions;
  /** The session key read last from the config topic (null before one was read). */
  #key: SessionKey | null = null;
  /** When the leader distributes a new key (epoch ms; Infinity: never). */
  #expiration = Number.POSITIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: SessionKeysOptions) {
    this.#options = options;
  }

  /** The session key currently used to sign and verify (null before one was read). */
  get current(): SessionKey | null {
    return this.#key;
  }

  /** A key read from the config topic: used from now on; the leader's check is rescheduled. */
  set(key: SessionKey): void {
    this.#key = key;
    // Followers track the expiration too: they may lead later and then rotate the key.
    const ttl = this.#options.settings.keyTtlMs;
    this.#expiration = ttl > 0 ? key.creationTimestamp + ttl : Number.POSITIVE_INFINITY;
    this.scheduleCheck(0);
  }

  /** @throws 400 / 503 / 403 as Kafka answers a request not signed properly (when signing is on) */
  verify(request: InternalRequest | undefined): void {
    if (!this.#options.enabled()) return;
    verifyInternalRequest(request, this.#options.settings.verificationAlgorithms, this.#key);
  }

  /** The signature headers of an internal request with these body bytes; none before a key was read. */
  sign(body: Uint8Array): Record<string, string> {
    const key = this.#key;
    return key === null ? {} : signatureHeaders(key.key, this.#options.settings.signatureAlgorithm, body);
  }

  /** Runs the leader's key check after `delayMs` on the herder queue (replacing any earlier timer). */
  scheduleCheck(delayMs: number): void {
    clearTimeout(this.#timer);
    if (this.#closed) return;
    this.#timer = setTimeout(
      () => this.#options.run(() => this.#checkRotation()),
      Math.min(Math.max(0, delayMs), 2_147_483_647),
    );
    this.#timer.unref();
  }

  /** No more checks (the worker stops). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  /**
   * The leader distributes a new session key when none exists yet, the current one expired, or
   * it does not match this worker's key algorithm or size (Kafka's `checkForKeyRotation`); else
   * it schedules the next check at the key's expiration. A failed write is retried after 1 s.
   */
  async #checkRotation(): Promise<void> {
    const { settings, logger } = this.#options;
    if (this.#closed || !this.#options.isLeader() || !this.#options.enabled()) return;
    const now = Date.now();
    const key = this.#key;
    let reason: string | undefined;
    if (key === null)
      reason = 'Internal request signing is enabled but no session key has been distributed yet';
    else if (this.#expiration <= now) reason = 'The existing session key has expired';
    else if (keyMismatch(key, settings))
      reason = 'The previously distributed session key uses another algorithm or key size than this worker';
    if (reason === undefined) {
      if (Number.isFinite(this.#expiration)) this.scheduleCheck(this.#expiration - now);
      return;
    }
    logger.debug(`${reason}; distributing a new session key`);
    try {
      // The read-back announces the key (session-key-updated), which sets it and reschedules.
      await this.#options.distribute(generateSessionKey(settings, now));
    } catch (err) {
      logger.info({ err }, 'Failed to write a new session key to the config topic; retrying');
      this.scheduleCheck(1_000);
    }
  }
}
