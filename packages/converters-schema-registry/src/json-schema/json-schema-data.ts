import {
  BigDecimal,
  ConnectDate,
  DataError,
  Decimal,
  formatJavaDouble,
  formatJavaFloat,
  isPlainObject,
  mapEntries,
  type Schema,
  SchemaBuilder,
  Struct,
  Time,
  Timestamp,
} from '@sluice/api';

/**
 * The mapping between Connect schemas/values and JSON Schema that Confluent's JsonSchemaConverter
 * uses (`io.confluent.connect.json.JsonSchemaData`): integers as `"type": "integer"` and numbers as
 * `"type": "number"` with `connect.type` (int8 … float64), BYTES as strings (`connect.type: bytes`,
 * base64 values), Decimal as a number with `connect.type: bytes`, string-keyed maps as objects with
 * `additionalProperties` and other maps as arrays of `{key, value}` objects (`connect.type: map`),
 * structs as objects whose properties carry `connect.index`, optional as `oneOf` with
 * `{"type": "null"}` first; the schema name is the `title`, its doc the `description`, with
 * `connect.version` and `connect.parameters`.
 */

export type JsonSchema = { [key: string]: unknown } | boolean;

const ENUM_PARAM = 'io.confluent.connect.json.Enum';
const ONE_OF_NAME = 'io.confluent.connect.json.OneOf';

export function fromConnectSchemaJson(
  schema: Schema,
  index: number | null = null,
  ignoreOptional = false,
): JsonSchema {
  const out: { [key: string]: unknown } = {};
  let connectType: string | null = null;
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'INT64':
      out.type = 'integer';
      connectType = schema.type.toLowerCase();
      break;
    case 'FLOAT32':
    case 'FLOAT64':
      out.type = 'number';
      connectType = schema.type.toLowerCase();
      break;
    case 'BOOLEAN':
      out.type = 'boolean';
      break;
    case 'STRING':
      if (schema.parameters?.[ENUM_PARAM] !== undefined) {
        out.type = 'string';
        out.enum = Object.entries(schema.parameters)
          .filter(([k]) => k.startsWith(`${ENUM_PARAM}.`))
          .map(([, v]) => v);
      } else {
        out.type = 'string';
      }
      break;
    case 'BYTES':
      out.type = schema.name === Decimal.LOGICAL_NAME ? 'number' : 'string';
      connectType = 'bytes';
      break;
    case 'ARRAY':
      out.type = 'array';
      out.items = fromConnectSchemaJson(schema.valueSchema!);
      break;
    case 'MAP': {
      const keySchema = schema.keySchema!;
      if (keySchema.type === 'STRING' && !keySchema.isOptional) {
        out.type = 'object';
        out.additionalProperties = fromConnectSchemaJson(schema.valueSchema!);
      } else {
        out.type = 'array';
        out.items = {
          type: 'object',
          properties: {
            key: fromConnectSchemaJson(keySchema, 0),
            value: fromConnectSchemaJson(schema.valueSchema!, 1),
          },
        };
      }
      connectType = 'map';
      break;
    }
    case 'STRUCT': {
      if (schema.isOptional && !ignoreOptional) {
        const wrapped: { [key: string]: unknown } = {
          oneOf: [{ type: 'null' }, fromConnectSchemaJson(schema, null, true)],
        };
        if (index !== null) wrapped['connect.index'] = index;
        return wrapped;
      }
      out.type = 'object';
      const properties: { [key: string]: unknown } = {};
      for (const f of schema.fields) properties[f.name] = fromConnectSchemaJson(f.schema, f.index);
      out.properties = properties;
      break;
    }
  }
  if (schema.name !== null) out.title = schema.name;
  if (schema.doc !== null) out.description = schema.doc;
  if (schema.defaultValue !== null && schema.defaultValue !== undefined) {
    out.default = JSON.parse(jsonText(compileToJson(schema), schema.defaultValue));
  }
  if (schema.type !== 'STRUCT' && schema.isOptional && !ignoreOptional) {
    const inner = { ...out };
    if (connectType !== null) inner['connect.type'] = connectType;
    addMeta(inner, schema);
    const wrapped: { [key: string]: unknown } = { oneOf: [{ type: 'null' }, inner] };
    if (index !== null) wrapped['connect.index'] = index;
    return wrapped;
  }
  if (index !== null) out['connect.index'] = index;
  if (connectType !== null) out['connect.type'] = connectType;
  addMeta(out, schema);
  return out;
}

