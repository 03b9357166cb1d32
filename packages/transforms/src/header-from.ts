import {
  ConfigDef,
  ConfigError,
  type ConnectRecord,
  DataError,
  type Schema,
  SchemaBuilder,
  Struct,
  type Transformation,
  ValidString,
} from '@sluice/api';
import {
  defineReplaceNullWithDefault,
  NON_EMPTY_LIST,
  Parsed,
  REPLACE_NULL_WITH_DEFAULT_CONFIG,
} from './util/config.ts';
import { copyMap, mapDelete, mapGet } from './util/map-value.ts';
import { KEY, type Side, VALUE } from './util/operating.ts';
import { requireMap, requireStruct } from './util/requirements.ts';
import { SchemaCache } from './util/schema-cache.ts';
import { copySchemaBasics, fieldValue } from './util/schema-util.ts';

const FIELDS_FIELD = 'fields';
const HEADERS_FIELD = 'headers';
const OPERATION_FIELD = 'operation';
const MOVE_OPERATION = 'move';
const COPY_OPERATION = 'copy';

const OVERVIEW_DOC =
  "Moves or copies fields in the key/value of a record into that record's headers. " +
  `Corresponding elements of <code>${FIELDS_FIELD}</code> and ` +
  `<code>${HEADERS_FIELD}</code> together identify a field and the header it should be ` +
  'moved or copied to. ' +
  'Use the concrete transformation type designed for the record ' +
  'key (<code>org.apache.kafka.connect.transforms.HeaderFrom$Key</code>) or value (<code>org.apache.kafka.connect.transforms.HeaderFrom$Value</code>).';

const CONFIG_DEF: ConfigDef = defineReplaceNullWithDefault(
  new ConfigDef()
    .define(
      FIELDS_FIELD,
      'LIST',
      ConfigDef.NO_DEFAULT_VALUE,
      NON_EMPTY_LIST,
      'HIGH',
      'Field names in the record whose values are to be copied or moved to headers.',
    )
    .define(
      HEADERS_FIELD,
      'LIST',
      ConfigDef.NO_DEFAULT_VALUE,
      NON_EMPTY_LIST,
      'HIGH',
      'Header names, in the same order as the field names listed in the fields configuration property.',
    )
    .define(
      OPERATION_FIELD,
      'STRING',
      ConfigDef.NO_DEFAULT_VALUE,
      ValidString.in(MOVE_OPERATION, COPY_OPERATION),
      'HIGH',
      'Either <code>move</code> if the fields are to be moved to the headers (removed from the key/value), ' +
        'or <code>copy</code> if the fields are to be copied to the headers (retained in the key/value).',
    ),
);

interface MovePlan {
  readonly schema: Schema;
  readonly sources: readonly number[];
}

/**
 * Kafka's `HeaderFrom`: for each `fields[i]`, adds a header `headers[i]` holding that field's value
 * (and, with a schema, the field's schema); with `operation=move` the fields are also removed from
 * the key/value. A null key/value is an error, as in Kafka; a listed field missing from the schema
 * is a DataError.
 */
export abstract class HeaderFrom<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  protected abstract readonly side: Side;
  #fields: readonly string[] = [];
  #headers: readonly string[] = [];
  #move = false;
  #purpose = 'header copy';
  #replaceNullWithDefault = true;
  #cache = new SchemaCache<MovePlan>();

  /** @throws ConfigError `'fields' config must have the same number of elements as 'headers' config.` */
  configure(configs: Readonly<Record<string, unknown>>): void {
    const c = new Parsed(CONFIG_DEF, configs);
    this.#fields = c.list(FIELDS_FIELD);
    this.#headers = c.list(HEADERS_FIELD);
    if (this.#fields.length !== this.#headers.length) {
      throw new ConfigError(
        `'${FIELDS_FIELD}' config must have the same number of elements as '${HEADERS_FIELD}' config.`,
        { key: HEADERS_FIELD },
      );
    }
    this.#move = c.string(OPERATION_FIELD) === MOVE_OPERATION;
    this.#purpose = `header ${this.#move ? MOVE_OPERATION : COPY_OPERATION}`;
    this.#replaceNullWithDefault = c.boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG);
    this.#cache = new SchemaCache<MovePlan>();
  }

  apply(record: R): R | null {
    const value = this.side.value(record);
    const schema = this.side.schema(record);
    const purpose = this.#purpose;
    const headers = record.headers.duplicate();
    if (schema === null) {
      const map = requireMap(value, purpose);
      const updated = copyMap(map);
      for (let i = 0; i < this.#fields.length; i++) {
        const field = this.#fields[i]!;
        if (this.#move) mapDelete(updated, field);
        headers.add(this.#headers[i]!, mapGet(map, field), null);
      }
      return this.#with(record, null, updated, headers);
    }
    const struct = requireStruct(value, purpose);
    for (let i = 0; i < this.#fields.length; i++) {
      const field = schema.type === 'STRUCT' ? schema.field(this.#fields[i]!) : null;
      if (field === null) throw new DataError(`Field does not exist: ${this.#fields[i]}`);
      const own = struct.schema.field(field.name);
      const v = own === null ? null : fieldValue(struct, own.index, this.#replaceNullWithDefault);
      headers.add(this.#headers[i]!, v, field.schema);
    }
    if (!this.#move) return this.#with(record, schema, struct, headers);
    const plan = this.#cache.get(schema) ?? this.#cache.set(schema, this.#movePlan(schema));
    const values = new Array<unknown>(plan.sources.length);
    for (let i = 0; i < values.length; i++) {
      values[i] = fieldValue(struct, plan.sources[i]!, this.#replaceNullWithDefault);
    }
    return this.#with(record, plan.schema, Struct.withValues(plan.schema, values), headers);
  }

  #with(record: R, schema: Schema | null, value: unknown, headers: R['headers']): R {
    return this.side.name === 'key'
      ? record.newRecord({ keySchema: schema, key: value, headers })
      : record.newRecord({ valueSchema: schema, value, headers });
  }

  #movePlan(schema: Schema): MovePlan {
    const b = copySchemaBasics(schema, SchemaBuilder.struct());
    const sources: number[] = [];
    for (const f of schema.fields) {
      if (this.#fields.includes(f.name)) continue;
      b.field(f.name, f.schema);
      sources.push(f.index);
    }
    return { schema: b.build(), sources };
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}
}

/** `org.apache.kafka.connect.transforms.HeaderFrom$Key`. */
export class HeaderFromKey<R extends ConnectRecord<R>> extends HeaderFrom<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.HeaderFrom$Key';
  static readonly aliases: readonly string[] = ['HeaderFrom$Key'];
  protected readonly side: Side = KEY;
}

/** `org.apache.kafka.connect.transforms.HeaderFrom$Value`. */
export class HeaderFromValue<R extends ConnectRecord<R>> extends HeaderFrom<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.HeaderFrom$Value';
  static readonly aliases: readonly string[] = ['HeaderFrom$Value'];
  protected readonly side: Side = VALUE;
}
