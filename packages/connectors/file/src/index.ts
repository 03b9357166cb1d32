import type { PluginManifest } from '@sluice/api';
import { FileStreamSinkConnector } from './file-stream-sink-connector.ts';
import { FileStreamSinkTask } from './file-stream-sink-task.ts';
import { FileStreamSourceConnector } from './file-stream-source-connector.ts';
import { FileStreamSourceTask } from './file-stream-source-task.ts';

export type { FileStreamSinkTaskOptions } from './file-stream-sink-task.ts';
export type { FileStreamSourceTaskOptions, FileTaskLogger } from './file-stream-source-task.ts';
export { SINK_CONFIG_DEF } from './sink-config.ts';
export { FILENAME_FIELD, POSITION_FIELD, SOURCE_CONFIG_DEF } from './source-config.ts';
export { VERSION } from './version.ts';
export { FileStreamSinkConnector, FileStreamSinkTask, FileStreamSourceConnector, FileStreamSourceTask };

/** The connectors this package provides, for the runtime's plugin registry. */
export const sluicePlugins: PluginManifest = [
  { type: 'source', plugin: FileStreamSourceConnector },
  { type: 'sink', plugin: FileStreamSinkConnector },
];