function addMeta(out: { [key: string]: unknown }, schema: Schema): void {
  if (schema.version !== null) out['connect.version'] = schema.version;
  if (schema.parameters !== null) {
    const params = Object.fromEntries(
      Object.entries(schema.parameters).filter(([k]) => !k.startsWith('io.confluent.connect.json')),
    );
    if (Object.keys(params).length > 0) out['connect.parameters'] = params;
  }
}

// ---- JSON Schema → Connect ---------------------------------------------------------------------

/** A JSON Schema (as registered) to a Connect schema, as JsonSchemaData.toConnectSchema does. */
export function toConnectSchemaJson(
  json: JsonSchema,
  version: number | null = null,
  forceOptional = false,
): Schema {
  return toBuilder(json, version, forceOptional, json).build();
}

function resolveRef(ref: string, root: JsonSchema): JsonSchema {
  if (!ref.startsWith('#'))
    throw new DataError(`JSON Schema references outside the schema are not supported: ${ref}`);
  let node: unknown = root;
  for (const part of ref
    .slice(1)
    .split('/')
    .filter((p) => p !== '')) {
    node = (node as Record<string, unknown>)?.[
      decodeURIComponent(part.replaceAll('~1', '/').replaceAll('~0', '~'))
    ];
  }
  if (node === undefined) throw new DataError(`Unresolvable JSON Schema reference ${ref}`);
  return node as JsonSchema;
}

