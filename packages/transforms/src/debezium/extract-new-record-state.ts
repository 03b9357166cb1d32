import {
  CaseInsensitiveValidString,
  ConfigDef,
  ConfigError,
  type ConnectRecord,
  type Header,
  pluginLogger,
  type Schema,
  SchemaBuilder,
  Struct,
  type Transformation,
} from '@sluice/api';
import { ExtractFieldValue } from '../extract-field.ts';
import { InsertFieldValue } from '../insert-field.ts';
import { ReplaceFieldKey, ReplaceFieldValue } from '../replace-field.ts';
import { Parsed, REPLACE_NULL_WITH_DEFAULT_CONFIG } from '../util/config.ts';
import { requireStruct } from '../util/requirements.ts';
import { SchemaCache } from '../util/schema-cache.ts';
import { copySchemaBasics } from '../util/schema-util.ts';

const HANDLE_TOMBSTONE_DELETES = 'delete.tombstone.handling.mode';
/** Keys Debezium removed in 3.2 (commit 9943131ed3); 3.6.1 ignores them. */
const REMOVED_KEYS = ['drop.tombstones', 'delete.handling.mode'] as const;
const ROUTE_BY_FIELD = 'route.by.field';
const ADD_FIELDS_PREFIX = 'add.fields.prefix';
const ADD_FIELDS = 'add.fields';
const ADD_HEADERS_PREFIX = 'add.headers.prefix';
const ADD_HEADERS = 'add.headers';
const DROP_FIELDS_HEADER = 'drop.fields.header.name';
const DROP_FIELDS_FROM_KEY = 'drop.fields.from.key';
const DROP_FIELDS_KEEP_SCHEMA_COMPATIBLE = 'drop.fields.keep.schema.compatible';

/** The field rewrite modes add to the value. */
export const DELETED_FIELD = '__deleted';
const METADATA_FIELD_PREFIX = '__';
const ENVELOPE_SUFFIX = '.Envelope';

/** `delete.tombstone.handling.mode` values. */
export type DeleteTombstoneHandling =
  | 'drop'
  | 'tombstone'
  | 'rewrite'
  | 'rewrite-with-tombstone'
  | 'delete-to-tombstone';

const MODES: readonly DeleteTombstoneHandling[] = [
  'drop',
  'tombstone',
  'rewrite',
  'rewrite-with-tombstone',
  'delete-to-tombstone',
];

const OVERVIEW_DOC =
  "Extracts the 'after' row state of a Debezium change event envelope as the record value, handling deletes " +
  'and tombstones as configured, and optionally adding envelope fields to the value or the headers.';

