/**
 * Internal request signing between the workers of a cluster (KIP-507, `connect.protocol=sessioned`),
 * as Kafka Connect does it (`InternalRequestSignature`, `DistributedConfig`, `DistributedHerder`):
 *
 * - the leader generates a session key (`inter.worker.key.generation.algorithm`, optional
 *   `inter.worker.key.size` in bits), writes it to the config topic (`session-key`) and rotates it
 *   after `inter.worker.key.ttl.ms`;
 * - a worker sends its internal requests (`POST /connectors/{c}/tasks`, `PUT /connectors/{c}/fence`)
 *   with `X-Connect-Authorization: base64(HMAC(key, body bytes))` and
 *   `X-Connect-Request-Signature-Algorithm: <inter.worker.signature.algorithm>`;
 * - the receiver checks, in Kafka's order: no signature ⇒ 400, an algorithm outside
 *   `inter.worker.verification.algorithms` ⇒ 400, no session key read yet ⇒ 503, a wrong
 *   signature ⇒ 403.
 *
 * Algorithms are given by their Java (JCA) names and mapped to Node's HMAC digests; like JCA, the
 * lookup ignores case. Default key sizes are those of the JDK's (SunJCE) key generators.
 */
import { createHmac, getHashes, randomBytes, timingSafeEqual } from 'node:crypto';
import { BadRequestError, ConfigError } from '@sluice/api';
import { RestError } from '../herder/errors.ts';
import type { InternalRequest } from '../herder/herder.ts';
import type { SessionKey } from './config-records.ts';

export const SIGNATURE_HEADER = 'X-Connect-Authorization';
export const SIGNATURE_ALGORITHM_HEADER = 'X-Connect-Request-Signature-Algorithm';

interface MacAlgorithm {
  /** The JCA name, as Java spells it. */
  readonly name: string;
  /** Node's digest name for `createHmac`. */
  readonly digest: string;
  /** SunJCE's `KeyGenerator` default key length, in bytes. */
  readonly defaultKeyBytes: number;
}

const KNOWN: readonly MacAlgorithm[] = [
  { name: 'HmacMD5', digest: 'md5', defaultKeyBytes: 64 },
  { name: 'HmacSHA1', digest: 'sha1', defaultKeyBytes: 64 },
  { name: 'HmacSHA224', digest: 'sha224', defaultKeyBytes: 28 },
  { name: 'HmacSHA256', digest: 'sha256', defaultKeyBytes: 32 },
  { name: 'HmacSHA384', digest: 'sha384', defaultKeyBytes: 48 },
  { name: 'HmacSHA512', digest: 'sha512', defaultKeyBytes: 64 },
  { name: 'HmacSHA512/224', digest: 'sha512-224', defaultKeyBytes: 28 },
  { name: 'HmacSHA512/256', digest: 'sha512-256', defaultKeyBytes: 32 },
  { name: 'HmacSHA3-224', digest: 'sha3-224', defaultKeyBytes: 28 },
  { name: 'HmacSHA3-256', digest: 'sha3-256', defaultKeyBytes: 32 },
  { name: 'HmacSHA3-384', digest: 'sha3-384', defaultKeyBytes: 48 },
  { name: 'HmacSHA3-512', digest: 'sha3-512', defaultKeyBytes: 64 },
];

let supported: Map<string, MacAlgorithm> | undefined;

/** The algorithms this Node.js build can compute, keyed by lower-cased JCA name. */
function supportedAlgorithms(): Map<string, MacAlgorithm> {
  if (supported === undefined) {
    const hashes = new Set(getHashes().map((h) => h.toLowerCase()));
    supported = new Map(KNOWN.filter((a) => hashes.has(a.digest)).map((a) => [a.name.toLowerCase(), a]));
  }
  return supported;
}

/** The HMAC algorithm with this JCA name (case-insensitive), or undefined. */
export function macAlgorithm(name: string): MacAlgorithm | undefined {
  return supportedAlgorithms().get(name.toLowerCase());
}

function unsupported(key: string, value: unknown): ConfigError {
  const names = [...supportedAlgorithms().values()].map((a) => a.name).join(', ');
  return ConfigError.invalidValue(
    key,
    value,
    `the algorithm is not supported by Sluice; the supported algorithms are: [${names}]`,
  );
}

/** The signing settings of a distributed worker, validated. */
export interface SigningSettings {
  /** `inter.worker.key.generation.algorithm`, as configured. */
  readonly keyAlgorithm: string;
  /** Length of generated keys in bytes (`inter.worker.key.size` bits, or the algorithm's default). */
  readonly keyBytes: number;
  /** `inter.worker.key.ttl.ms`; 0 = keys do not expire. */
  readonly keyTtlMs: number;
  /** `inter.worker.signature.algorithm`. */
  readonly signatureAlgorithm: string;
  /** `inter.worker.verification.algorithms`. */
  readonly verificationAlgorithms: readonly string[];
}

/** What a worker config offers to {@link signingSettings}. */
export interface SigningConfigSource {
  getString(key: string): string | null;
  getList(key: string): readonly string[] | null;
  get(key: string): unknown;
}

/**
 * Validates the `inter.worker.*` keys as Kafka's `DistributedConfig` does (every algorithm known,
 * at least one verification algorithm, the signature algorithm among them, a usable key size).
 * @throws ConfigError naming the key and the reason
 */
