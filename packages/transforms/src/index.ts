import type { PluginManifest } from '@sluice/api';
import { compileJavaRegex, type JavaPattern, JavaReplacement, tryCompileJavaRegex } from '@sluice/api';
import { Cast, CastKey, CastValue, castValue, parseCastSpec } from './cast.ts';
import {
  DELETED_FIELD,
  type DeleteTombstoneHandling,
  ExtractNewRecordState,
} from './debezium/extract-new-record-state.ts';
import { DropHeaders } from './drop-headers.ts';
import { ExtractField, ExtractFieldKey, ExtractFieldValue } from './extract-field.ts';
import { Filter } from './filter.ts';
import { Flatten, FlattenKey, FlattenValue } from './flatten.ts';
import { HeaderFrom, HeaderFromKey, HeaderFromValue } from './header-from.ts';
import { HoistField, HoistFieldKey, HoistFieldValue } from './hoist-field.ts';
import { InsertField, InsertFieldKey, InsertFieldValue } from './insert-field.ts';
import { InsertHeader } from './insert-header.ts';
import { MaskField, MaskFieldKey, MaskFieldValue } from './mask-field.ts';
import { HasHeaderKey } from './predicates/has-header-key.ts';
import { RecordIsTombstone } from './predicates/record-is-tombstone.ts';
import { TopicNameMatches } from './predicates/topic-name-matches.ts';
import { RegexRouter } from './regex-router.ts';
import { parseRenameMappings, ReplaceField, ReplaceFieldKey, ReplaceFieldValue } from './replace-field.ts';
import { SetSchemaMetadata, SetSchemaMetadataKey, SetSchemaMetadataValue } from './set-schema-metadata.ts';
import { TimestampConverter, TimestampConverterKey, TimestampConverterValue } from './timestamp-converter.ts';
import { TimestampRouter } from './timestamp-router.ts';
import { SimpleDateFormat } from './util/simple-date-format.ts';
import { ValueToKey } from './value-to-key.ts';

export {
  Cast,
  CastKey,
  CastValue,
  castValue,
  compileJavaRegex,
  DELETED_FIELD,
  type DeleteTombstoneHandling,
  DropHeaders,
  ExtractField,
  ExtractFieldKey,
  ExtractFieldValue,
  ExtractNewRecordState,
  Filter,
  Flatten,
  FlattenKey,
  FlattenValue,
  HasHeaderKey,
  HeaderFrom,
  HeaderFromKey,
  HeaderFromValue,
  HoistField,
  HoistFieldKey,
  HoistFieldValue,
  InsertField,
  InsertFieldKey,
  InsertFieldValue,
  InsertHeader,
  type JavaPattern,
  JavaReplacement,
  MaskField,
  MaskFieldKey,
  MaskFieldValue,
  parseCastSpec,
  parseRenameMappings,
  RecordIsTombstone,
  RegexRouter,
  ReplaceField,
  ReplaceFieldKey,
  ReplaceFieldValue,
  SetSchemaMetadata,
  SetSchemaMetadataKey,
  SetSchemaMetadataValue,
  SimpleDateFormat,
  TimestampConverter,
  TimestampConverterKey,
  TimestampConverterValue,
  TimestampRouter,
  TopicNameMatches,
  tryCompileJavaRegex,
  ValueToKey,
};

/** Every transformation class of this package, for the plugin registry and the conformance suite. */
export const TRANSFORMATIONS = [
  CastKey,
  CastValue,
  DropHeaders,
  ExtractFieldKey,
  ExtractFieldValue,
  ExtractNewRecordState,
  Filter,
  FlattenKey,
  FlattenValue,
  HeaderFromKey,
  HeaderFromValue,
  HoistFieldKey,
  HoistFieldValue,
  InsertFieldKey,
  InsertFieldValue,
  InsertHeader,
  MaskFieldKey,
  MaskFieldValue,
  RegexRouter,
  ReplaceFieldKey,
  ReplaceFieldValue,
  SetSchemaMetadataKey,
  SetSchemaMetadataValue,
  TimestampConverterKey,
  TimestampConverterValue,
  TimestampRouter,
  ValueToKey,
] as const;

/** Every predicate class of this package. */
export const PREDICATES = [HasHeaderKey, RecordIsTombstone, TopicNameMatches] as const;

/** The transforms and predicates this package provides, for the runtime's plugin registry. */
export const sluicePlugins: PluginManifest = [
  ...TRANSFORMATIONS.map((plugin) => ({ type: 'transformation' as const, plugin })),
  ...PREDICATES.map((plugin) => ({ type: 'predicate' as const, plugin })),
];