const CONFIG_DEF: ConfigDef = new ConfigDef()
  .define({
    name: HANDLE_TOMBSTONE_DELETES,
    type: 'STRING',
    defaultValue: 'tombstone',
    validator: CaseInsensitiveValidString.in(...MODES),
    importance: 'MEDIUM',
    width: 'MEDIUM',
    displayName: 'Handle delete and tombstone records',
    documentation:
      'How to handle delete records. Options are: ' +
      'drop - Remove the delete event and tombstone from the stream.' +
      'tombstone (default) - For each delete event, leave only a tombstone in the stream.' +
      'rewrite - Remove tombstone from the record, and add a `__deleted` field with the value `true`.' +
      'rewrite-with-tombstone - Retain tombstone in record and add a `__deleted` field with the value `true`.' +
      'delete-to-tombstone - Convert delete events to tombstone events and drop tombstone events.',
  })
  .define({
    name: ROUTE_BY_FIELD,
    type: 'STRING',
    defaultValue: '',
    importance: 'LOW',
    width: 'LONG',
    displayName: 'Route by field name',
    documentation:
      'The column which determines how the events will be routed, the value will replace the topic name.',
  })
  .define({
    name: ADD_FIELDS_PREFIX,
    type: 'STRING',
    defaultValue: METADATA_FIELD_PREFIX,
    importance: 'LOW',
    width: 'SHORT',
    displayName: 'Field prefix to be added to each field.',
    documentation: 'Adds this prefix to each field listed.',
  })
  .define({
    name: ADD_FIELDS,
    type: 'LIST',
    defaultValue: '',
    importance: 'LOW',
    width: 'LONG',
    displayName: 'Adds the specified field(s) to the message if they exist.',
    documentation:
      'Adds each field listed, prefixed with __ (or __<struct>_ if the struct is specified). ' +
      "Example: 'version,connector,source.ts_ms' would add __version, __connector and __source_ts_ms fields. " +
      'Optionally one can also map new field name like version:VERSION,connector:CONNECTOR,source.ts_ms:EVENT_TIMESTAMP.' +
      'Please note that the new field name is case-sensitive.',
  })
  .define({
    name: ADD_HEADERS_PREFIX,
    type: 'STRING',
    defaultValue: METADATA_FIELD_PREFIX,
    importance: 'LOW',
    width: 'SHORT',
    displayName: 'Header prefix to be added to each header.',
    documentation: 'Adds this prefix listed to each header.',
  })
  .define({
    name: ADD_HEADERS,
    type: 'LIST',
    defaultValue: '',
    importance: 'LOW',
    width: 'LONG',
    displayName: 'Adds the specified fields to the header if they exist.',
    documentation:
      'Adds each field listed to the header,  __ (or __<struct>_ if the struct is specified). ' +
      "Example: 'version,connector,source.ts_ms' would add __version, __connector and __source_ts_ms fields. " +
      'Optionally one can also map new field name like version:VERSION,connector:CONNECTOR,source.ts_ms:EVENT_TIMESTAMP.' +
      'Please note that the new field name is case-sensitive.',
  })
  .define({
    name: REPLACE_NULL_WITH_DEFAULT_CONFIG,
    type: 'BOOLEAN',
    defaultValue: true,
    importance: 'LOW',
    width: 'SHORT',
    displayName: 'replace null field value with default',
    documentation:
      'When this option is enabled, null field values are replaced by source-defined defaults when rewriting the record.',
  })
  .define({
    name: DROP_FIELDS_HEADER,
    type: 'STRING',
    defaultValue: null,
    importance: 'LOW',
    width: 'SHORT',
    displayName: 'Specifies a header that contains a list of field names to be removed',
    documentation:
      'Specifies the name of a header that contains a list of fields to be removed from the event value.',
  })
  .define({
    name: DROP_FIELDS_FROM_KEY,
    type: 'BOOLEAN',
    defaultValue: false,
    importance: 'LOW',
    width: 'SHORT',
    displayName: 'Specifies whether the fields to be dropped should also be omitted from the key',
    documentation:
      'Specifies whether to apply the drop fields behavior to the event key as well as the value. ' +
      'Default behavior is to only remove fields from the event value, not the key.',
  })
  .define({
    name: DROP_FIELDS_KEEP_SCHEMA_COMPATIBLE,
    type: 'BOOLEAN',
    defaultValue: true,
    importance: 'LOW',
    width: 'SHORT',
    displayName: "Specifies if fields are dropped, will the event's schemas be compatible",
    documentation:
      "Controls the output event's schema compatibility when using the drop fields feature. " +
      '`true`: dropped fields are removed if the schema indicates its optional leaving the schemas unchanged, ' +
      '`false`: dropped fields are removed from the key/value schemas, regardless of optionality.',
  });

/** What happens to a delete event (`after` null, `before` set). */
type DeleteAction = 'drop' | 'null-value' | 'tombstone' | 'rewrite';

/** An envelope field copied to the value or a header: `op`, `source.ts_ms`, `db:DATABASE`, ... */
class FieldReference {
  /** The struct holding the field (`source`, `transaction`, ...), or null for a top-level field. */
  readonly struct: string | null;
  readonly field: string;
  /** The output field or header name. */
  readonly newField: string;

  constructor(prefix: string, spec: string, key: string) {
    const parts = spec.split(':');
    if (parts.length > 2) throw ConfigError.invalidValue(key, spec, `Unexpected field name: ${spec}`);
    const splits = parts[0]!.split('.');
    this.field = splits.length === 1 ? splits[0]! : splits[1]!;
    this.struct = splits.length === 1 ? FieldReference.#structOf(this.field) : splits[0]!;
    this.newField =
      prefix +
      (parts.length === 2 ? parts[1]! : splits.length === 1 ? this.field : `${this.struct}_${this.field}`);
  }