export function signingSettings(config: SigningConfigSource): SigningSettings {
  const keyAlgorithm = config.getString('inter.worker.key.generation.algorithm') ?? '';
  const generator = macAlgorithm(keyAlgorithm);
  if (generator === undefined) throw unsupported('inter.worker.key.generation.algorithm', keyAlgorithm);
  const signatureAlgorithm = config.getString('inter.worker.signature.algorithm') ?? '';
  if (macAlgorithm(signatureAlgorithm) === undefined)
    throw unsupported('inter.worker.signature.algorithm', signatureAlgorithm);
  const verificationAlgorithms = config.getList('inter.worker.verification.algorithms') ?? [];
  if (verificationAlgorithms.length === 0)
    throw ConfigError.invalidValue(
      'inter.worker.verification.algorithms',
      '[]',
      'At least one signature verification algorithm must be provided',
    );
  for (const a of verificationAlgorithms)
    if (macAlgorithm(a) === undefined) throw unsupported('inter.worker.verification.algorithms', a);
  if (!verificationAlgorithms.includes(signatureAlgorithm))
    throw ConfigError.invalidValue(
      'inter.worker.signature.algorithm',
      signatureAlgorithm,
      'Signature algorithm must be present in inter.worker.verification.algorithms list',
    );
  const keySize = config.get('inter.worker.key.size');
  let keyBytes = generator.defaultKeyBytes;
  if (keySize !== null && keySize !== undefined) {
    const bits = Number(keySize);
    // SunJCE's HMAC key generators refuse keys shorter than 40 bits; a key is whole bytes.
    if (!Number.isInteger(bits) || bits < 40)
      throw new ConfigError(
        `Unable to create key generator with algorithm ${keyAlgorithm} and key size ${String(keySize)}: ` +
          'Key length must be at least 40 bits',
        { key: 'inter.worker.key.size', value: keySize },
      );
    keyBytes = Math.ceil(bits / 8);
  }
  return {
    keyAlgorithm,
    keyBytes,
    keyTtlMs: Number(config.get('inter.worker.key.ttl.ms') ?? 0),
    signatureAlgorithm,
    verificationAlgorithms,
  };
}

/** A fresh random session key with the configured algorithm and length. */
export function generateSessionKey(settings: SigningSettings, now: number): SessionKey {
  return {
    key: new Uint8Array(randomBytes(settings.keyBytes)),
    algorithm: settings.keyAlgorithm,
    creationTimestamp: now,
  };
}

/**
 * True when a key read from the config topic no longer matches this worker's settings (another
 * algorithm or length), so a leader distributes a new one (Kafka's `checkForKeyRotation`).
 */
export function keyMismatch(key: SessionKey, settings: SigningSettings): boolean {
  return key.algorithm !== settings.keyAlgorithm || key.key.length !== settings.keyBytes;
}

function hmac(algorithm: MacAlgorithm, key: Uint8Array, body: Uint8Array): Buffer {
  return createHmac(algorithm.digest, key).update(body).digest();
}

/** The two signature headers for `body` (the exact bytes sent; empty when there is no body). */
export function signatureHeaders(
  key: Uint8Array,
  algorithm: string,
  body: Uint8Array,
): Record<string, string> {
  const mac = macAlgorithm(algorithm);
  if (mac === undefined) throw new ConfigError(`Unsupported signature algorithm ${algorithm}`);
  return {
    [SIGNATURE_HEADER]: hmac(mac, key, body).toString('base64'),
    [SIGNATURE_ALGORITHM_HEADER]: algorithm,
  };
}

function header(request: InternalRequest, name: string): string | undefined {
  const v = request.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Checks an internal request's signature, in Kafka's order (`requestNotSignedProperly`); returns
 * normally when it is valid.
 * @throws BadRequestError (400) no signature, an unknown algorithm, or one not allowed here;
 *   RestError 503 when no session key has been read yet; RestError 403 for a wrong signature
 */
export function verifyInternalRequest(
  request: InternalRequest | undefined,
  verificationAlgorithms: readonly string[],
  sessionKey: SessionKey | null,
): void {
  const algorithmName = request === undefined ? undefined : header(request, SIGNATURE_ALGORITHM_HEADER);
  const encoded = request === undefined ? undefined : header(request, SIGNATURE_HEADER);
  if (request === undefined || algorithmName === undefined || encoded === undefined)
    throw new BadRequestError('Internal request missing required signature');
  const algorithm = macAlgorithm(algorithmName);
  // Kafka: `Mac.getInstance` fails first, its message becomes the 400's.
  if (algorithm === undefined) throw new BadRequestError(`Algorithm ${algorithmName} not available`);
  if (!verificationAlgorithms.includes(algorithmName))
    throw new BadRequestError(
      `This worker does not support the '${algorithmName}' key signing algorithm used by other workers. ` +
        `This worker is currently configured to use: [${verificationAlgorithms.join(', ')}]. ` +
        "Check that all workers' configuration files permit the same set of signature algorithms, " +
        'and correct any misconfigured worker and restart it.',
    );
  if (sessionKey === null)
    throw new RestError(
      503,
      'This worker is still starting up and has not been able to read a session key from the config topic yet',
    );
  const expected = hmac(algorithm, sessionKey.key, request.body);
  const given = Buffer.from(encoded, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new RestError(403, 'Internal request contained invalid signature.');
}
