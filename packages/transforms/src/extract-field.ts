import {
  CaseInsensitiveValidString,
  ConfigDef,
  type ConnectRecord,
  DataError,
  type Transformation,
} from '@sluice/api';
import { defineReplaceNullWithDefault, Parsed, REPLACE_NULL_WITH_DEFAULT_CONFIG } from './util/config.ts';
import {
  FIELD_SYNTAX_VERSION_CONFIG,
  FIELD_SYNTAX_VERSION_DOC,
  fieldSyntaxVersion,
  SingleFieldPath,
} from './util/field-path.ts';
import { KEY, type Side, VALUE } from './util/operating.ts';
import { requireMapOrNull, requireStructOrNull } from './util/requirements.ts';

const FIELD_CONFIG = 'field';

const OVERVIEW_DOC =
  'Extract the specified field from a Struct when schema present, or a Map in the case of schemaless data. ' +
  'Any null values are passed through unmodified.' +
  '<p/>Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.ExtractField$Key</code>) ' +
  'or value (<code>org.apache.kafka.connect.transforms.ExtractField$Value</code>).';

const CONFIG_DEF: ConfigDef = defineReplaceNullWithDefault(
  new ConfigDef().define(
    FIELD_CONFIG,
    'STRING',
    ConfigDef.NO_DEFAULT_VALUE,
    'MEDIUM',
    'Field name to extract.',
  ),
).define(
  FIELD_SYNTAX_VERSION_CONFIG,
  'STRING',
  'V1',
  CaseInsensitiveValidString.in('V1', 'V2'),
  'HIGH',
  FIELD_SYNTAX_VERSION_DOC,
);

const PURPOSE = 'field extraction';

/**
 * Kafka's `ExtractField`: replaces the key/value with one of its fields (and the schema with that
 * field's schema). With `field.syntax.version=V2` the field is a dotted path into nested
 * structs/maps (`` `a.b`.c `` quotes a name containing dots). A null key/value gives null; with a
 * schema an unknown field is an error (`Unknown field: <field>`), schemaless it gives null.
 */
export abstract class ExtractField<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  protected abstract readonly side: Side;
  #path = new SingleFieldPath('', 'V1');
  #replaceNullWithDefault = true;

  configure(configs: Readonly<Record<string, unknown>>): void {
    const c = new Parsed(CONFIG_DEF, configs);
    const version = fieldSyntaxVersion(c.string(FIELD_SYNTAX_VERSION_CONFIG) ?? 'V1');
    this.#path = new SingleFieldPath(c.string(FIELD_CONFIG) ?? '', version);
    this.#replaceNullWithDefault = c.boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG);
  }

  apply(record: R): R | null {
    const schema = this.side.schema(record);
    const value = this.side.value(record);
    if (schema === null) {
      const map = requireMapOrNull(value, PURPOSE);
      return this.side.with(record, null, map === null ? null : this.#path.valueFromMap(map));
    }
    const struct = requireStructOrNull(value, PURPOSE);
    const field = this.#path.fieldFrom(schema);
    if (field === null) throw new DataError(`Unknown field: ${this.#path.text}`);
    return this.side.with(
      record,
      field.schema,
      struct === null ? null : this.#path.valueFromStruct(struct, this.#replaceNullWithDefault),
    );
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}
}

/** `org.apache.kafka.connect.transforms.ExtractField$Key`. */
export class ExtractFieldKey<R extends ConnectRecord<R>> extends ExtractField<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.ExtractField$Key';
  static readonly aliases: readonly string[] = ['ExtractField$Key'];
  protected readonly side: Side = KEY;
}

/** `org.apache.kafka.connect.transforms.ExtractField$Value`. */
export class ExtractFieldValue<R extends ConnectRecord<R>> extends ExtractField<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.ExtractField$Value';
  static readonly aliases: readonly string[] = ['ExtractField$Value'];
  protected readonly side: Side = VALUE;
}
