import {
  BigDecimal,
  ConnectDate,
  DataError,
  Decimal,
  isPlainObject,
  mapEntries,
  type Schema,
  SchemaBuilder,
  Struct,
  Time,
  Timestamp,
} from '@sluice/api';

/**
 * The mapping between Connect schemas/values and Avro that Confluent's AvroConverter uses
 * (`io.confluent.connect.avro.AvroData`), so that registered schemas and record bytes are the
 * same as theirs: INT8/INT16 as `int` with `connect.type`, optional as a union with null first
 * (the base type first when there is a non-null default), unnamed structs as records
 * `io.confluent.connect.avro.ConnectDefault` (`ConnectDefault2`, … for further distinct ones),
 * maps with non-string keys as arrays of `MapEntry` records, logical types as Avro logical types,
 * and with `connect.meta.data` the `connect.doc/version/parameters/default/name` properties.
 *
 * Avro schemas are produced as plain JSON values with keys in the order Avro's Java library
 * prints them (`type`, `name`, `namespace`, `doc`, `fields`/`items`/`values`, then properties in
 * the order AvroData adds them); `JSON.stringify` of the result is the registered schema text.
 */

export const NAMESPACE = 'io.confluent.connect.avro';
export const DEFAULT_SCHEMA_NAME = 'ConnectDefault';
export const MAP_ENTRY_TYPE_NAME = 'MapEntry';
const CONNECT_NAME = 'connect.name';
const CONNECT_DOC = 'connect.doc';
const CONNECT_VERSION = 'connect.version';
const CONNECT_DEFAULT = 'connect.default';
const CONNECT_PARAMETERS = 'connect.parameters';
const CONNECT_TYPE = 'connect.type';
const CONNECT_INTERNAL_TYPE = 'connect.internal.type';
const DECIMAL_PRECISION_PARAM = 'connect.decimal.precision';
const DECIMAL_PRECISION_DEFAULT = 64;
export const ENUM_PARAM = `${NAMESPACE}.Enum`;
/** The Connect struct a general Avro union becomes (one optional field per member). */
export const UNION_NAME = `${NAMESPACE}.Union`;
const FIXED_SIZE_PARAM = 'connect.fixed.size';
const AVRO_PARAM_PREFIX = 'avro';

export type AvroJson = string | AvroJson[] | { [key: string]: unknown };

export interface AvroDataOptions {
  /** `connect.meta.data` (default true): write the `connect.*` properties. */
  readonly connectMetaData: boolean;
  /** `enhanced.avro.schema.support` (default false): keep Avro enums and names across a round trip. */
  readonly enhancedSchemaSupport: boolean;
  /** `scrub.invalid.names` (default false): replace characters Avro does not allow in names by `_`. */
  readonly scrubInvalidNames: boolean;
}

export const DEFAULT_AVRO_DATA_OPTIONS: AvroDataOptions = {
  connectMetaData: true,
  enhancedSchemaSupport: false,
  scrubInvalidNames: false,
};

function splitName(fullName: string): [string | null, string] {
  const i = fullName.lastIndexOf('.');
  return i < 0 ? [null, fullName] : [fullName.slice(0, i), fullName.slice(i + 1)];
}

function scrubName(name: string): string {
  let out = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (/^[0-9]/.test(out)) out = `_${out}`;
  return out;
}

function scrubFullName(name: string): string {
  return name
    .split('.')
    .map((p) => scrubName(p))
    .join('.');
}

