import type { PluginManifest } from '@sluice/api';

/** The transforms and predicates this package provides, for the runtime's plugin registry. */
export const sluicePlugins: PluginManifest = [];
