import {
  ConfigDef,
  ConfigError,
  type ConnectRecord,
  Schema,
  SchemaBuilder,
  Struct,
  Timestamp,
  type Transformation,
} from '@sluice/api';
import { defineReplaceNullWithDefault, Parsed, REPLACE_NULL_WITH_DEFAULT_CONFIG } from './util/config.ts';
import { copyMap, mapSet } from './util/map-value.ts';
import { KEY, type Side, VALUE } from './util/operating.ts';
import { requireMap, requireSinkRecord, requireStruct } from './util/requirements.ts';
import { SchemaCache } from './util/schema-cache.ts';
import { copySchemaBasics, fieldValue } from './util/schema-util.ts';

const TOPIC_FIELD = 'topic.field';
const PARTITION_FIELD = 'partition.field';
const OFFSET_FIELD = 'offset.field';
const TIMESTAMP_FIELD = 'timestamp.field';
const STATIC_FIELD = 'static.field';
const STATIC_VALUE = 'static.value';

const OPTIONALITY_DOC =
  'Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default).';

const OVERVIEW_DOC =
  'Insert field(s) using attributes from the record metadata or a configured static value.' +
  '<p/>Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.InsertField$Key</code>) ' +
  'or value (<code>org.apache.kafka.connect.transforms.InsertField$Value</code>).';

const CONFIG_DEF: ConfigDef = defineReplaceNullWithDefault(
  new ConfigDef()
    .define(TOPIC_FIELD, 'STRING', null, 'MEDIUM', `Field name for Kafka topic. ${OPTIONALITY_DOC}`)
    .define(PARTITION_FIELD, 'STRING', null, 'MEDIUM', `Field name for Kafka partition. ${OPTIONALITY_DOC}`)
    .define(
      OFFSET_FIELD,
      'STRING',
      null,
      'MEDIUM',
      `Field name for Kafka offset - only applicable to sink connectors.<br/>${OPTIONALITY_DOC}`,
    )
    .define(TIMESTAMP_FIELD, 'STRING', null, 'MEDIUM', `Field name for record timestamp. ${OPTIONALITY_DOC}`)
    .define(STATIC_FIELD, 'STRING', null, 'MEDIUM', `Field name for static data field. ${OPTIONALITY_DOC}`)
    .define(STATIC_VALUE, 'STRING', null, 'MEDIUM', 'Static field value, if field name configured.'),
);

const PURPOSE = 'field insertion';
const OPTIONAL_TIMESTAMP_SCHEMA = Timestamp.builder().optional().build();

/** The derived schema and where each inserted field goes (-1: not inserted). */
interface Plan {
  readonly schema: Schema;
  readonly topic: number;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly static: number;
}

/** A field to insert: `name`, `name?` (optional) or `name!` (required). */
interface InsertionSpec {
  readonly name: string;
  readonly optional: boolean;
}

function parseSpec(spec: string | null): InsertionSpec | null {
  if (spec === null) return null;
  if (spec.endsWith('?')) return { name: spec.slice(0, -1), optional: true };
  if (spec.endsWith('!')) return { name: spec.slice(0, -1), optional: false };
  return { name: spec, optional: true };
}

/**
 * Kafka's `InsertField`: adds fields from the record's metadata (topic, partition, offset,
 * timestamp) or a static string to a Struct or map key/value. With a schema the new fields are
 * STRING (topic, static), INT32 (partition), INT64 (offset) and Timestamp (timestamp), optional
 * unless the name ends in `!`. Partition and timestamp are only added when the record has them;
 * the offset exists only on sink records. A null key/value passes through unchanged.
 */