const STRUCT_IDS = new WeakMap<Schema, string>();
/** A key for a struct schema ignoring its optionality and default: equal structs share a record. */
function structKey(schema: Schema): string {
  const parts = [
    schema.name ?? '',
    String(schema.version ?? ''),
    schema.doc ?? '',
    JSON.stringify(schema.parameters ?? null),
  ];
  for (const f of schema.fields) parts.push(`${f.name}:${schemaKey(f.schema)}`);
  return parts.join('|');
}
function schemaKey(schema: Schema): string {
  let id = STRUCT_IDS.get(schema);
  if (id !== undefined) return id;
  switch (schema.type) {
    case 'STRUCT':
      id = `S{${structKey(schema)}}${schema.isOptional ? '?' : ''}${JSON.stringify(defaultJsonSafe(schema))}`;
      break;
    case 'ARRAY':
      id = `A<${schemaKey(schema.valueSchema!)}>`;
      break;
    case 'MAP':
      id = `M<${schemaKey(schema.keySchema!)},${schemaKey(schema.valueSchema!)}>`;
      break;
    default:
      id = `${schema.type}:${schema.name ?? ''}:${schema.version ?? ''}:${JSON.stringify(schema.parameters ?? null)}`;
  }
  id += schema.isOptional ? '?' : '';
  STRUCT_IDS.set(schema, id);
  return id;
}
function defaultJsonSafe(schema: Schema): unknown {
  try {
    return schema.defaultValue === null ? null : defaultToAvroJson(schema, schema.defaultValue);
  } catch {
    return String(schema.defaultValue);
  }
}

/** State of one Connect→Avro conversion: names given so far, records already defined. */
class FromConnectContext {
  readonly defined = new Map<string, string>(); // struct key → full name
  readonly usedNames = new Set<string>();
  defaultIndex = 0;
  mapEntryIndex = 0;
  /** The enclosing namespace while printing (Avro omits a nested record's namespace when equal). */
  namespace: string | null = null;
}

/** Converts a Connect schema to its Avro schema (a JSON value), as Confluent's AvroData does. */
export function fromConnectSchema(
  schema: Schema,
  options: AvroDataOptions = DEFAULT_AVRO_DATA_OPTIONS,
): AvroJson {
  return convertSchema(schema, options, new FromConnectContext(), false);
}

function avroRef(fullName: string, ctx: FromConnectContext): string {
  const [ns, name] = splitName(fullName);
  return ns !== null && ns === ctx.namespace ? name : fullName;
}

