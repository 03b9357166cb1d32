import { ConfigDef, type ConverterType, ValidString } from '@sluice/api';

/** `converter.type`: how a converter is used (Kafka's `ConverterConfig.TYPE_CONFIG`). */
export const TYPE_CONFIG = 'converter.type';

/** Kafka's `ConverterConfig.newConfigDef()`: just the required `converter.type` (`key`, `value` or `header`). */
export function newConverterConfigDef(): ConfigDef {
  return new ConfigDef().define({
    name: TYPE_CONFIG,
    type: 'STRING',
    validator: ValidString.in('key', 'value', 'header'),
    importance: 'LOW',
    documentation: 'How this converter will be used.',
  });
}

/**
 * The configs with `converter.type` set as Kafka sets it: `key`/`value` when configured as a
 * Converter (`isKey` given, overriding any value in `configs`); when configured as a
 * HeaderConverter the caller's value is kept, and `header` is assumed when there is none.
 */
export function withConverterType(
  configs: Readonly<Record<string, unknown>>,
  isKey: boolean | undefined,
): Record<string, unknown> {
  if (isKey !== undefined) return { ...configs, [TYPE_CONFIG]: isKey ? 'key' : 'value' };
  if (configs[TYPE_CONFIG] === undefined || configs[TYPE_CONFIG] === null) {
    return { ...configs, [TYPE_CONFIG]: 'header' };
  }
  return { ...configs };
}

/** Parses `converter.type` from configs prepared by {@link withConverterType}. */
export function converterType(parsed: Readonly<Record<string, unknown>>): ConverterType {
  return parsed[TYPE_CONFIG] as ConverterType;
}
