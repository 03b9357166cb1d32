import type { PluginManifest } from '@sluice/api';
import { JsonConverter } from './json/json-converter.ts';

export { JsonConverter };

/** The converters this package provides, for the runtime's plugin registry. */
export const sluicePlugins: PluginManifest = [
  { type: 'converter', plugin: JsonConverter },
  { type: 'header_converter', plugin: JsonConverter },
];