function convertSchema(
  schema: Schema,
  options: AvroDataOptions,
  ctx: FromConnectContext,
  ignoreOptional: boolean,
): AvroJson {
  const props: [string, unknown][] = [];
  let base: { [key: string]: unknown } | string;
  let connectType: string | null = null;
  const name = schema.name;
  switch (schema.type) {
    case 'INT8':
      connectType = 'int8';
      base = 'int';
      break;
    case 'INT16':
      connectType = 'int16';
      base = 'int';
      break;
    case 'INT32':
      base = 'int';
      break;
    case 'INT64':
      base = 'long';
      break;
    case 'FLOAT32':
      base = 'float';
      break;
    case 'FLOAT64':
      base = 'double';
      break;
    case 'BOOLEAN':
      base = 'boolean';
      break;
    case 'STRING':
      if (options.enhancedSchemaSupport && schema.parameters?.[ENUM_PARAM] !== undefined) {
        const fullName = schema.parameters[ENUM_PARAM]!;
        const symbols = Object.entries(schema.parameters)
          .filter(([k]) => k.startsWith(`${ENUM_PARAM}.`))
          .map(([, v]) => v);
        const [ns, short] = splitName(fullName);
        base = { type: 'enum', name: short };
        if (ns !== null && ns !== ctx.namespace) base.namespace = ns;
        base.symbols = symbols;
      } else {
        base = 'string';
      }
      break;
    case 'BYTES':
      base = 'bytes';
      if (name === Decimal.LOGICAL_NAME) {
        const scale = Decimal.scale(schema);
        const precisionText = schema.parameters?.[DECIMAL_PRECISION_PARAM];
        const precision =
          precisionText === undefined ? DECIMAL_PRECISION_DEFAULT : Number.parseInt(precisionText, 10);
        props.push(['scale', scale], ['precision', precision]);
      }
      break;
    case 'ARRAY':
      base = { type: 'array', items: convertSchema(schema.valueSchema!, options, ctx, false) };
      break;
    case 'MAP': {
      const keySchema = schema.keySchema!;
      if (keySchema.type === 'STRING' && !keySchema.isOptional) {
        base = { type: 'map', values: convertSchema(schema.valueSchema!, options, ctx, false) };
      } else {
        const entryKey = `MAPENTRY|${schemaKey(schema)}`;
        const known = ctx.defined.get(entryKey);
        if (known !== undefined) {
          base = { type: 'array', items: avroRef(known, ctx) };
        } else {
          let ns: string = NAMESPACE;
          let short: string = MAP_ENTRY_TYPE_NAME;
          if (name !== null) {
            const [n, s] = splitName(options.scrubInvalidNames ? scrubFullName(name) : name);
            ns = n ?? '';
            short = s;
          } else {
            ctx.mapEntryIndex++;
            if (ctx.mapEntryIndex > 1) short = `${MAP_ENTRY_TYPE_NAME}${ctx.mapEntryIndex}`;
          }
          const fullName = ns === '' ? short : `${ns}.${short}`;
          ctx.defined.set(entryKey, fullName);
          const record: { [key: string]: unknown } = { type: 'record', name: short };
          if (ns !== ctx.namespace && ns !== '') record.namespace = ns;
          const outer = ctx.namespace;
          ctx.namespace = ns === '' ? null : ns;
          record.fields = [
            recordField('key', keySchema, options, ctx),
            recordField('value', schema.valueSchema!, options, ctx),
          ];
          ctx.namespace = outer;
          if (name !== null) record[CONNECT_INTERNAL_TYPE] = MAP_ENTRY_TYPE_NAME;
          base = { type: 'array', items: record };
        }
      }
      break;
    }
    case 'STRUCT': {
      if (name === UNION_NAME) {
        // A union read from Avro: its members, with null first when it is optional.
        const members = schema.fields.map((f) => convertSchema(f.schema, options, ctx, true));
        return schema.isOptional ? ['null', ...members] : members;
      }
      if (schema.isOptional && !ignoreOptional) {
        // The record itself carries the metadata; the union only wraps it.
        const inner = convertSchema(schema, options, ctx, true);
        return schema.defaultValue !== null ? [inner, 'null'] : ['null', inner];
      }
      const key = structKey(schema);
      const known = ctx.defined.get(key);
      if (known !== undefined) return avroRef(known, ctx);
      let ns: string | null;
      let short: string;
      if (name !== null) {
        [ns, short] = splitName(options.scrubInvalidNames ? scrubFullName(name) : name);
      } else {
        ns = NAMESPACE;
        ctx.defaultIndex++;
        short = ctx.defaultIndex > 1 ? `${DEFAULT_SCHEMA_NAME}${ctx.defaultIndex}` : DEFAULT_SCHEMA_NAME;
      }
      const fullName = ns === null ? short : `${ns}.${short}`;
      ctx.defined.set(key, fullName);
      const record: { [key: string]: unknown } = { type: 'record', name: short };
      if (ns !== null && ns !== ctx.namespace) record.namespace = ns;
      const outer = ctx.namespace;
      ctx.namespace = ns;
      record.fields = schema.fields.map((f) => recordField(f.name, f.schema, options, ctx));
      ctx.namespace = outer;
      base = record;
      break;
    }
  }

  const obj: { [key: string]: unknown } = typeof base === 'string' ? { type: base } : base;
  for (const [k, v] of props) obj[k] = v;
  if (options.connectMetaData) {
    if (schema.doc !== null) obj[CONNECT_DOC] = schema.doc;
    if (schema.version !== null) obj[CONNECT_VERSION] = schema.version;
    if (schema.parameters !== null && Object.keys(schema.parameters).length > 0) {
      obj[CONNECT_PARAMETERS] = { ...schema.parameters };
    }
    if (schema.defaultValue !== null && schema.defaultValue !== undefined) {
      obj[CONNECT_DEFAULT] = defaultToAvroJson(schema, schema.defaultValue);
    }
    if (name !== null) obj[CONNECT_NAME] = name;
    if (connectType !== null) obj[CONNECT_TYPE] = connectType;
  }
  if (name === Decimal.LOGICAL_NAME) obj.logicalType = 'decimal';
  else if (name === Time.LOGICAL_NAME) obj.logicalType = 'time-millis';
  else if (name === Timestamp.LOGICAL_NAME) obj.logicalType = 'timestamp-millis';
  else if (name === ConnectDate.LOGICAL_NAME) obj.logicalType = 'date';
  if (schema.parameters !== null) {
    for (const [k, v] of Object.entries(schema.parameters)) if (k.startsWith(AVRO_PARAM_PREFIX)) obj[k] = v;
  }

  const simple: AvroJson = typeof base === 'string' && Object.keys(obj).length === 1 ? base : obj;
  if (!ignoreOptional && schema.isOptional) {
    return schema.defaultValue !== null ? [simple, 'null'] : ['null', simple];
  }
  return simple;
}

