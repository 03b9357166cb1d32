import {
  ConfigDef,
  type ConnectRecord,
  type Schema,
  SchemaBuilder,
  Struct,
  type Transformation,
} from '@sluice/api';
import { Parsed } from './util/config.ts';
import { KEY, type Side, VALUE } from './util/operating.ts';
import { SchemaCache } from './util/schema-cache.ts';

const FIELD_CONFIG = 'field';

const OVERVIEW_DOC =
  'Wrap data using the specified field name in a Struct when schema present, or a Map in the case of schemaless data.' +
  '<p/>Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.HoistField$Key</code>) ' +
  'or value (<code>org.apache.kafka.connect.transforms.HoistField$Value</code>).';

const CONFIG_DEF: ConfigDef = new ConfigDef().define(
  FIELD_CONFIG,
  'STRING',
  ConfigDef.NO_DEFAULT_VALUE,
  'MEDIUM',
  'Field name for the single field that will be created in the resulting Struct or Map.',
);

/**
 * Kafka's `HoistField`: wraps the whole key/value into a single-field Struct (whose field has the
 * original schema) or, schemaless, a map `{ <field>: value }` (a plain object). A null value is
 * wrapped too (and must then have an optional schema, since the Struct is validated).
 */
export abstract class HoistField<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  protected abstract readonly side: Side;
  #field = '';
  #cache = new SchemaCache();

  configure(configs: Readonly<Record<string, unknown>>): void {
    this.#field = new Parsed(CONFIG_DEF, configs).string(FIELD_CONFIG) ?? '';
    this.#cache = new SchemaCache();
  }

  apply(record: R): R | null {
    const schema = this.side.schema(record);
    const value = this.side.value(record);
    if (schema === null) {
      const wrapped: Record<string, unknown> = {};
      Object.defineProperty(wrapped, this.#field, {
        value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
      return this.side.with(record, null, wrapped);
    }
    const updated = this.#cache.get(schema) ?? this.#cache.set(schema, this.#hoisted(schema));
    return this.side.with(record, updated, new Struct(updated).put(this.#field, value));
  }

  #hoisted(schema: Schema): Schema {
    return SchemaBuilder.struct().field(this.#field, schema).build();
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}
}

/** `org.apache.kafka.connect.transforms.HoistField$Key`. */
export class HoistFieldKey<R extends ConnectRecord<R>> extends HoistField<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.HoistField$Key';
  static readonly aliases: readonly string[] = ['HoistField$Key'];
  protected readonly side: Side = KEY;
}

/** `org.apache.kafka.connect.transforms.HoistField$Value`. */
export class HoistFieldValue<R extends ConnectRecord<R>> extends HoistField<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.HoistField$Value';
  static readonly aliases: readonly string[] = ['HoistField$Value'];
  protected readonly side: Side = VALUE;
}