  static #structOf(field: string): string | null {
    switch (field) {
      case 'id':
      case 'total_order':
      case 'data_collection_order':
        return 'transaction';
      case 'op':
      case 'ts_ms':
      case 'ts_us':
      case 'ts_ns':
        return null;
      case 'updateDescription':
        return 'updateDescription';
      default:
        return 'source';
    }
  }

  /** The field's schema in the envelope (made optional, without default), or null when it is absent. */
  schema(envelope: Schema): Schema | null {
    const parentField = this.struct === null ? null : envelope.field(this.struct);
    const parent = this.struct === null ? envelope : parentField?.schema;
    let field = parent !== undefined && parent.type === 'STRUCT' ? parent.field(this.field) : null;
    if (field === null) field = envelope.field(this.field);
    if (field === null) return null;
    const b = copySchemaBasics(field.schema);
    if (field.schema.type === 'STRUCT') for (const f of field.schema.fields) b.field(f.name, f.schema);
    return b.optional().build();
  }

  /** The field's raw value in the envelope (null when its struct is null). */
  value(envelope: Struct): unknown {
    let parent: Struct | null = envelope;
    if (this.struct !== null) {
      parent =
        envelope.schema.field(this.struct) === null
          ? null
          : (envelope.getWithoutDefault(this.struct) as Struct | null);
      if (parent === null) return null;
    }
    if (parent.schema.type === 'STRUCT' && parent.schema.field(this.field) !== null)
      return parent.getWithoutDefault(this.field);
    return envelope.schema.field(this.field) === null ? null : envelope.getWithoutDefault(this.field);
  }
}

function references(prefix: string, specs: readonly string[], key: string): FieldReference[] {
  return specs
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => new FieldReference(prefix, s, key));
}

interface AddPlan {
  readonly schema: Schema;
  /** The references present in the envelope, in output order. */
  readonly present: readonly FieldReference[];
}

/**
 * Debezium's `ExtractNewRecordState` ("unwrap", `io.debezium.transforms.ExtractNewRecordState`):
 * turns a change-event envelope (a value schema whose name ends in `.Envelope`) into the row state.
 *
 * - create/update/read: the value becomes `after`;
 * - delete (`after` null): by `delete.tombstone.handling.mode` — `tombstone` (default) keeps the
 *   record with a null value but the row schema, `drop` drops it, `delete-to-tombstone` makes a true
 *   tombstone (value and schema null), `rewrite` / `rewrite-with-tombstone` emit `before` with
 *   `__deleted="true"` (and add `__deleted="false"` to other events);
 * - tombstones (null value) are dropped, except with `rewrite-with-tombstone`;
 * - truncate events (`before` and `after` null) are dropped;
 * - records that are not envelopes pass through unchanged (schemaless JSON envelopes included).
 *
 * `add.fields` / `add.headers` copy envelope fields (`op`, `ts_ms`, `source.*`, `transaction.*`)
 * into the value or headers; `route.by.field` takes the topic from a row field;
 * `drop.fields.header.name` removes the fields a header lists.
 *
 * The keys `drop.tombstones` / `delete.handling.mode` were removed in Debezium 3.2; 3.6.1 ignores
 * them (the mode is `delete.tombstone.handling.mode`, default `tombstone`), and so does this
 * transform, with a warning naming the replacement key (measured against Debezium 3.6.1 in the
 * PostgreSQL connector's goldens, mode `unwrap-removed-keys`).
 */
export class ExtractNewRecordState<R extends ConnectRecord<R>> implements Transformation<R> {
  /**
   * Where configuration warnings go: the runtime's logger (`pluginLogger`), whose lines name the
   * connector and task being configured. Replaceable (tests).
   */
  static warn: (message: string) => void = (message) => {
    pluginLogger(undefined, 'io.debezium.transforms.ExtractNewRecordState').warn(message);
  };
  static readonly javaClass = 'io.debezium.transforms.ExtractNewRecordState';
  static readonly aliases: readonly string[] = ['ExtractNewRecordState'];
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;

  #keepTombstones = false;
  #deleteAction: DeleteAction = 'null-value';
  #rewrite = false;
  #routeByField: string | null = null;
  #additionalFields: readonly FieldReference[] = [];
  #additionalHeaders: readonly FieldReference[] = [];
  #dropFieldsHeader: string | null = null;
  #dropFieldsFromKey = false;
  #dropFieldsKeepSchemaCompatible = true;
  #after = new ExtractFieldValue<R>();
  #before = new ExtractFieldValue<R>();
  #removed = new InsertFieldValue<R>();
  #updated = new InsertFieldValue<R>();
  #addCache = new SchemaCache<SchemaCache<AddPlan>>();
  #dropDelegates = new Map<string, ReplaceFieldKey<R> | ReplaceFieldValue<R>>();