function recordField(
  name: string,
  schema: Schema,
  options: AvroDataOptions,
  ctx: FromConnectContext,
): { [key: string]: unknown } {
  const field: { [key: string]: unknown } = {
    name: options.scrubInvalidNames ? scrubName(name) : name,
    type: convertSchema(schema, options, ctx, false),
  };
  if (schema.defaultValue !== null && schema.defaultValue !== undefined) {
    field.default = defaultToAvroJson(schema, schema.defaultValue);
  } else if (schema.isOptional) {
    field.default = null;
  }
  return field;
}

/** A Connect default value as Avro's JSON encoding of the value (bytes as ISO-8859-1 text). */
function defaultToAvroJson(schema: Schema, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  const avro = toAvroValue(schema, value);
  return avroValueToJson(schema, avro);
}

function avroValueToJson(schema: Schema, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (schema.type) {
    case 'INT64':
      return typeof v === 'bigint' ? Number(v) : v;
    case 'BYTES':
      return Buffer.from(v as Uint8Array).toString('latin1');
    case 'ARRAY':
      return (v as unknown[]).map((x) => avroValueToJson(schema.valueSchema!, x));
    case 'MAP':
      if (Array.isArray(v)) {
        return v.map((e: { key: unknown; value: unknown }) => ({
          key: avroValueToJson(schema.keySchema!, e.key),
          value: avroValueToJson(schema.valueSchema!, e.value),
        }));
      }
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>).map(([k, x]) => [
          k,
          avroValueToJson(schema.valueSchema!, x),
        ]),
      );
    case 'STRUCT': {
      const out: Record<string, unknown> = {};
      for (const f of schema.fields)
        out[f.name] = avroValueToJson(f.schema, (v as Record<string, unknown>)[f.name]);
      return out;
    }
    default:
      return v;
  }
}

// ---- values: Connect → Avro ----------------------------------------------------------------------

/**
 * Converts a Connect value to the value `avsc` encodes for `fromConnectSchema(schema)`:
 * structs to plain objects, BigDecimal to unscaled bytes, Date/Time/Timestamp to numbers, maps
 * with non-string keys to arrays of `{key, value}`. Throws DataError naming the field.
 */
export function toAvroValue(schema: Schema, value: unknown, path = ''): unknown {
  if (value === null || value === undefined) {
    if (schema.defaultValue !== null && schema.defaultValue !== undefined)
      return toAvroValue(schema, schema.defaultValue, path);
    if (schema.isOptional) return null;
    throw new DataError(
      `Conversion error: null value for field that is required and has no default value${at(path)}`,
    );
  }
  switch (schema.name) {
    case Decimal.LOGICAL_NAME:
      if (!(value instanceof BigDecimal)) throw wrongType('BigDecimal', value, path);
      return Buffer.from(Decimal.fromLogical(schema, value));
    case ConnectDate.LOGICAL_NAME:
      if (!(value instanceof Date)) throw wrongType('Date', value, path);
      return ConnectDate.fromLogical(schema, value);
    case Time.LOGICAL_NAME:
      if (!(value instanceof Date)) throw wrongType('Date', value, path);
      return Time.fromLogical(schema, value);
    case Timestamp.LOGICAL_NAME:
      if (!(value instanceof Date)) throw wrongType('Date', value, path);
      return Timestamp.fromLogical(schema, value);
  }
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType(schema.type, value, path);
      return value;
    case 'INT64':
      if (typeof value === 'bigint') return value;
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrongType('INT64', value, path);
      return value;
    case 'FLOAT32':
    case 'FLOAT64':
      if (typeof value !== 'number') throw wrongType(schema.type, value, path);
      return value;
    case 'BOOLEAN':
      if (typeof value !== 'boolean') throw wrongType('BOOLEAN', value, path);
      return value;
    case 'STRING':
      if (typeof value !== 'string') throw wrongType('STRING', value, path);
      return value;
    case 'BYTES':
      if (!(value instanceof Uint8Array)) throw wrongType('BYTES', value, path);
      return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    case 'ARRAY': {
      if (!Array.isArray(value)) throw wrongType('ARRAY', value, path);
      const item = schema.valueSchema!;
      return value.map((x, i) => toAvroValue(item, x, `${path}[${i}]`));
    }
    case 'MAP': {
      if (!(value instanceof Map) && !isPlainObject(value)) throw wrongType('MAP', value, path);
      const keySchema = schema.keySchema!;
      const valueSchema = schema.valueSchema!;
      if (keySchema.type === 'STRING' && !keySchema.isOptional) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of mapEntries(value)) {
          if (typeof k !== 'string') throw wrongType('STRING map key', k, path);
          out[k] = toAvroValue(valueSchema, v, `${path}.${k}`);
        }
        return out;
      }
      const entries: { key: unknown; value: unknown }[] = [];
      for (const [k, v] of mapEntries(value)) {
        entries.push({
          key: toAvroValue(keySchema, k, `${path}.key`),
          value: toAvroValue(valueSchema, v, `${path}.value`),
        });
      }
      return entries;
    }
    case 'STRUCT': {
      if (!(value instanceof Struct)) throw wrongType('Struct', value, path);
      const out: Record<string, unknown> = {};
      for (const f of schema.fields) {
        out[f.name] = toAvroValue(f.schema, value.get(f), path === '' ? f.name : `${path}.${f.name}`);
      }
      return out;
    }
  }
}