function toBuilder(
  json: JsonSchema,
  version: number | null,
  forceOptional: boolean,
  root: JsonSchema,
): SchemaBuilder {
  if (typeof json === 'boolean') throw new DataError('A boolean JSON Schema has no Connect equivalent');
  if (typeof json.$ref === 'string')
    return toBuilder(resolveRef(json.$ref, root), version, forceOptional, root);
  const union = (json.oneOf ?? json.anyOf) as JsonSchema[] | undefined;
  const type = json.type;
  if (Array.isArray(type)) {
    const nonNull = type.filter((t) => t !== 'null');
    if (nonNull.length === 1 && type.length === 2) {
      return toBuilder({ ...json, type: nonNull[0] }, version, true, root);
    }
    throw new DataError(
      `JSON Schema type lists other than [null, T] are not supported: ${JSON.stringify(type)}`,
    );
  }
  let builder: SchemaBuilder;
  const connectType = json['connect.type'] as string | undefined;
  if (union !== undefined) {
    const isNull = (s: JsonSchema) => typeof s === 'object' && s.type === 'null';
    if (union.length === 2 && union.some(isNull)) {
      const other = union.find((s) => !isNull(s))!;
      return toBuilder(other, version, true, root);
    }
    builder = SchemaBuilder.struct().name(ONE_OF_NAME);
    let i = 0;
    for (const s of union) {
      if (isNull(s)) builder.optional();
      else builder.field(`${ONE_OF_NAME}.field.${i++}`, toBuilder(s, null, true, root).build());
    }
  } else if (Array.isArray(json.enum)) {
    builder = SchemaBuilder.string().parameter(ENUM_PARAM, '');
    for (const v of json.enum) builder.parameter(`${ENUM_PARAM}.${String(v)}`, String(v));
  } else if (type === 'boolean') {
    builder = SchemaBuilder.bool();
  } else if (type === 'integer' || type === 'number') {
    switch (connectType) {
      case 'int8':
        builder = SchemaBuilder.int8();
        break;
      case 'int16':
        builder = SchemaBuilder.int16();
        break;
      case 'int32':
        builder = SchemaBuilder.int32();
        break;
      case 'int64':
        builder = SchemaBuilder.int64();
        break;
      case 'float32':
        builder = SchemaBuilder.float32();
        break;
      case 'float64':
        builder = SchemaBuilder.float64();
        break;
      case 'bytes':
        builder = SchemaBuilder.bytes();
        break;
      case undefined:
        builder = type === 'integer' ? SchemaBuilder.int64() : SchemaBuilder.float64();
        break;
      default:
        throw new DataError(`Unsupported connect.type ${connectType}`);
    }
  } else if (type === 'string') {
    builder = connectType === 'bytes' ? SchemaBuilder.bytes() : SchemaBuilder.string();
  } else if (type === 'array') {
    const items = json.items as JsonSchema | undefined;
    if (items === undefined) throw new DataError('Array schema did not specify the items type');
    if (connectType === 'map' && typeof items === 'object' && items.type === 'object') {
      const props = items.properties as Record<string, JsonSchema>;
      builder = SchemaBuilder.map(
        toBuilder(props.key!, null, false, root).build(),
        toBuilder(props.value!, null, false, root).build(),
      );
    } else {
      builder = SchemaBuilder.array(toBuilder(items, null, false, root).build());
    }
  } else if (type === 'object' || (type === undefined && json.properties !== undefined)) {
    if (connectType === 'map') {
      builder = SchemaBuilder.map(
        SchemaBuilder.string().build(),
        toBuilder(json.additionalProperties as JsonSchema, null, false, root).build(),
      );
    } else {
      builder = SchemaBuilder.struct();
      const props = Object.entries((json.properties ?? {}) as Record<string, JsonSchema>);
      const indexed = props.map(([name, s], i) => {
        const idx =
          typeof s === 'object' && typeof s['connect.index'] === 'number'
            ? (s['connect.index'] as number)
            : i;
        return { name, s, idx };
      });
      indexed.sort((a, b) => a.idx - b.idx);
      for (const p of indexed) builder.field(p.name, toBuilder(p.s, null, false, root).build());
    }
  } else {
    throw new DataError(`Unsupported JSON Schema: ${JSON.stringify(json).slice(0, 200)}`);
  }
  if (typeof json.title === 'string' && builder.build().name === null) builder.name(json.title);
  const connectVersion = json['connect.version'];
  if (typeof connectVersion === 'number') builder.version(connectVersion);
  else if (version !== null) builder.version(version);
  if (typeof json.description === 'string') builder.doc(json.description);
  const params = json['connect.parameters'];
  if (params !== null && typeof params === 'object') {
    for (const [k, v] of Object.entries(params as Record<string, unknown>)) builder.parameter(k, String(v));
  }
  if (forceOptional) builder.optional();
  if (json.default !== undefined && json.default !== null) {
    builder.defaultValue(compileFromJson(builder.build())(json.default));
  }
  return builder;
}

// ---- values ---------------------------------------------------------------------------------------

/** Writes a Connect value as JSON text pieces. */
export type ToJson = (out: string[], value: unknown) => void;

function bad(expected: string, value: unknown): DataError {
  const got =
    value === null
      ? 'null'
      : typeof value === 'object'
        ? ((value as object).constructor?.name ?? 'object')
        : typeof value;
  return new DataError(`Invalid type for ${expected}: ${got}`);
}

export function jsonText(conv: ToJson, value: unknown): string {
  const out: string[] = [];
  conv(out, value);
  return out.join('');
}

/** Compiles the Connect → JSON payload writer for `schema` (`decimal.format` BASE64 or NUMERIC). */
export function compileToJson(schema: Schema, decimalNumeric = false): ToJson {
  const base = toJsonBase(schema, decimalNumeric);
  const dflt = schema.defaultValue;
  return (out, v) => {
    if (v === null || v === undefined) {
      if (dflt !== null && dflt !== undefined) return base(out, dflt);
      if (schema.isOptional) {
        out.push('null');
        return;
      }
      throw new DataError('Conversion error: null value for field that is required and has no default value');
    }
    base(out, v);
  };
}

