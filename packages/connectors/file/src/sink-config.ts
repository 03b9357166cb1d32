import { type AbstractConfig, ConfigDef } from '@sluice/api';

export const SINK_FILE_CONFIG = 'file';

/** Kafka's definition of FileStreamSinkConnector's configuration. */
export const SINK_CONFIG_DEF: ConfigDef = new ConfigDef().define(
  SINK_FILE_CONFIG,
  ConfigDef.Type.STRING,
  null,
  ConfigDef.Importance.HIGH,
  'Destination filename. If not specified, the standard output will be used',
);

/** The configured file, or null for standard output (`file` unset or empty). */
export function sinkFilename(config: AbstractConfig): string | null {
  const filename = config.getString(SINK_FILE_CONFIG);
  return filename === null || filename === '' ? null : filename;
}