function at(path: string): string {
  return path === '' ? '' : ` (field ${path})`;
}

function wrongType(expected: string, value: unknown, path: string): DataError {
  const got =
    value === null
      ? 'null'
      : value instanceof Uint8Array
        ? 'Uint8Array'
        : typeof value === 'object'
          ? ((value as object).constructor?.name ?? 'object')
          : typeof value;
  return new DataError(`Invalid Java object for schema type ${expected}: ${got}${at(path)}`);
}

// ---- schemas: Avro → Connect ---------------------------------------------------------------------

interface AvroNamed {
  readonly json: { [key: string]: unknown };
  readonly fullName: string;
}

/** Resolves named types while walking an Avro schema JSON. */
class ToConnectContext {
  readonly named = new Map<string, AvroNamed>();
  readonly building = new Map<string, Schema>();
}

function fullNameOf(json: { [key: string]: unknown }, enclosing: string | null): string {
  const name = json.name as string;
  if (name.includes('.')) return name;
  const ns = (json.namespace as string | undefined) ?? enclosing;
  return ns === null || ns === '' ? name : `${ns}.${name}`;
}

/** Converts an Avro schema (JSON) to a Connect schema, as Confluent's AvroData.toConnectSchema does. */
export function toConnectSchema(
  avro: AvroJson,
  options: AvroDataOptions = DEFAULT_AVRO_DATA_OPTIONS,
): Schema {
  return toConnect(avro, options, new ToConnectContext(), null, false, undefined).build();
}

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

