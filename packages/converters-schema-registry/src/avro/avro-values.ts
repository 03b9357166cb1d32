import {
  BigDecimal,
  ConnectDate,
  DataError,
  Decimal,
  isPlainObject,
  mapEntries,
  type Schema,
  Struct,
  Time,
  Timestamp,
} from '@sluice/api';
import { avscBranchName, UNION_NAME } from './avro-data.ts';

/**
 * Connect ⇄ avsc value conversion compiled once per schema into closures (the converter's hot
 * path): the same mapping as `toAvroValue` / `fromAvroValue` in avro-data.ts, without walking
 * the schema for each record.
 */
export type Convert = (value: unknown) => unknown;

const SAFE_MIN = -9007199254740991n;
const SAFE_MAX = 9007199254740991n;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'Uint8Array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

function wrong(expected: string, value: unknown, path: string): DataError {
  return new DataError(
    `Invalid Java object for schema type ${expected}: ${describe(value)}${path === '' ? '' : ` (field ${path})`}`,
  );
}

/** A compiled Connect → avsc value converter for `schema`. */
export function compileToAvro(schema: Schema, path = ''): Convert {
  const base = toAvroBase(schema, path);
  const dflt = schema.defaultValue;
  if (dflt !== null && dflt !== undefined) {
    const converted = base(dflt);
    return (v) => (v === null || v === undefined ? converted : base(v));
  }
  if (schema.isOptional) return (v) => (v === null || v === undefined ? null : base(v));
  return (v) => {
    if (v === null || v === undefined) {
      throw new DataError(
        `Conversion error: null value for field that is required and has no default value${path === '' ? '' : ` (field ${path})`}`,
      );
    }
    return base(v);
  };
}

function toAvroBase(schema: Schema, path: string): Convert {
  switch (schema.name) {
    case Decimal.LOGICAL_NAME:
      return (v) => {
        if (!(v instanceof BigDecimal)) throw wrong('BigDecimal', v, path);
        const b = Decimal.fromLogical(schema, v);
        return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
      };
    case ConnectDate.LOGICAL_NAME:
      return (v) => {
        if (!(v instanceof Date)) throw wrong('Date', v, path);
        return ConnectDate.fromLogical(schema, v);
      };
    case Time.LOGICAL_NAME:
      return (v) => {
        if (!(v instanceof Date)) throw wrong('Date', v, path);
        return Time.fromLogical(schema, v);
      };
    case Timestamp.LOGICAL_NAME:
      return (v) => {
        if (!(v instanceof Date)) throw wrong('Date', v, path);
        return v.getTime();
      };
  }
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32': {
      const t = schema.type;
      return (v) => {
        if (typeof v !== 'number' || !Number.isInteger(v)) throw wrong(t, v, path);
        return v;
      };
    }
    case 'INT64':
      return (v) => {
        if (typeof v === 'number') {
          if (!Number.isInteger(v)) throw wrong('INT64', v, path);
          return v;
        }
        if (typeof v === 'bigint') return v >= SAFE_MIN && v <= SAFE_MAX ? Number(v) : v;
        throw wrong('INT64', v, path);
      };
    case 'FLOAT32':
    case 'FLOAT64': {
      const t = schema.type;
      return (v) => {
        if (typeof v !== 'number') throw wrong(t, v, path);
        return v;
      };
    }
    case 'BOOLEAN':
      return (v) => {
        if (typeof v !== 'boolean') throw wrong('BOOLEAN', v, path);
        return v;
      };
    case 'STRING':
      return (v) => {
        if (typeof v !== 'string') throw wrong('STRING', v, path);
        return v;
      };
    case 'BYTES':
      return (v) => {
        if (!(v instanceof Uint8Array)) throw wrong('BYTES', v, path);
        return Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      };
    case 'ARRAY': {
      const item = compileToAvro(schema.valueSchema!, `${path}[]`);
      return (v) => {
        if (!Array.isArray(v)) throw wrong('ARRAY', v, path);
        const out = new Array(v.length);
        for (let i = 0; i < v.length; i++) out[i] = item(v[i]);
        return out;
      };
    }
    case 'MAP': {
      const keySchema = schema.keySchema!;
      const key = compileToAvro(keySchema, `${path}.key`);
      const value = compileToAvro(schema.valueSchema!, `${path}.value`);
      const stringKeys = keySchema.type === 'STRING' && !keySchema.isOptional;
      return (v) => {
        if (!(v instanceof Map) && !isPlainObject(v)) throw wrong('MAP', v, path);
        if (stringKeys) {
          const out: Record<string, unknown> = {};
          for (const [k, x] of mapEntries(v)) {
            if (typeof k !== 'string') throw wrong('STRING map key', k, path);
            out[k] = value(x);
          }
          return out;
        }
        const entries: { key: unknown; value: unknown }[] = [];
        for (const [k, x] of mapEntries(v)) entries.push({ key: key(k), value: value(x) });
        return entries;
      };
    }
    case 'STRUCT': {
      const fields = schema.fields;
      const names = fields.map((f) => f.name);
      const convs = fields.map((f) => compileToAvro(f.schema, path === '' ? f.name : `${path}.${f.name}`));
      const n = fields.length;
      return (v) => {
        if (!(v instanceof Struct)) throw wrong('Struct', v, path);
        const out: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) out[names[i]!] = convs[i]!(v.get(fields[i]!));
        return out;
      };
    }
  }
}

