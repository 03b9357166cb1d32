import {
  BigDecimal,
  ConfigDef,
  type ConnectRecord,
  DataError,
  NonEmptyString,
  type Schema,
  Struct,
  type Transformation,
  Values,
} from '@sluice/api';
import {
  defineReplaceNullWithDefault,
  NON_EMPTY_LIST,
  Parsed,
  REPLACE_NULL_WITH_DEFAULT_CONFIG,
} from './util/config.ts';
import { copyMap, mapGet, mapSet } from './util/map-value.ts';
import { KEY, type Side, VALUE } from './util/operating.ts';
import { className, requireMap, requireStruct } from './util/requirements.ts';
import { fieldValue } from './util/schema-util.ts';

const FIELDS_CONFIG = 'fields';
const REPLACEMENT_CONFIG = 'replacement';

const OVERVIEW_DOC =
  'Mask specified fields with a valid null value for the field type (i.e. 0, false, empty string, and so on).' +
  '<p/>For numeric and string fields, an optional replacement value can be specified that is converted to the correct type.' +
  '<p/>Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.MaskField$Key' +
  '</code>) or value (<code>org.apache.kafka.connect.transforms.MaskField$Value</code>).';

const CONFIG_DEF: ConfigDef = defineReplaceNullWithDefault(
  new ConfigDef()
    .define(
      FIELDS_CONFIG,
      'LIST',
      ConfigDef.NO_DEFAULT_VALUE,
      NON_EMPTY_LIST,
      'HIGH',
      'Names of fields to mask.',
    )
    .define(
      REPLACEMENT_CONFIG,
      'STRING',
      null,
      new NonEmptyString(),
      'LOW',
      "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only).",
    ),
);

const PURPOSE = 'mask fields';

/** The "empty" value of the same type: 0, false, "", epoch, an empty list or map. */
function maskWithNullValue(value: unknown): unknown {
  switch (typeof value) {
    case 'boolean':
      return false;
    case 'number':
      return 0;
    case 'bigint':
      return 0n;
    case 'string':
      return '';
  }
  if (value instanceof BigDecimal) return new BigDecimal(0n, value.scale);
  if (value instanceof Date) return new Date(0);
  if (Array.isArray(value)) return [];
  if (value instanceof Map) return new Map();
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return {};
  throw new DataError(`Cannot mask value of type: ${className(value)}`);
}

/** The replacement converted to the type of `value` (by `schema` when there is one). */
function maskWithReplacement(value: unknown, schema: Schema | null, replacement: string): unknown {
  const numeric = typeof value === 'number' || typeof value === 'bigint' || value instanceof BigDecimal;
  if (typeof value === 'string') return replacement;
  if (!numeric) {
    throw new DataError(`Cannot mask value of type ${className(value)} with custom replacement.`);
  }
  try {
    if (value instanceof BigDecimal) return BigDecimal.parse(replacement);
    switch (schema?.type) {
      case 'INT8':
        return Values.convertToByte(null, replacement);
      case 'INT16':
        return Values.convertToShort(null, replacement);
      case 'INT32':
        return Values.convertToInteger(null, replacement);
      case 'INT64':
        return Values.convertToLong(null, replacement);
      case 'FLOAT32':
        return Values.convertToFloat(null, replacement);
      case 'FLOAT64':
        return Values.convertToDouble(null, replacement);
    }
    if (typeof value === 'bigint') return BigInt(Values.convertToLong(null, replacement)!);
    return Number.isInteger(value)
      ? Values.convertToLong(null, replacement)
      : Values.convertToDouble(null, replacement);
  } catch (e) {
    throw new DataError(`Unable to convert ${replacement} (string) to number`, { cause: e });
  }
}

/**
 * Kafka's `MaskField`: replaces the listed fields with the empty value of their type (0, false, "",
 * the epoch, an empty list or map), or, with `replacement`, with that text converted to the
 * field's numeric or string type. Null fields stay null. A null key/value is an error, as in Kafka.
 */
export abstract class MaskField<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  protected abstract readonly side: Side;
  #fields: ReadonlySet<string> = new Set();
  #replacement: string | null = null;
  #replaceNullWithDefault = true;

  configure(configs: Readonly<Record<string, unknown>>): void {
    const c = new Parsed(CONFIG_DEF, configs);
    this.#fields = new Set(c.list(FIELDS_CONFIG));
    this.#replacement = c.string(REPLACEMENT_CONFIG);
    this.#replaceNullWithDefault = c.boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG);
  }

  #masked(value: unknown, schema: Schema | null): unknown {
    if (value === null || value === undefined) return null;
    return this.#replacement === null
      ? maskWithNullValue(value)
      : maskWithReplacement(value, schema, this.#replacement);
  }

  apply(record: R): R | null {
    const value = this.side.value(record);
    const schema = this.side.schema(record);
    if (schema === null) {
      const map = requireMap(value, PURPOSE);
      const updated = copyMap(map);
      for (const field of this.#fields) mapSet(updated, field, this.#masked(mapGet(map, field), null));
      return this.side.with(record, null, updated);
    }
    const struct = requireStruct(value, PURPOSE);
    const fields = struct.schema.fields;
    const values = new Array<unknown>(fields.length);
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i]!;
      const v = fieldValue(struct, i, this.#replaceNullWithDefault);
      values[i] = this.#fields.has(f.name) ? this.#masked(v, f.schema) : v;
    }
    return this.side.with(record, schema, Struct.withValues(struct.schema, values));
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}
}

/** `org.apache.kafka.connect.transforms.MaskField$Key`. */
export class MaskFieldKey<R extends ConnectRecord<R>> extends MaskField<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.MaskField$Key';
  static readonly aliases: readonly string[] = ['MaskField$Key'];
  protected readonly side: Side = KEY;
}

/** `org.apache.kafka.connect.transforms.MaskField$Value`. */
export class MaskFieldValue<R extends ConnectRecord<R>> extends MaskField<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.MaskField$Value';
  static readonly aliases: readonly string[] = ['MaskField$Value'];
  protected readonly side: Side = VALUE;
}
