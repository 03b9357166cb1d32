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
import { ENUM_PARAM, UNION_NAME } from './avro-data.ts';

/**
 * A growable output buffer for Avro's binary encoding. Encoding writes straight from Connect
 * values to bytes (no intermediate Avro objects), in exactly the bytes Avro's specification (and
 * avsc, fastavro, Avro's Java library) produce for the schema `fromConnectSchema` gives.
 */
export class AvroWriter {
  buf: Buffer;
  pos = 0;

  constructor(size = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(size);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** A zig-zag varint of a number within ±2^53 (Avro int and long). */
  long(n: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    if (n >= -1073741824 && n < 1073741824) {
      let m = n >= 0 ? n << 1 : (~n << 1) | 1;
      while (m & ~0x7f) {
        buf[pos++] = (m & 0x7f) | 0x80;
        m >>>= 7;
      }
      buf[pos++] = m;
    } else if (n > -4503599627370496 && n < 4503599627370496) {
      // |n| < 2^52: the zig-zag value stays below 2^53, exact in a double.
      let m = n >= 0 ? n * 2 : -n * 2 - 1;
      while (m >= 128) {
        buf[pos++] = (m % 128) | 0x80;
        m = Math.floor(m / 128);
      }
      buf[pos++] = m;
    } else {
      this.bigLong(BigInt(n));
      return;
    }
    this.pos = pos;
  }

  /** A zig-zag varint of any 64-bit integer. */
  bigLong(n: bigint): void {
    this.ensure(10);
    let m = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
    while (m >= 128n) {
      this.buf[this.pos++] = Number(m & 0x7fn) | 0x80;
      m >>= 7n;
    }
    this.buf[this.pos++] = Number(m);
  }

  float(n: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(n, this.pos);
    this.pos += 4;
  }

  double(n: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(n, this.pos);
    this.pos += 8;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    this.long(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.long(n);
    this.ensure(n);
    this.buf.write(s, this.pos, n, 'utf8');
    this.pos += n;
  }
}

export type Encode = (w: AvroWriter, value: unknown) => void;

function wrong(expected: string, value: unknown, path: string): DataError {
  const got =
    value === null
      ? 'null'
      : value instanceof Uint8Array
        ? 'Uint8Array'
        : typeof value === 'object'
          ? ((value as object).constructor?.name ?? 'object')
          : typeof value;
  return new DataError(
    `Invalid Java object for schema type ${expected}: ${got}${path === '' ? '' : ` (field ${path})`}`,
  );
}

/**
 * Compiles the binary encoder of `schema`, the Avro schema being `fromConnectSchema(schema)`:
 * optional values are the union `["null", T]` (index 0 null, 1 the value) or `[T, "null"]` when the
 * schema has a default; a null value takes the schema's default first, as AvroData does.
 */
export function compileAvroEncoder(schema: Schema, path = '', enums = false): Encode {
  if (schema.name === UNION_NAME) {
    // [null?, member…]: the index of the first member set, then that member.
    const offset = schema.isOptional ? 1 : 0;
    const fields = schema.fields;
    const encoders = fields.map((f) => baseEncoder(f.schema, `${path}.${f.name}`, enums));
    return (w, v) => {
      if (v === null || v === undefined) {
        if (offset === 0)
          throw new DataError(`Conversion error: null union value${path === '' ? '' : ` (field ${path})`}`);
        w.byte(0);
        return;
      }
      if (!(v instanceof Struct)) throw wrong('Struct', v, path);
      for (let i = 0; i < fields.length; i++) {
        const x = v.get(fields[i]!);
        if (x !== null && x !== undefined) {
          w.long(i + offset);
          encoders[i]!(w, x);
          return;
        }
      }
      if (offset === 0)
        throw new DataError(
          `Conversion error: a union struct with no member set${path === '' ? '' : ` (field ${path})`}`,
        );
      w.byte(0);
    };
  }
  const base = baseEncoder(schema, path, enums);
  const dflt = schema.defaultValue;
  const hasDefault = dflt !== null && dflt !== undefined;
  if (schema.isOptional) {
    if (hasDefault) {
      return (w, v) => {
        w.byte(0); // [T, "null"]: the value is branch 0, and null takes the default
        base(w, v === null || v === undefined ? dflt : v);
      };
    }
    return (w, v) => {
      if (v === null || v === undefined) {
        w.byte(0);
        return;
      }
      w.byte(2); // zig-zag of branch index 1
      base(w, v);
    };
  }
  if (hasDefault) return (w, v) => base(w, v === null || v === undefined ? dflt : v);
  return (w, v) => {
    if (v === null || v === undefined) {
      throw new DataError(
        `Conversion error: null value for field that is required and has no default value${path === '' ? '' : ` (field ${path})`}`,
      );
    }
    base(w, v);
  };
}

function baseEncoder(schema: Schema, path: string, enums: boolean): Encode {
  switch (schema.name) {
    case Decimal.LOGICAL_NAME:
      return (w, v) => {
        if (!(v instanceof BigDecimal)) throw wrong('BigDecimal', v, path);
        w.bytes(Decimal.fromLogical(schema, v));
      };
    case ConnectDate.LOGICAL_NAME:
      return (w, v) => {
        if (!(v instanceof Date)) throw wrong('Date', v, path);
        w.long(ConnectDate.fromLogical(schema, v));
      };
    case Time.LOGICAL_NAME:
      return (w, v) => {
        if (!(v instanceof Date)) throw wrong('Date', v, path);
        w.long(Time.fromLogical(schema, v));
      };
    case Timestamp.LOGICAL_NAME:
      return (w, v) => {
        if (!(v instanceof Date)) throw wrong('Date', v, path);
        const ms = v.getTime();
        if (Number.isNaN(ms)) throw new DataError(`Invalid Date${path === '' ? '' : ` (field ${path})`}`);
        w.long(ms);
      };
  }
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32': {
      const t = schema.type;
      const [min, max] =
        t === 'INT8' ? [-128, 127] : t === 'INT16' ? [-32768, 32767] : [-2147483648, 2147483647];
      return (w, v) => {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw wrong(t, v, path);
        w.long(v);
      };
    }
    case 'INT64':
      return (w, v) => {
        if (typeof v === 'number') {
          if (!Number.isInteger(v)) throw wrong('INT64', v, path);
          if (Number.isSafeInteger(v)) w.long(v);
          else w.bigLong(BigInt(v));
        } else if (typeof v === 'bigint') {
          if (v < -(2n ** 63n) || v >= 2n ** 63n) throw wrong('INT64', v, path);
          w.bigLong(v);
        } else {
          throw wrong('INT64', v, path);
        }
      };
    case 'FLOAT32':
      return (w, v) => {
        if (typeof v !== 'number') throw wrong('FLOAT32', v, path);
        w.float(v);
      };
    case 'FLOAT64':
      return (w, v) => {
        if (typeof v !== 'number') throw wrong('FLOAT64', v, path);
        w.double(v);
      };
    case 'BOOLEAN':
      return (w, v) => {
        if (typeof v !== 'boolean') throw wrong('BOOLEAN', v, path);
        w.byte(v ? 1 : 0);
      };
    case 'STRING': {
      const params = schema.parameters;
      if (enums && params?.[ENUM_PARAM] !== undefined) {
        // enhanced.avro.schema.support: an Avro enum, written as the symbol's index.
        const symbols = Object.entries(params)
          .filter(([k]) => k.startsWith(`${ENUM_PARAM}.`))
          .map(([, v]) => v);
        const index = new Map(symbols.map((sym, i) => [sym, i]));
        return (w, v) => {
          const i = typeof v === 'string' ? index.get(v) : undefined;
          if (i === undefined)
            throw new DataError(
              `${String(v)} is not a symbol of the enum ${params[ENUM_PARAM]}${path === '' ? '' : ` (field ${path})`}`,
            );
          w.long(i);
        };
      }
      return (w, v) => {
        if (typeof v !== 'string') throw wrong('STRING', v, path);
        w.string(v);
      };
    }
    case 'BYTES':
      return (w, v) => {
        if (!(v instanceof Uint8Array)) throw wrong('BYTES', v, path);
        w.bytes(v);
      };
    case 'ARRAY': {
      const item = compileAvroEncoder(schema.valueSchema!, `${path}[]`, enums);
      return (w, v) => {
        if (!Array.isArray(v)) throw wrong('ARRAY', v, path);
        if (v.length > 0) {
          w.long(v.length);
          for (let i = 0; i < v.length; i++) item(w, v[i]);
        }
        w.byte(0);
      };
    }
    case 'MAP': {
      const keySchema = schema.keySchema!;
      const key = compileAvroEncoder(keySchema, `${path}.key`, enums);
      const value = compileAvroEncoder(schema.valueSchema!, `${path}.value`, enums);
      const stringKeys = keySchema.type === 'STRING' && !keySchema.isOptional;
      return (w, v) => {
        let size: number;
        if (v instanceof Map) size = v.size;
        else if (isPlainObject(v)) size = Object.keys(v).length;
        else throw wrong('MAP', v, path);
        if (size > 0) {
          w.long(size);
          for (const [k, x] of mapEntries(v)) {
            if (stringKeys) {
              if (typeof k !== 'string') throw wrong('STRING map key', k, path);
              w.string(k);
            } else {
              key(w, k);
            }
            value(w, x);
          }
        }
        w.byte(0);
      };
    }
    case 'STRUCT': {
      const fields = schema.fields;
      const encoders = fields.map((f) =>
        compileAvroEncoder(f.schema, path === '' ? f.name : `${path}.${f.name}`, enums),
      );
      const n = fields.length;
      return (w, v) => {
        if (!(v instanceof Struct)) throw wrong('Struct', v, path);
        for (let i = 0; i < n; i++) encoders[i]!(w, v.get(fields[i]!));
      };
    }
  }
}