/**
 * A compiled avsc → Connect value converter for `schema` (a schema from `toConnectSchema`).
 * `wrapped`: the avsc type wraps union values (`{"string": "x"}`), as it must for schemas with
 * general unions; optional values are then unwrapped here.
 */
export function compileFromAvro(schema: Schema, wrapped = false): Convert {
  const base = fromAvroBase(schema, wrapped);
  if (schema.name === UNION_NAME || !(wrapped && schema.isOptional)) {
    return (v) => (v === null || v === undefined ? null : base(v));
  }
  return (v) => {
    if (v === null || v === undefined) return null;
    // avsc's wrapped value: one own key, the branch (its prototype has methods such as unwrap()).
    const o = v as Record<string, unknown>;
    const k = Object.keys(o)[0];
    return k === undefined ? null : base(o[k]);
  };
}

function fromAvroBase(schema: Schema, wrapped: boolean): Convert {
  if (schema.name === UNION_NAME) {
    // Wrapped union value {branch: value}: the field whose avsc branch name matches.
    const fields = schema.fields;
    const byBranch = new Map(fields.map((f, i) => [avscBranchName(f.schema), i]));
    const convs = fields.map((f) => fromAvroBase(f.schema, wrapped));
    return (v) => {
      const o = v as Record<string, unknown>;
      const values = new Array(fields.length).fill(null);
      for (const k of Object.keys(o)) {
        const i = byBranch.get(k);
        if (i === undefined) throw new DataError(`Union value of an unknown branch ${k}`);
        values[i] = convs[i]!(o[k]);
      }
      return Struct.withValues(schema, values);
    };
  }
  switch (schema.name) {
    case Decimal.LOGICAL_NAME:
      return (v) => Decimal.toLogical(schema, v as Uint8Array);
    case ConnectDate.LOGICAL_NAME:
      return (v) => ConnectDate.toLogical(schema, v as number);
    case Time.LOGICAL_NAME:
      return (v) => Time.toLogical(schema, v as number);
    case Timestamp.LOGICAL_NAME:
      return (v) => new Date(Number(v));
  }
  switch (schema.type) {
    case 'INT64':
      return (v) => (typeof v === 'bigint' ? (v >= SAFE_MIN && v <= SAFE_MAX ? Number(v) : v) : v);
    case 'BYTES':
      return (v) => {
        const b = v as Uint8Array;
        return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      };
    case 'ARRAY': {
      const item = compileFromAvro(schema.valueSchema!, wrapped);
      return (v) => {
        const a = v as unknown[];
        const out = new Array(a.length);
        for (let i = 0; i < a.length; i++) out[i] = item(a[i]);
        return out;
      };
    }
    case 'MAP': {
      const key = compileFromAvro(schema.keySchema!, wrapped);
      const value = compileFromAvro(schema.valueSchema!, wrapped);
      return (v) => {
        if (Array.isArray(v)) {
          const m = new Map<unknown, unknown>();
          for (const e of v as { key: unknown; value: unknown }[]) m.set(key(e.key), value(e.value));
          return m;
        }
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(v as object)) out[k] = value((v as Record<string, unknown>)[k]);
        return out;
      };
    }
    case 'STRUCT': {
      const names = schema.fields.map((f) => f.name);
      const convs = schema.fields.map((f) => compileFromAvro(f.schema, wrapped));
      const n = names.length;
      return (v) => {
        const record = v as Record<string, unknown>;
        const values = new Array(n);
        for (let i = 0; i < n; i++) values[i] = convs[i]!(record[names[i]!]);
        return Struct.withValues(schema, values);
      };
    }
    default:
      return (v) => v;
  }
}
