import {
  ConfigDef,
  ConfigError,
  type ConnectRecord,
  ConnectSchema,
  type Schema,
  Struct,
  type Transformation,
} from '@sluice/api';
import { defineReplaceNullWithDefault, Parsed, REPLACE_NULL_WITH_DEFAULT_CONFIG } from './util/config.ts';
import { KEY, type Side, VALUE } from './util/operating.ts';
import { requireSchema } from './util/requirements.ts';
import { SchemaCache } from './util/schema-cache.ts';
import { restruct } from './util/schema-util.ts';

const SCHEMA_NAME = 'schema.name';
const SCHEMA_VERSION = 'schema.version';

const OVERVIEW_DOC =
  "Set the schema name, version or both on the record's key (<code>org.apache.kafka.connect.transforms.SetSchemaMetadata$Key</code>)" +
  ' or value (<code>org.apache.kafka.connect.transforms.SetSchemaMetadata$Value</code>) schema.';

const CONFIG_DEF: ConfigDef = defineReplaceNullWithDefault(
  new ConfigDef()
    .define(SCHEMA_NAME, 'STRING', null, 'HIGH', 'Schema name to set.')
    .define(SCHEMA_VERSION, 'INT', null, 'HIGH', 'Schema version to set.'),
);

/**
 * Kafka's `SetSchemaMetadata`: sets the name and/or version of the key/value schema, keeping every
 * other attribute; a Struct value is rebuilt on the new schema. A record with neither a schema nor
 * a value passes through; schemaless data is an error (`Schema required for [updating schema metadata]`).
 */
export abstract class SetSchemaMetadata<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  protected abstract readonly side: Side;
  #name: string | null = null;
  #version: number | null = null;
  #replaceNullWithDefault = true;
  #cache = new SchemaCache();

  /** @throws ConfigError `Neither schema name nor version configured` */
  configure(configs: Readonly<Record<string, unknown>>): void {
    const c = new Parsed(CONFIG_DEF, configs);
    this.#name = c.string(SCHEMA_NAME);
    this.#version = c.int(SCHEMA_VERSION);
    this.#replaceNullWithDefault = c.boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG);
    if (this.#name === null && this.#version === null) {
      throw new ConfigError('Neither schema name nor version configured');
    }
    this.#cache = new SchemaCache();
  }

  apply(record: R): R | null {
    const value = this.side.value(record);
    const original = this.side.schema(record);
    if (value === null && original === null) return record;
    const schema = requireSchema(original, 'updating schema metadata');
    const updated = this.#cache.get(schema) ?? this.#cache.set(schema, this.#updated(schema));
    const updatedValue =
      value instanceof Struct &&
      updated.type === 'STRUCT' &&
      value.schema.fields.length === updated.fields.length
        ? restruct(value, updated, this.#replaceNullWithDefault)
        : value;
    return this.side.with(record, updated, updatedValue);
  }

  #updated(schema: Schema): Schema {
    return new ConnectSchema({
      type: schema.type,
      optional: schema.isOptional,
      defaultValue: schema.defaultValue,
      name: this.#name ?? schema.name,
      version: this.#version ?? schema.version,
      doc: schema.doc,
      parameters: schema.parameters === null ? null : { ...schema.parameters },
      fields: schema.type === 'STRUCT' ? schema.fields : null,
      keySchema: schema.type === 'MAP' ? schema.keySchema : null,
      valueSchema: schema.type === 'MAP' || schema.type === 'ARRAY' ? schema.valueSchema : null,
    });
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}
}

/** `org.apache.kafka.connect.transforms.SetSchemaMetadata$Key`. */
export class SetSchemaMetadataKey<R extends ConnectRecord<R>> extends SetSchemaMetadata<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.SetSchemaMetadata$Key';
  static readonly aliases: readonly string[] = ['SetSchemaMetadata$Key'];
  protected readonly side: Side = KEY;
}

/** `org.apache.kafka.connect.transforms.SetSchemaMetadata$Value`. */
export class SetSchemaMetadataValue<R extends ConnectRecord<R>> extends SetSchemaMetadata<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.SetSchemaMetadata$Value';
  static readonly aliases: readonly string[] = ['SetSchemaMetadata$Value'];
  protected readonly side: Side = VALUE;
}
