import type { ConfigDef } from '@sluice/api';
import { HIDDEN, redactConfig } from '../../logging/redact.ts';
import type { ConfigTransformResult } from './config-transformer.ts';

/**
 * A copy of a resolved config fit for logging: the value of every key that had a variable replaced
 * by a provider's value is `[hidden]` (whatever its type: a provider value is presumed secret, even
 * for a key a ConfigDef types `STRING`), and the remaining keys are redacted as
 * {@link redactConfig} does (`PASSWORD` keys of `configDef`, or secret-looking key names without one).
 *
 * Kafka logs provider values of non-password keys in clear text; Sluice does not.
 */
export function redactResolvedConfig<V extends string | null>(
  result: Pick<ConfigTransformResult<V>, 'data' | 'resolvedKeys'>,
  configDef?: ConfigDef,
): Record<string, V | string> {
  const redacted = redactConfig(result.data, configDef);
  for (const key of result.resolvedKeys) {
    if (Object.hasOwn(redacted, key)) {
      Object.defineProperty(redacted, key, {
        value: HIDDEN,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return redacted;
}

/**
 * The texts to mask in free text (an error message that quotes a value, for example) with
 * {@link maskResolvedValues}: each provider value substituted, and each whole resolved value of
 * {@link ConfigTransformResult.resolvedKeys}; longest first, empty strings left out.
 */
export function resolvedValues(
  result: Pick<ConfigTransformResult<string | null>, 'data' | 'resolvedKeys' | 'substitutedValues'>,
): string[] {
  const values = new Set<string>();
  for (const value of result.substitutedValues) if (value !== '') values.add(value);
  for (const key of result.resolvedKeys) {
    const value = result.data[key];
    if (typeof value === 'string' && value !== '') values.add(value);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * `text` with every occurrence of `values` (from {@link resolvedValues}) replaced by `[hidden]`.
 * Longer values are masked first, so a whole resolved value is hidden in one piece.
 */
export function maskResolvedValues(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) if (value !== '') out = out.split(value).join(HIDDEN);
  return out;
}
