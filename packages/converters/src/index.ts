import type { PluginManifest } from '@sluice/api';
import { BooleanConverter } from './boolean-converter.ts';
import { ByteArrayConverter } from './byte-array-converter.ts';
import { JsonConverter } from './json/json-converter.ts';
import {
  DoubleConverter,
  FloatConverter,
  IntegerConverter,
  LongConverter,
  ShortConverter,
} from './number-converters.ts';
import { SimpleHeaderConverter } from './simple-header-converter.ts';
import { StringConverter } from './string-converter.ts';

export { JSON_CONVERTER_CONFIG } from './json/json-converter.ts';
export {
  BooleanConverter,
  ByteArrayConverter,
  DoubleConverter,
  FloatConverter,
  IntegerConverter,
  JsonConverter,
  LongConverter,
  ShortConverter,
  SimpleHeaderConverter,
  StringConverter,
};

const bothKinds = [
  JsonConverter,
  StringConverter,
  ByteArrayConverter,
  LongConverter,
  IntegerConverter,
  ShortConverter,
  FloatConverter,
  DoubleConverter,
  BooleanConverter,
];

/** The converters this package provides, for the runtime's plugin registry. */
export const sluicePlugins: PluginManifest = [
  ...bothKinds.map((plugin) => ({ type: 'converter' as const, plugin })),
  ...bothKinds.map((plugin) => ({ type: 'header_converter' as const, plugin })),
  { type: 'header_converter', plugin: SimpleHeaderConverter },
];