  /** @throws ConfigError naming the key for an unknown mode or a malformed `add.fields` / `add.headers` entry */
  configure(configs: Readonly<Record<string, unknown>>): void {
    const c = new Parsed(CONFIG_DEF, configs);
    const isSet = (key: string) =>
      configs[key] !== undefined && configs[key] !== null && String(configs[key]).trim() !== '';
    for (const key of REMOVED_KEYS) {
      if (isSet(key)) {
        ExtractNewRecordState.warn(
          `The '${key}' option was removed in Debezium 3.2 and is ignored (as Debezium 3.6.1 does); use '${HANDLE_TOMBSTONE_DELETES}' instead`,
        );
      }
    }
    const mode = (c.string(HANDLE_TOMBSTONE_DELETES) ?? 'tombstone').toLowerCase() as DeleteTombstoneHandling;
    this.#keepTombstones = mode === 'rewrite-with-tombstone';
    this.#rewrite = mode === 'rewrite' || mode === 'rewrite-with-tombstone';
    this.#deleteAction =
      mode === 'drop'
        ? 'drop'
        : mode === 'tombstone'
          ? 'null-value'
          : mode === 'delete-to-tombstone'
            ? 'tombstone'
            : 'rewrite';
    const route = c.string(ROUTE_BY_FIELD) ?? '';
    this.#routeByField = route === '' ? null : route;
    this.#additionalFields = references(c.string(ADD_FIELDS_PREFIX) ?? '', c.list(ADD_FIELDS), ADD_FIELDS);
    this.#additionalHeaders = references(
      c.string(ADD_HEADERS_PREFIX) ?? '',
      c.list(ADD_HEADERS),
      ADD_HEADERS,
    );
    const dropHeader = c.string(DROP_FIELDS_HEADER);
    this.#dropFieldsHeader = dropHeader === null || dropHeader.trim() === '' ? null : dropHeader;
    this.#dropFieldsFromKey = c.boolean(DROP_FIELDS_FROM_KEY);
    this.#dropFieldsKeepSchemaCompatible = c.boolean(DROP_FIELDS_KEEP_SCHEMA_COMPATIBLE);
    const replaceNullWithDefault = String(c.boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG));
    this.#after.configure({ field: 'after' });
    this.#before.configure({ field: 'before' });
    this.#removed.configure({
      'static.field': DELETED_FIELD,
      'static.value': 'true',
      [REPLACE_NULL_WITH_DEFAULT_CONFIG]: replaceNullWithDefault,
    });
    this.#updated.configure({
      'static.field': DELETED_FIELD,
      'static.value': 'false',
      [REPLACE_NULL_WITH_DEFAULT_CONFIG]: replaceNullWithDefault,
    });
    this.#addCache = new SchemaCache<SchemaCache<AddPlan>>();
    this.#dropDelegates.clear();
  }

  apply(original: R): R | null {
    let record = original;
    const value = record.value;
    const isTombstone = value === null;
    const schema = record.valueSchema;
    const isEnvelope = schema?.name?.endsWith(ENVELOPE_SUFFIX);

    if ((isEnvelope || isTombstone) && this.#additionalHeaders.length > 0) {
      record = record.newRecord({ headers: this.#withHeaders(record, value as Struct | null) });
    }
    if (isTombstone) return this.#keepTombstones ? record : null;
    if (!isEnvelope) return record;

    const envelope = requireStruct(value, 'unwrapping a change event');
    const unwrapped = this.#after.apply(record)!;
    if (unwrapped.value === null && this.#before.apply(record)!.value === null) return null; // truncate

    let out: R;
    if (unwrapped.value === null) {
      const deleted = this.#handleDelete(record, unwrapped);
      if (deleted === null) return null;
      out = deleted;
      if (this.#routeByField !== null) {
        const before = envelope.get('before') as Struct | null;
        out = this.#setTopic(out, before === null ? null : before.get(this.#routeByField));
      }
      if (this.#dropFieldsHeader !== null) out = this.#dropFields(out);
      if (out.value !== null) out = this.#addFields(envelope, out);
    } else {
      out = this.#rewrite && unwrapped.value instanceof Struct ? this.#updated.apply(unwrapped)! : unwrapped;
      if (this.#routeByField !== null) {
        const row = requireStruct(out.value, 'Read record to set topic routing for CREATE / UPDATE');
        out = this.#setTopic(out, row.get(this.#routeByField));
      }
      out = this.#addFields(envelope, out);
      if (this.#dropFieldsHeader !== null) out = this.#dropFields(out);
    }
    return out;
  }

  #handleDelete(record: R, unwrapped: R): R | null {
    switch (this.#deleteAction) {
      case 'drop':
        return null;
      case 'null-value':
        return unwrapped;
      case 'tombstone':
        return record.newRecord({ valueSchema: null, value: null });
      case 'rewrite': {
        const before = this.#before.apply(record)!;
        return before.value instanceof Struct ? this.#removed.apply(before)! : before;
      }
    }
  }

  #withHeaders(record: R, envelope: Struct | null): R['headers'] {
    const headers = record.headers.duplicate();
    for (const ref of this.#additionalHeaders) {
      if (envelope === null) {
        if (ref.field === 'op') headers.addString(ref.newField, 'd');
        continue;
      }
      const schema = ref.schema(envelope.schema);
      if (schema !== null) headers.add(ref.newField, ref.value(envelope), schema);
    }
    return headers;
  }

  #setTopic(record: R, topic: unknown): R {
    if (topic === null || topic === undefined || String(topic).trim() === '') return record;
    return record.newRecord({ topic: String(topic) });
  }

  #addFields(envelope: Struct, record: R): R {
    const row = requireStruct(record.value, 'source field insertion');
    let byEnvelope = this.#addCache.get(row.schema);
    if (byEnvelope === undefined) byEnvelope = this.#addCache.set(row.schema, new SchemaCache<AddPlan>());
    const plan =
      byEnvelope.get(envelope.schema) ??
      byEnvelope.set(envelope.schema, this.#addPlan(row.schema, envelope.schema));
    const n = row.schema.fields.length;
    const values = new Array<unknown>(plan.schema.fields.length);
    const raw = row.rawValues();
    for (let i = 0; i < n; i++) values[i] = raw[i] ?? null;
    for (let i = 0; i < plan.present.length; i++) {
      const ref = plan.present[i]!;
      values[plan.schema.field(ref.newField)!.index] = ref.value(envelope);
    }
    return record.newRecord({ valueSchema: plan.schema, value: Struct.withValues(plan.schema, values) });
  }

  #addPlan(rowSchema: Schema, envelopeSchema: Schema): AddPlan {
    const b = copySchemaBasics(rowSchema, SchemaBuilder.struct());
    for (const f of rowSchema.fields) b.field(f.name, f.schema);
    const present: FieldReference[] = [];
    for (const ref of this.#additionalFields) {
      const schema = ref.schema(envelopeSchema);
      if (schema === null) continue;
      b.field(ref.newField, schema);
      present.push(ref);
    }
    return { schema: b.build(), present };
  }

  #dropFields(record: R): R {
    let header: Header | null = null;
    for (const h of record.headers) {
      if (h.key === this.#dropFieldsHeader) {
        header = h;
        break;
      }
    }
    if (header === null || header.value === null || !Array.isArray(header.value)) return record;
    const names = (header.value as unknown[]).map(String);
    if (names.length === 0) return record;
    let out = record;
    if (this.#dropFieldsFromKey && out.key !== null) {
      const fromKey = this.#fieldsToDrop(out.keySchema, names);
      if (fromKey.length > 0) out = this.#dropDelegate('key', fromKey).apply(out)!;
    }
    const fromValue = this.#fieldsToDrop(out.valueSchema, names);
    if (fromValue.length > 0) out = this.#dropDelegate('value', fromValue).apply(out)!;
    return out;
  }

  #fieldsToDrop(schema: Schema | null, names: readonly string[]): string[] {
    if (!this.#dropFieldsKeepSchemaCompatible) return [...names];
    if (schema === null || schema.type !== 'STRUCT') return [];
    return schema.fields.filter((f) => f.schema.isOptional && names.includes(f.name)).map((f) => f.name);
  }

  #dropDelegate(side: 'key' | 'value', fields: readonly string[]): ReplaceFieldKey<R> | ReplaceFieldValue<R> {
    const id = `${side}:${fields.join(',')}`;
    let delegate = this.#dropDelegates.get(id);
    if (delegate === undefined) {
      delegate = side === 'key' ? new ReplaceFieldKey<R>() : new ReplaceFieldValue<R>();
      delegate.configure({ exclude: fields.join(',') });
      if (this.#dropDelegates.size >= 64) this.#dropDelegates.clear();
      this.#dropDelegates.set(id, delegate);
    }
    return delegate;
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {
    this.#dropDelegates.clear();
  }
}