function toJsonBase(schema: Schema, decimalNumeric: boolean): ToJson {
  switch (schema.name) {
    case Decimal.LOGICAL_NAME:
      return (out, v) => {
        if (!(v instanceof BigDecimal)) throw bad('Decimal', v);
        if (decimalNumeric) out.push(v.toPlainString());
        else out.push(JSON.stringify(Buffer.from(Decimal.fromLogical(schema, v)).toString('base64')));
      };
    case ConnectDate.LOGICAL_NAME:
      return (out, v) => {
        if (!(v instanceof Date)) throw bad('Date', v);
        out.push(String(ConnectDate.fromLogical(schema, v)));
      };
    case Time.LOGICAL_NAME:
      return (out, v) => {
        if (!(v instanceof Date)) throw bad('Time', v);
        out.push(String(Time.fromLogical(schema, v)));
      };
    case Timestamp.LOGICAL_NAME:
      return (out, v) => {
        if (!(v instanceof Date)) throw bad('Timestamp', v);
        out.push(String(v.getTime()));
      };
  }
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'INT64':
      return (out, v) => {
        if (typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))) out.push(String(v));
        else throw bad(schema.type, v);
      };
    case 'FLOAT32':
      return (out, v) => {
        if (typeof v !== 'number') throw bad('FLOAT32', v);
        out.push(Number.isFinite(v) ? formatJavaFloat(v) : JSON.stringify(formatJavaFloat(v)));
      };
    case 'FLOAT64':
      return (out, v) => {
        if (typeof v !== 'number') throw bad('FLOAT64', v);
        out.push(Number.isFinite(v) ? formatJavaDouble(v) : JSON.stringify(formatJavaDouble(v)));
      };
    case 'BOOLEAN':
      return (out, v) => {
        if (typeof v !== 'boolean') throw bad('BOOLEAN', v);
        out.push(v ? 'true' : 'false');
      };
    case 'STRING':
      return (out, v) => {
        if (typeof v !== 'string') throw bad('STRING', v);
        out.push(JSON.stringify(v));
      };
    case 'BYTES':
      return (out, v) => {
        if (!(v instanceof Uint8Array)) throw bad('BYTES', v);
        out.push(JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')));
      };
    case 'ARRAY': {
      const item = compileToJson(schema.valueSchema!, decimalNumeric);
      return (out, v) => {
        if (!Array.isArray(v)) throw bad('ARRAY', v);
        out.push('[');
        for (let i = 0; i < v.length; i++) {
          if (i > 0) out.push(',');
          item(out, v[i]);
        }
        out.push(']');
      };
    }
    case 'MAP': {
      const keySchema = schema.keySchema!;
      const key = compileToJson(keySchema, decimalNumeric);
      const value = compileToJson(schema.valueSchema!, decimalNumeric);
      const objectMode = keySchema.type === 'STRING' && !keySchema.isOptional;
      return (out, v) => {
        if (!(v instanceof Map) && !isPlainObject(v)) throw bad('MAP', v);
        out.push(objectMode ? '{' : '[');
        let first = true;
        for (const [k, x] of mapEntries(v)) {
          if (!first) out.push(',');
          first = false;
          if (objectMode) {
            out.push(JSON.stringify(String(k)), ':');
            value(out, x);
          } else {
            out.push('{"key":');
            key(out, k);
            out.push(',"value":');
            value(out, x);
            out.push('}');
          }
        }
        out.push(objectMode ? '}' : ']');
      };
    }
    case 'STRUCT': {
      const fields = schema.fields;
      const heads = fields.map((f, i) => `${i === 0 ? '' : ','}${JSON.stringify(f.name)}:`);
      const convs = fields.map((f) => compileToJson(f.schema, decimalNumeric));
      return (out, v) => {
        if (!(v instanceof Struct)) throw bad('Struct', v);
        out.push('{');
        for (let i = 0; i < fields.length; i++) {
          out.push(heads[i]!);
          convs[i]!(out, v.get(fields[i]!));
        }
        out.push('}');
      };
    }
  }
}

export type FromJson = (value: unknown) => unknown;

/** Compiles the JSON value → Connect value reader for `schema`. Integers beyond 2^53 arrive as bigint. */
export function compileFromJson(schema: Schema): FromJson {
  const base = fromJsonBase(schema);
  return (v) => {
    if (v === null || v === undefined) {
      if (schema.defaultValue !== null && schema.defaultValue !== undefined) return schema.defaultValue;
      if (schema.isOptional) return null;
      throw new DataError(`Invalid null value for required ${schema.type} field`);
    }
    return base(v);
  };
}

