import type { PluginManifest } from '@sluice/api';
import { AvroConverter } from './avro/avro-converter.ts';
import { JsonSchemaConverter } from './json-schema/json-schema-converter.ts';
import { ProtobufConverter } from './protobuf/protobuf-converter.ts';

export { AvroConverter, avscType } from './avro/avro-converter.ts';
export {
  type AvroDataOptions,
  type AvroJson,
  DEFAULT_AVRO_DATA_OPTIONS,
  fromAvroValue,
  fromConnectSchema,
  toAvroValue,
  toConnectSchema,
} from './avro/avro-data.ts';
export { RegistryClientError, SchemaRegistryClient } from './client/registry-client.ts';
export { schemaRegistryConverterConfigDef, subjectName } from './config.ts';
export { JsonSchemaConverter } from './json-schema/json-schema-converter.ts';
export { fromConnectSchemaJson, toConnectSchemaJson } from './json-schema/json-schema-data.ts';
export {
  decodeMessageIndexes,
  encodeMessageIndexes,
  ProtobufConverter,
} from './protobuf/protobuf-converter.ts';
export {
  DEFAULT_PROTOBUF_DATA_OPTIONS,
  fromConnectSchemaProtobuf,
  type ProtobufDataOptions,
  toConnectSchemaProtobuf,
} from './protobuf/protobuf-data.ts';

/** The converters this package provides, for the runtime's plugin registry. */
export const sluicePlugins: PluginManifest = [
  { type: 'converter', plugin: AvroConverter },
  { type: 'header_converter', plugin: AvroConverter },
  { type: 'converter', plugin: JsonSchemaConverter },
  { type: 'header_converter', plugin: JsonSchemaConverter },
  { type: 'converter', plugin: ProtobufConverter },
  { type: 'header_converter', plugin: ProtobufConverter },
];
