import {
  BigDecimal,
  ConfigDef,
  ConfigError,
  DataError,
  isMapValue,
  mapEntries,
  Schema,
  SchemaAndValue,
  Struct,
  Values,
} from '@sluice/api';
import { type Charset, charsetForName, UTF8 } from './charset.ts';
import { converterType, newConverterConfigDef, withConverterType } from './converter-config.ts';
import { DataHeaderConverter } from './data-header-converter.ts';

/** `converter.encoding` (Kafka's `StringConverterConfig.ENCODING_CONFIG`). */
export const ENCODING_CONFIG = 'converter.encoding';

const CONFIG_DEF: ConfigDef = new ConfigDef(newConverterConfigDef()).define({
  name: ENCODING_CONFIG,
  type: 'STRING',
  defaultValue: 'UTF-8',
  importance: 'HIGH',
  documentation: 'The name of the Java character set to use for encoding strings as byte arrays.',
  width: 'MEDIUM',
  displayName: 'Encoding',
});

/**
 * Kafka Connect's StringConverter (`org.apache.kafka.connect.storage.StringConverter`): writes
 * the value's string form in `converter.encoding` (default UTF-8) and reads bytes back as an
 * optional STRING. Also a HeaderConverter. Topic names and header keys are ignored.
 *
 * The string form is Java's `toString()` of the value: text as is, numbers as Java prints them
 * (by schema: FLOAT32 with float digits, FLOAT64 as `1.0`), lists `[a, b]`, maps `{k=v, k2=v2}`,
 * structs `Struct{f=v}`, Dates as `Thu Jan 01 00:00:00 UTC 1970`; bytes, which Java would print
 * as an object id, are written as base64.
 */
export class StringConverter extends DataHeaderConverter {
  static readonly javaClass = 'org.apache.kafka.connect.storage.StringConverter';
  static readonly aliases: readonly string[] = ['String'];
  #encoder: Charset = UTF8;
  #decoder: Charset = UTF8;

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  /**
   * Reads `converter.encoding` (a Java charset name: UTF-8, UTF-16, ISO-8859-1, windows-1252, ...)
   * and `converter.type`. As in Kafka, `key.serializer.encoding`/`value.serializer.encoding` (and
   * the `deserializer` pair) override it for the key or value side when given.
   * @throws ConfigError naming the key when an encoding is not supported
   */
  configure(configs: Readonly<Record<string, unknown>>, isKey?: boolean): void {
    const parsed = CONFIG_DEF.parse(withConverterType(configs, isKey));
    const side = converterType(parsed) === 'key' ? 'key' : 'value';
    const encoding = parsed[ENCODING_CONFIG] as string;
    this.#encoder = resolve(configs, `${side}.serializer.encoding`, encoding);
    this.#decoder = resolve(configs, `${side}.deserializer.encoding`, encoding);
  }

  /** The string form of `value` in the configured encoding; null for null. */
  fromConnectData(_topic: string, schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) return null;
    return this.#encoder.encode(javaToString(schema ?? null, value));
  }

  /** An optional STRING; null bytes give a null value. */
  toConnectData(_topic: string, value: Uint8Array | null): SchemaAndValue {
    if (value === null || value === undefined) return NULL_STRING;
    return new SchemaAndValue(Schema.OPTIONAL_STRING_SCHEMA, this.#decoder.decode(value));
  }
}

/** What every null converts to (immutable, so one instance serves: a null key is the common case). */
const NULL_STRING = new SchemaAndValue(Schema.OPTIONAL_STRING_SCHEMA, null);

function resolve(configs: Readonly<Record<string, unknown>>, overrideKey: string, encoding: string): Charset {
  const override = configs[overrideKey];
  const [key, name] = typeof override === 'string' ? [overrideKey, override] : [ENCODING_CONFIG, encoding];
  const charset = charsetForName(name);
  if ('unsupported' in charset) throw ConfigError.invalidValue(key, name, charset.unsupported);
  return charset;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Java's `Date.toString()` in UTC: `EEE MMM dd HH:mm:ss zzz yyyy`. */
function javaDateString(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new DataError('Cannot convert an invalid Date to a string');
  return (
    `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${pad2(d.getUTCDate())} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`
  );
}

/** Java's `String.valueOf(value)` for a Connect value, numbers printed by schema as `Values` does. */
function javaToString(schema: Schema | null, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return value;
  if (
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    typeof value === 'boolean' ||
    value instanceof BigDecimal
  ) {
    return Values.convertToString(schema, value)!;
  }
  if (value instanceof Struct) return value.toString();
  if (value instanceof Date) return javaDateString(value);
  if (value instanceof Uint8Array)
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (Array.isArray(value)) {
    const element = schema?.type === 'ARRAY' ? schema.valueSchema : null;
    return `[${value.map((v) => javaToString(element, v)).join(', ')}]`;
  }
  if (isMapValue(value)) {
    const keys = schema?.type === 'MAP' ? schema.keySchema : null;
    const values = schema?.type === 'MAP' ? schema.valueSchema : null;
    const parts: string[] = [];
    for (const [k, v] of mapEntries(value)) parts.push(`${javaToString(keys, k)}=${javaToString(values, v)}`);
    return `{${parts.join(', ')}}`;
  }
  return String(value);
}