function toConnect(
  avro: AvroJson,
  options: AvroDataOptions,
  ctx: ToConnectContext,
  namespace: string | null,
  optional: boolean,
  fieldDefault: unknown,
): SchemaBuilder {
  if (Array.isArray(avro)) {
    const nonNull = avro.filter((b) => b !== 'null');
    if (nonNull.length === 1 && avro.length === 2) {
      return toConnect(nonNull[0]!, options, ctx, namespace, true, fieldDefault);
    }
    // Any other union: a struct io.confluent.connect.avro.Union with one optional field per member,
    // named after the member's Connect type (int32, string, …) or, for records and enums, its name.
    const builder = SchemaBuilder.struct().name(UNION_NAME);
    for (const member of nonNull) {
      const memberSchema = toConnect(member, options, ctx, namespace, true, undefined).build();
      builder.field(unionMemberFieldName(memberSchema, options), memberSchema);
    }
    if (nonNull.length !== avro.length) builder.optional();
    return builder;
  }
  if (typeof avro === 'string') {
    if (PRIMITIVES.has(avro))
      return toConnect({ type: avro }, options, ctx, namespace, optional, fieldDefault);
    const full = avro.includes('.') || namespace === null ? avro : `${namespace}.${avro}`;
    const named = ctx.named.get(full) ?? ctx.named.get(avro);
    if (named === undefined) throw new DataError(`Unknown Avro type name ${avro}`);
    return toConnect(named.json as AvroJson, options, ctx, namespace, optional, fieldDefault);
  }
  const json = avro;
  const type = json.type as AvroJson;
  if (
    typeof type !== 'string' ||
    (!PRIMITIVES.has(type) && !['record', 'error', 'enum', 'array', 'map', 'fixed'].includes(type))
  ) {
    // {"type": {...}} or {"type": "SomeName"}: a wrapper around another schema.
    return toConnect(type, options, ctx, namespace, optional, fieldDefault);
  }
  const logical = json.logicalType as string | undefined;
  let builder: SchemaBuilder;
  let innerNamespace = namespace;
  switch (type) {
    case 'boolean':
      builder = SchemaBuilder.bool();
      break;
    case 'int': {
      const ct = json[CONNECT_TYPE];
      if (logical === 'date') builder = ConnectDate.builder();
      else if (logical === 'time-millis') builder = Time.builder();
      else if (ct === 'int8') builder = SchemaBuilder.int8();
      else if (ct === 'int16') builder = SchemaBuilder.int16();
      else builder = SchemaBuilder.int32();
      break;
    }
    case 'long':
      builder = logical === 'timestamp-millis' ? Timestamp.builder() : SchemaBuilder.int64();
      break;
    case 'float':
      builder = SchemaBuilder.float32();
      break;
    case 'double':
      builder = SchemaBuilder.float64();
      break;
    case 'string':
      builder = SchemaBuilder.string();
      break;
    case 'bytes':
    case 'fixed':
      if (logical === 'decimal') {
        const scale = typeof json.scale === 'number' ? json.scale : 0;
        builder = Decimal.builder(scale);
        const precision = json.precision;
        const params = json[CONNECT_PARAMETERS] as Record<string, string> | undefined;
        if (
          typeof precision === 'number' &&
          (precision !== DECIMAL_PRECISION_DEFAULT || params?.[DECIMAL_PRECISION_PARAM] !== undefined)
        ) {
          builder.parameter(DECIMAL_PRECISION_PARAM, String(precision));
        }
      } else {
        builder = SchemaBuilder.bytes();
      }
      if (type === 'fixed') {
        const full = fullNameOf(json, namespace);
        ctx.named.set(full, { json, fullName: full });
        builder.parameter(FIXED_SIZE_PARAM, String(json.size));
      }
      break;
    case 'enum': {
      const full = fullNameOf(json, namespace);
      ctx.named.set(full, { json, fullName: full });
      builder = SchemaBuilder.string();
      builder.parameter(ENUM_PARAM, full);
      for (const s of json.symbols as string[]) builder.parameter(`${ENUM_PARAM}.${s}`, s);
      if (json[CONNECT_NAME] === undefined && options.enhancedSchemaSupport) builder.name(full);
      break;
    }
    case 'array': {
      const items = json.items as AvroJson;
      const entry = mapEntryRecord(items, ctx, namespace);
      if (entry !== null) {
        const fields = entry.fields as { name: string; type: AvroJson }[];
        const entryNs = entry.namespace as string | undefined;
        const ns = entryNs ?? namespace;
        builder = SchemaBuilder.map(
          toConnect(fields.find((f) => f.name === 'key')!.type, options, ctx, ns, false, undefined).build(),
          toConnect(fields.find((f) => f.name === 'value')!.type, options, ctx, ns, false, undefined).build(),
        );
      } else {
        builder = SchemaBuilder.array(toConnect(items, options, ctx, namespace, false, undefined).build());
      }
      break;
    }
    case 'map':
      builder = SchemaBuilder.map(
        SchemaBuilder.string().build(),
        toConnect(json.values as AvroJson, options, ctx, namespace, false, undefined).build(),
      );
      break;
    default: {
      // record / error
      const full = fullNameOf(json, namespace);
      ctx.named.set(full, { json, fullName: full });
      innerNamespace = splitName(full)[0];
      builder = SchemaBuilder.struct();
      const isDefault =
        full === `${NAMESPACE}.${DEFAULT_SCHEMA_NAME}` ||
        new RegExp(`^${NAMESPACE.replaceAll('.', '\\.')}\\.${DEFAULT_SCHEMA_NAME}\\d+$`).test(full);
      if (!isDefault && (json[CONNECT_NAME] === undefined || !options.connectMetaData)) builder.name(full);
      for (const f of json.fields as { name: string; type: AvroJson; default?: unknown }[]) {
        const fieldSchema = toConnect(
          f.type,
          options,
          ctx,
          innerNamespace,
          false,
          'default' in f ? f.default : undefined,
        ).build();
        builder.field(f.name, fieldSchema);
      }
      break;
    }
  }
  if (options.connectMetaData) {
    const current = builder.build();
    if (typeof json[CONNECT_DOC] === 'string' && current.doc === null)
      builder.doc(json[CONNECT_DOC] as string);
    if (typeof json[CONNECT_VERSION] === 'number' && current.version === null) {
      builder.version(json[CONNECT_VERSION] as number);
    }
    const params = json[CONNECT_PARAMETERS];
    if (params !== null && typeof params === 'object') {
      for (const [k, v] of Object.entries(params as Record<string, unknown>)) builder.parameter(k, String(v));
    }
    if (typeof json[CONNECT_NAME] === 'string') setName(builder, json[CONNECT_NAME] as string);
  }
  if (optional) builder.optional();
  const connectDefault = options.connectMetaData ? json[CONNECT_DEFAULT] : undefined;
  const dflt = connectDefault !== undefined ? connectDefault : fieldDefault;
  if (dflt !== undefined && dflt !== null) {
    const built = builder.build();
    builder.defaultValue(fromAvroJsonDefault(built, dflt));
  }
  return builder;
}

