import {
  ConfigDef,
  type ConnectRecord,
  DataError,
  type Schema,
  SchemaBuilder,
  Struct,
  type Transformation,
} from '@sluice/api';
import {
  defineReplaceNullWithDefault,
  NON_EMPTY_LIST,
  Parsed,
  REPLACE_NULL_WITH_DEFAULT_CONFIG,
} from './util/config.ts';
import { emptyMapLike, mapGet, mapSet } from './util/map-value.ts';
import { requireMap, requireStruct } from './util/requirements.ts';
import { SchemaCache } from './util/schema-cache.ts';
import { fieldValue } from './util/schema-util.ts';

const FIELDS_CONFIG = 'fields';

const OVERVIEW_DOC =
  'Replace the record key with a new key formed from a subset of fields in the record value.';

const CONFIG_DEF: ConfigDef = defineReplaceNullWithDefault(
  new ConfigDef().define(
    FIELDS_CONFIG,
    'LIST',
    ConfigDef.NO_DEFAULT_VALUE,
    NON_EMPTY_LIST,
    'HIGH',
    'Field names on the record value to extract as the record key.',
  ),
);

const PURPOSE = 'copying fields from value to key';

interface Plan {
  readonly schema: Schema;
  readonly sources: readonly number[];
}

/**
 * Kafka's `ValueToKey` (`org.apache.kafka.connect.transforms.ValueToKey`): the new key is a
 * Struct (or map, schemaless) of the listed value fields, in the listed order, with their schemas.
 * A listed field missing from the value schema is a DataError; a null value is an error, as in Kafka.
 */
export class ValueToKey<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.ValueToKey';
  static readonly aliases: readonly string[] = ['ValueToKey'];
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  #fields: readonly string[] = [];
  #replaceNullWithDefault = true;
  #cache = new SchemaCache<Plan>();

  configure(configs: Readonly<Record<string, unknown>>): void {
    const c = new Parsed(CONFIG_DEF, configs);
    this.#fields = c.list(FIELDS_CONFIG);
    this.#replaceNullWithDefault = c.boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG);
    this.#cache = new SchemaCache<Plan>();
  }

  apply(record: R): R | null {
    if (record.valueSchema === null) {
      const value = requireMap(record.value, PURPOSE);
      const key = emptyMapLike(value);
      for (const field of this.#fields) mapSet(key, field, mapGet(value, field));
      return record.newRecord({ keySchema: null, key });
    }
    const value = requireStruct(record.value, PURPOSE);
    const plan = this.#cache.get(value.schema) ?? this.#cache.set(value.schema, this.#plan(value.schema));
    const values = new Array<unknown>(plan.sources.length);
    for (let i = 0; i < values.length; i++) {
      values[i] = fieldValue(value, plan.sources[i]!, this.#replaceNullWithDefault);
    }
    return record.newRecord({
      keySchema: plan.schema,
      key: Struct.withValues(plan.schema, values),
      valueSchema: value.schema,
      value,
    });
  }

  #plan(schema: Schema): Plan {
    const b = SchemaBuilder.struct();
    const sources: number[] = [];
    for (const name of this.#fields) {
      const f = schema.field(name);
      if (f === null) throw new DataError(`Field does not exist: ${name}`);
      b.field(name, f.schema);
      sources.push(f.index);
    }
    return { schema: b.build(), sources };
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}
}