function fromJsonBase(schema: Schema): FromJson {
  switch (schema.name) {
    case Decimal.LOGICAL_NAME:
      return (v) => {
        if (typeof v === 'number' || typeof v === 'bigint')
          return BigDecimal.parse(String(v)).setScale(Decimal.scale(schema));
        if (v instanceof DecimalText) return BigDecimal.parse(v.text).setScale(Decimal.scale(schema));
        if (typeof v === 'string') return Decimal.toLogical(schema, Buffer.from(v, 'base64'));
        throw bad('Decimal', v);
      };
    case ConnectDate.LOGICAL_NAME:
      return (v) => ConnectDate.toLogical(schema, Number(v));
    case Time.LOGICAL_NAME:
      return (v) => Time.toLogical(schema, Number(v));
    case Timestamp.LOGICAL_NAME:
      return (v) => new Date(Number(v));
  }
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32':
      return (v) => {
        if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(schema.type, v);
        return v;
      };
    case 'INT64':
      return (v) => {
        if (typeof v === 'bigint') return v;
        if (typeof v !== 'number' || !Number.isInteger(v)) throw bad('INT64', v);
        return v;
      };
    case 'FLOAT32':
    case 'FLOAT64':
      return (v) => {
        if (v instanceof DecimalText) return Number(v.text);
        if (typeof v === 'bigint') return Number(v);
        if (typeof v !== 'number') throw bad(schema.type, v);
        return v;
      };
    case 'BOOLEAN':
      return (v) => {
        if (typeof v !== 'boolean') throw bad('BOOLEAN', v);
        return v;
      };
    case 'STRING':
      return (v) => {
        if (typeof v !== 'string') throw bad('STRING', v);
        return v;
      };
    case 'BYTES':
      return (v) => {
        if (typeof v !== 'string') throw bad('BYTES', v);
        return new Uint8Array(Buffer.from(v, 'base64'));
      };
    case 'ARRAY': {
      const item = compileFromJson(schema.valueSchema!);
      return (v) => {
        if (!Array.isArray(v)) throw bad('ARRAY', v);
        return v.map(item);
      };
    }
    case 'MAP': {
      const key = compileFromJson(schema.keySchema!);
      const value = compileFromJson(schema.valueSchema!);
      const keySchema = schema.keySchema!;
      if (keySchema.type === 'STRING' && !keySchema.isOptional) {
        return (v) => {
          if (!isPlainObject(v))
            throw new DataError('Maps with string fields should be encoded as JSON objects');
          const out: Record<string, unknown> = {};
          for (const k of Object.keys(v)) out[k] = value(v[k]);
          return out;
        };
      }
      return (v) => {
        if (!Array.isArray(v))
          throw new DataError('Maps with non-string fields should be encoded as JSON array of objects');
        const m = new Map<unknown, unknown>();
        for (const e of v as Record<string, unknown>[]) m.set(key(e.key), value(e.value));
        return m;
      };
    }
    case 'STRUCT': {
      const names = schema.fields.map((f) => f.name);
      const convs = schema.fields.map((f) => compileFromJson(f.schema));
      return (v) => {
        if (!isPlainObject(v)) throw new DataError('Structs should be encoded as JSON objects');
        const values = names.map((n, i) => convs[i]!(v[n]));
        return Struct.withValues(schema, values);
      };
    }
  }
}

/** A JSON number with a fraction or exponent, kept as its text (for exact decimals). */
export class DecimalText {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/**
 * Parses JSON keeping every number exact: integers beyond 2^53 as bigint, other numbers as
 * numbers, except that `exactDecimals` keeps non-integers as DecimalText.
 */
export function parseJsonExact(text: string): unknown {
  return JSON.parse(text, (_key, value, context?: { source?: string }) => {
    if (typeof value === 'number' && context?.source !== undefined) {
      const src = context.source;
      if (/^-?\d+$/.test(src) && !Number.isSafeInteger(value)) return BigInt(src);
      if (/[.eE]/.test(src) && String(value) !== src && src.replace(/0+$/, '') !== String(value)) {
        return new DecimalText(src);
      }
    }
    return value;
  });
}