/** The field of a union struct for a member schema, as Confluent's AvroData names it. */
export function unionMemberFieldName(schema: Schema, options: AvroDataOptions): string {
  const named = schema.type === 'STRUCT' ? schema.name : (schema.parameters?.[ENUM_PARAM] ?? null);
  if (named !== null) return options.enhancedSchemaSupport ? named : splitName(named)[1];
  return schema.type.toLowerCase();
}

/** The name avsc gives a union member of this Connect schema when it wraps union values. */
export function avscBranchName(schema: Schema): string {
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32':
      return 'int';
    case 'INT64':
      return 'long';
    case 'FLOAT32':
      return 'float';
    case 'FLOAT64':
      return 'double';
    case 'BOOLEAN':
      return 'boolean';
    case 'STRING':
      return schema.parameters?.[ENUM_PARAM] ?? 'string';
    case 'BYTES':
      return 'bytes';
    case 'ARRAY':
      return 'array';
    case 'MAP':
      return schema.keySchema!.type === 'STRING' && !schema.keySchema!.isOptional ? 'map' : 'array';
    case 'STRUCT':
      return schema.name ?? `${NAMESPACE}.${DEFAULT_SCHEMA_NAME}`;
  }
}

/** Whether an Avro schema (JSON) has a union other than [null, T] (avsc must then wrap union values). */
export function hasGeneralUnion(avro: unknown): boolean {
  if (Array.isArray(avro)) {
    if (avro.filter((b) => b !== 'null').length > 1) return true;
    return avro.some(hasGeneralUnion);
  }
  if (avro === null || typeof avro !== 'object') return false;
  const o = avro as Record<string, unknown>;
  if (Array.isArray(o.fields)) return (o.fields as { type: unknown }[]).some((f) => hasGeneralUnion(f.type));
  return (
    hasGeneralUnion(o.items) ||
    hasGeneralUnion(o.values) ||
    (typeof o.type === 'object' && hasGeneralUnion(o.type))
  );
}

function setName(builder: SchemaBuilder, name: string): void {
  const current = builder.build().name;
  if (current === null) builder.name(name);
}

