import type { PluginManifest } from '@sluice/api';

/** The connectors this package provides, for the runtime's plugin registry. */
export const sluicePlugins: PluginManifest = [];
