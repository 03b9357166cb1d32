/**
 * Keeps secrets out of logs. Kafka logs connector and worker configs with the values of
 * `PASSWORD`-typed keys shown as `[hidden]`; {@link redactConfig} does the same before a config
 * reaches a log line.
 */
import { type ConfigDef, Password } from '@sluice/api';

/** The text shown in place of a secret (Kafka's `Password.HIDDEN`). */
export const HIDDEN = Password.HIDDEN;

/**
 * Key names treated as secrets when no ConfigDef says which keys are passwords: names ending in
 * `password`, `secret`, `jaas.config`, `token`, `credentials` or `user.info` (as in
 * `ssl.key.password`, `sasl.jaas.config`, `basic.auth.user.info`). `*.key` is deliberately not a
 * secret: it would hide `key.converter`, `ssl.key.type` and the like.
 */
const SECRET_KEY = /(?:password|passwd|secret|jaas\.config|token|credentials|user\.info)$/i;

/** True when `key` looks like a secret by its name alone (used when no ConfigDef is known). */
export function looksLikeSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/**
 * A copy of `config` fit for logging: values of keys that `configDef` types `PASSWORD` are
 * replaced by `[hidden]`; without a ConfigDef, values of keys that {@link looksLikeSecretKey}.
 * `Password` values are hidden in every case. Other values are kept as they are.
 */
export function redactConfig<V>(
  config: Readonly<Record<string, V>>,
  configDef?: ConfigDef,
): Record<string, V | string> {
  const keys = configDef?.configKeys();
  return Object.fromEntries(
    Object.entries(config).map(([key, value]) => {
      const secret =
        value instanceof Password ||
        (keys === undefined ? looksLikeSecretKey(key) : keys.get(key)?.type === 'PASSWORD');
      return [key, secret && value !== null && value !== undefined ? HIDDEN : value];
    }),
  );
}