/** The record schema of `items` when it is a map-entry record (`MapEntry` or `connect.internal.type`). */
function mapEntryRecord(
  items: AvroJson,
  ctx: ToConnectContext,
  namespace: string | null,
): { [key: string]: unknown } | null {
  let json: { [key: string]: unknown } | null = null;
  if (typeof items === 'string') {
    const full = items.includes('.') || namespace === null ? items : `${namespace}.${items}`;
    json = (ctx.named.get(full)?.json as { [key: string]: unknown } | undefined) ?? null;
  } else if (!Array.isArray(items)) {
    json = items;
  }
  if (json === null || json.type !== 'record') return null;
  const full = fullNameOf(json, namespace);
  const isEntry =
    json[CONNECT_INTERNAL_TYPE] === MAP_ENTRY_TYPE_NAME ||
    new RegExp(`^${NAMESPACE.replaceAll('.', '\\.')}\\.${MAP_ENTRY_TYPE_NAME}\\d*$`).test(full);
  if (!isEntry) return null;
  const fields = json.fields as { name: string }[];
  if (fields.length !== 2 || fields[0]!.name !== 'key' || fields[1]!.name !== 'value') return null;
  if (typeof items !== 'string') ctx.named.set(full, { json, fullName: full });
  return json;
}

/** An Avro JSON default (or `connect.default`) as a Connect value of `schema`. */
function fromAvroJsonDefault(schema: Schema, json: unknown): unknown {
  if (json === null) return null;
  switch (schema.type) {
    case 'BYTES': {
      const bytes = new Uint8Array(Buffer.from(String(json), 'latin1'));
      return fromAvroValue(schema, bytes);
    }
    case 'INT64':
      return fromAvroValue(schema, typeof json === 'number' ? json : Number(json));
    case 'ARRAY':
      return (json as unknown[]).map((x) => fromAvroJsonDefault(schema.valueSchema!, x));
    case 'MAP': {
      if (Array.isArray(json)) {
        const m = new Map<unknown, unknown>();
        for (const e of json as { key: unknown; value: unknown }[]) {
          m.set(
            fromAvroJsonDefault(schema.keySchema!, e.key),
            fromAvroJsonDefault(schema.valueSchema!, e.value),
          );
        }
        return m;
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(json as Record<string, unknown>))
        out[k] = fromAvroJsonDefault(schema.valueSchema!, v);
      return out;
    }
    case 'STRUCT': {
      const s = new Struct(schema);
      for (const f of schema.fields) {
        const v = (json as Record<string, unknown>)[f.name];
        if (v !== undefined) s.put(f, fromAvroJsonDefault(f.schema, v));
      }
      return s;
    }
    default:
      return fromAvroValue(schema, json);
  }
}

// ---- values: Avro → Connect ----------------------------------------------------------------------

/** Converts a value decoded by `avsc` to the Connect value of `schema` (from `toConnectSchema`). */
export function fromAvroValue(schema: Schema, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (schema.name) {
    case Decimal.LOGICAL_NAME:
      return Decimal.toLogical(schema, value as Uint8Array);
    case ConnectDate.LOGICAL_NAME:
      return ConnectDate.toLogical(schema, value as number);
    case Time.LOGICAL_NAME:
      return Time.toLogical(schema, value as number);
    case Timestamp.LOGICAL_NAME:
      return Timestamp.toLogical(schema, value as number | bigint);
  }
  switch (schema.type) {
    case 'INT64':
      if (typeof value === 'bigint') {
        return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
      }
      return value;
    case 'BYTES': {
      const b = value as Uint8Array;
      return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    }
    case 'ARRAY': {
      const item = schema.valueSchema!;
      return (value as unknown[]).map((x) => fromAvroValue(item, x));
    }
    case 'MAP': {
      const keySchema = schema.keySchema!;
      const valueSchema = schema.valueSchema!;
      if (Array.isArray(value)) {
        const m = new Map<unknown, unknown>();
        for (const e of value as { key: unknown; value: unknown }[]) {
          m.set(fromAvroValue(keySchema, e.key), fromAvroValue(valueSchema, e.value));
        }
        return m;
      }
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>))
        out[k] = fromAvroValue(valueSchema, v);
      return out;
    }
    case 'STRUCT': {
      const s = new Struct(schema);
      const record = value as Record<string, unknown>;
      for (const f of schema.fields) s.put(f, fromAvroValue(f.schema, record[f.name]));
      return s;
    }
    default:
      return value;
  }
}