export abstract class InsertField<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  protected abstract readonly side: Side;
  #topic: InsertionSpec | null = null;
  #partition: InsertionSpec | null = null;
  #offset: InsertionSpec | null = null;
  #timestamp: InsertionSpec | null = null;
  #static: InsertionSpec | null = null;
  #staticValue: string | null = null;
  #replaceNullWithDefault = true;
  #cache = new SchemaCache<Plan>();

  /**
   * @throws ConfigError `No field insertion configured` when no field is named, or naming
   *   `static.value` when `static.field` has no value
   */
  configure(configs: Readonly<Record<string, unknown>>): void {
    const c = new Parsed(CONFIG_DEF, configs);
    this.#topic = parseSpec(c.string(TOPIC_FIELD));
    this.#partition = parseSpec(c.string(PARTITION_FIELD));
    this.#offset = parseSpec(c.string(OFFSET_FIELD));
    this.#timestamp = parseSpec(c.string(TIMESTAMP_FIELD));
    this.#static = parseSpec(c.string(STATIC_FIELD));
    this.#staticValue = c.string(STATIC_VALUE);
    this.#replaceNullWithDefault = c.boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG);
    if (
      this.#topic === null &&
      this.#partition === null &&
      this.#offset === null &&
      this.#timestamp === null &&
      this.#static === null
    ) {
      throw new ConfigError('No field insertion configured');
    }
    if (this.#static !== null && this.#staticValue === null) {
      throw ConfigError.invalidValue(
        STATIC_VALUE,
        null,
        `No value specified for static field: ${this.#static.name}`,
      );
    }
    this.#cache = new SchemaCache<Plan>();
  }

  apply(record: R): R | null {
    const value = this.side.value(record);
    if (value === null) return record;
    if (this.side.schema(record) === null) return this.#applySchemaless(record, value);
    return this.#applyWithSchema(record, value);
  }

  #applySchemaless(record: R, raw: unknown): R {
    const updated = copyMap(requireMap(raw, PURPOSE));
    if (this.#topic !== null) mapSet(updated, this.#topic.name, record.topic);
    if (this.#partition !== null && record.kafkaPartition !== null)
      mapSet(updated, this.#partition.name, record.kafkaPartition);
    if (this.#offset !== null)
      mapSet(updated, this.#offset.name, requireSinkRecord(record, PURPOSE).kafkaOffset);
    if (this.#timestamp !== null && record.timestamp !== null)
      mapSet(updated, this.#timestamp.name, record.timestamp);
    if (this.#static !== null && this.#staticValue !== null)
      mapSet(updated, this.#static.name, this.#staticValue);
    return this.side.with(record, null, updated);
  }

  #applyWithSchema(record: R, raw: unknown): R {
    const value = requireStruct(raw, PURPOSE);
    const plan = this.#cache.get(value.schema) ?? this.#cache.set(value.schema, this.#plan(value.schema));
    const schema = plan.schema;
    const values = new Array<unknown>(schema.fields.length);
    const current = value.rawValues();
    const n = current.length;
    for (let i = 0; i < n; i++) {
      const v = current[i] ?? null;
      values[i] = v === null && this.#replaceNullWithDefault ? fieldValue(value, i, true) : v;
    }
    // Struct.withValues turns the fields left unset here into nulls.
    if (plan.topic >= 0) values[plan.topic] = record.topic;
    if (plan.partition >= 0) values[plan.partition] = record.kafkaPartition;
    if (plan.offset >= 0) values[plan.offset] = requireSinkRecord(record, PURPOSE).kafkaOffset;
    if (plan.timestamp >= 0 && record.timestamp !== null) values[plan.timestamp] = new Date(record.timestamp);
    if (plan.static >= 0) values[plan.static] = this.#staticValue;
    return this.side.with(record, schema, Struct.withValues(schema, values));
  }

  #plan(schema: Schema): Plan {
    const b = copySchemaBasics(schema, SchemaBuilder.struct());
    for (const f of schema.fields) b.field(f.name, f.schema);
    const add = (spec: InsertionSpec | null, optional: Schema, required: Schema): number => {
      if (spec === null) return -1;
      b.field(spec.name, spec.optional ? optional : required);
      return b.fields.length - 1;
    };
    const topic = add(this.#topic, Schema.OPTIONAL_STRING_SCHEMA, Schema.STRING_SCHEMA);
    const partition = add(this.#partition, Schema.OPTIONAL_INT32_SCHEMA, Schema.INT32_SCHEMA);
    const offset = add(this.#offset, Schema.OPTIONAL_INT64_SCHEMA, Schema.INT64_SCHEMA);
    const timestamp = add(this.#timestamp, OPTIONAL_TIMESTAMP_SCHEMA, Timestamp.SCHEMA);
    const staticField = add(this.#static, Schema.OPTIONAL_STRING_SCHEMA, Schema.STRING_SCHEMA);
    return { schema: b.build(), topic, partition, offset, timestamp, static: staticField };
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}
}

/** `org.apache.kafka.connect.transforms.InsertField$Key`: inserts into the record key. */
export class InsertFieldKey<R extends ConnectRecord<R>> extends InsertField<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.InsertField$Key';
  static readonly aliases: readonly string[] = ['InsertField$Key'];
  protected readonly side: Side = KEY;
}

/** `org.apache.kafka.connect.transforms.InsertField$Value`: inserts into the record value. */
export class InsertFieldValue<R extends ConnectRecord<R>> extends InsertField<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.InsertField$Value';
  static readonly aliases: readonly string[] = ['InsertField$Value'];
  protected readonly side: Side = VALUE;
}
