import {
  AbstractConfig,
  CaseInsensitiveValidString,
  ConfigDef,
  DataError,
  type Schema,
  SchemaAndValue,
} from '@sluice/api';
import { DataHeaderConverter } from '../data-header-converter.ts';
import { ByteWriter } from './json-bytes.ts';
import { compileDecoder, type Decode, decodeSchemaless, toConnectSchema } from './json-decoder.ts';
import {
  type CompiledEncoder,
  compileEncoder,
  type EncodeOptions,
  encodeSchemaless,
} from './json-encoder.ts';
import { mayLosePrecision, parseJson } from './json-text.ts';

const ENVELOPE_PREFIX = '{"schema":';
const PAYLOAD_SEPARATOR = ',"payload":';

/** A compiled schema as the converter caches it, with the envelope's head when schemas are enabled. */
interface EncoderEntry {
  readonly compiled: CompiledEncoder;
  /** `{"schema":<schema JSON>,"payload":` as UTF-8, computed once; null with `schemas.enable=false`. */
  readonly envelopeHead: Uint8Array | null;
}

/** JsonConverter's configuration (`JsonConverterConfig`), with Kafka's keys, defaults and documentation. */
export const JSON_CONVERTER_CONFIG: ConfigDef = new ConfigDef()
  .define({
    name: 'converter.type',
    type: 'STRING',
    validator: CaseInsensitiveValidString.in('key', 'value', 'header'),
    importance: 'LOW',
    documentation: 'How this converter will be used.',
  })
  .define({
    name: 'schemas.enable',
    type: 'BOOLEAN',
    defaultValue: true,
    importance: 'HIGH',
    documentation: 'Include schemas within each of the serialized values and keys.',
    group: 'Schemas',
    orderInGroup: 0,
    width: 'MEDIUM',
    displayName: 'Enable Schemas',
  })
  .define({
    name: 'schemas.cache.size',
    type: 'INT',
    defaultValue: 1000,
    importance: 'HIGH',
    documentation: 'The maximum number of schemas that can be cached in this converter instance.',
    group: 'Schemas',
    orderInGroup: 1,
    width: 'MEDIUM',
    displayName: 'Schema Cache Size',
  })
  .define({
    name: 'decimal.format',
    type: 'STRING',
    defaultValue: 'BASE64',
    validator: CaseInsensitiveValidString.in('BASE64', 'NUMERIC'),
    importance: 'LOW',
    documentation:
      "Controls which format this converter will serialize decimals in. This value is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
    group: 'Serialization',
    orderInGroup: 0,
    width: 'MEDIUM',
    displayName: 'Decimal Format',
  })
  .define({
    name: 'replace.null.with.default',
    type: 'BOOLEAN',
    defaultValue: true,
    importance: 'LOW',
    documentation:
      'Whether to replace fields that have a default value and that are null to the default value. When set to true, the default value is used, otherwise null is used.',
    group: 'Serialization',
    orderInGroup: 1,
    width: 'MEDIUM',
    displayName: 'Replace null with default',
  });

/**
 * Kafka Connect's JsonConverter (`org.apache.kafka.connect.json.JsonConverter`), byte-compatible
 * with Kafka's: with `schemas.enable=true` every message is `{"schema":…,"payload":…}`, with the
 * schema in Kafka's JSON form; with `false` it is the bare value. Also a HeaderConverter.
 *
 * Schemas are compiled once into encoders/decoders and cached (`schemas.cache.size` per direction).
 * Where Kafka silently coerces a JSON value that does not match the schema (text read as an
 * int32 becomes 0), this converter raises a DataError naming the field instead.
 */
export class JsonConverter extends DataHeaderConverter {
  static readonly javaClass = 'org.apache.kafka.connect.json.JsonConverter';
  #schemasEnabled = true;
  #options: EncodeOptions = { decimalFormat: 'BASE64', replaceNullWithDefault: true };
  #cacheSize = 1000;
  #encoders = new WeakMap<Schema, EncoderEntry>();
  #encodersByJson = new LruCache<string, EncoderEntry>(1000);
  /** Scratch that values with a schema are encoded into; each record gets a copy of its bytes. */
  readonly #out = new ByteWriter();
  #decoders = new LruCache<string, { schema: Schema | null; decode: Decode | null }>(1000);

  configure(configs: Readonly<Record<string, unknown>>, isKey = false): void {
    const config = new AbstractConfig(JSON_CONVERTER_CONFIG, {
      'converter.type': isKey ? 'key' : 'value',
      ...configs,
    });
    this.#schemasEnabled = config.getBoolean('schemas.enable')!;
    this.#cacheSize = config.getInt('schemas.cache.size')!;
    this.#options = {
      decimalFormat: config.getString('decimal.format')!.toUpperCase() as 'BASE64' | 'NUMERIC',
      replaceNullWithDefault: config.getBoolean('replace.null.with.default')!,
    };
    this.#encoders = new WeakMap();
    this.#encodersByJson = new LruCache(this.#cacheSize);
    this.#decoders = new LruCache(this.#cacheSize);
  }

  config(): ConfigDef {
    return JSON_CONVERTER_CONFIG;
  }

  get schemasEnabled(): boolean {
    return this.#schemasEnabled;
  }

  fromConnectData(_topic: string, schema: Schema | null, value: unknown): Uint8Array | null {
    if (schema === null) {
      if (value === null || value === undefined) return null;
      const payload = encodeSchemaless(value, this.#options, (s) =>
        this.#encoder(s.schema).compiled.encode(s),
      );
      const text = this.#schemasEnabled ? `${ENVELOPE_PREFIX}null${PAYLOAD_SEPARATOR}${payload}}` : payload;
      return Buffer.from(text, 'utf8');
    }
    // With a schema the value is written straight to bytes (see ByteWriter). reset() first, so a
    // previous record whose encoding threw midway leaves nothing behind; take() returns a copy.
    const entry = this.#encoder(schema);
    const out = this.#out;
    out.reset();
    if (entry.envelopeHead !== null) out.raw(entry.envelopeHead);
    entry.compiled.write(out, value);
    if (entry.envelopeHead !== null) out.byte(125); // }
    return out.take();
  }

  toConnectData(_topic: string, value: Uint8Array | null): SchemaAndValue {
    if (value === null || value === undefined) return SchemaAndValue.NULL;
    const text = Buffer.isBuffer(value)
      ? value.toString('utf8')
      : Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8');
    if (!this.#schemasEnabled) {
      const lossless = mayLosePrecision(text);
      const json = parseJson(text, lossless);
      return new SchemaAndValue(null, lossless ? decodeSchemaless(json) : json);
    }
    return this.#fastEnvelope(text) ?? this.#slowEnvelope(text);
  }

  /** The schema in Kafka's JSON form, as this converter writes it in the envelope. */
  asJsonSchema(schema: Schema): string {
    return this.#encoder(schema).compiled.schemaJson;
  }

  /** Parses a schema in Kafka's JSON form. */
  asConnectSchema(json: string): Schema | null {
    return toConnectSchema(parseJson(json), this.#options.replaceNullWithDefault);
  }

  #encoder(schema: Schema): EncoderEntry {
    let entry = this.#encoders.get(schema);
    if (entry === undefined) {
      // An equal schema seen before (e.g. rebuilt per record by a transform) reuses its compiled form.
      const fresh = compileEncoder(schema, this.#options);
      entry = this.#encodersByJson.get(fresh.schemaJson) ?? {
        compiled: fresh,
        envelopeHead: this.#schemasEnabled
          ? Buffer.from(`${ENVELOPE_PREFIX}${fresh.schemaJson}${PAYLOAD_SEPARATOR}`, 'utf8')
          : null,
      };
      this.#encodersByJson.set(fresh.schemaJson, entry);
      this.#encoders.set(schema, entry);
    }
    return entry;
  }

  /**
   * The common case: Kafka's own envelope layout, `{"schema":S,"payload":P}` with no whitespace.
   * The schema text S is the cache key, so a cached schema is neither parsed nor rebuilt. S is
   * accepted only if it parses as one complete JSON value, which proves the separator found is
   * the envelope's own. Returns undefined to fall back to a full parse.
   */
  #fastEnvelope(text: string): SchemaAndValue | undefined {
    if (!text.startsWith(ENVELOPE_PREFIX) || text.charCodeAt(text.length - 1) !== 125 /* } */)
      return undefined;
    const sep = text.indexOf(PAYLOAD_SEPARATOR, ENVELOPE_PREFIX.length);
    if (sep < 0) return undefined;
    const key = text.slice(ENVELOPE_PREFIX.length, sep);
    let entry = this.#decoders.get(key);
    if (entry === undefined) {
      let schemaJson: unknown;
      try {
        schemaJson = JSON.parse(key);
      } catch {
        return undefined;
      }
      entry = this.#compileDecoder(schemaJson);
      this.#decoders.set(key, entry);
    }
    const payloadText = text.slice(sep + PAYLOAD_SEPARATOR.length, text.length - 1);
    const lossless = mayLosePrecision(payloadText);
    let payload: unknown;
    try {
      payload = parseJson(payloadText, lossless);
    } catch {
      return undefined;
    }
    return this.#decodePayload(entry, payload, lossless);
  }

  #slowEnvelope(text: string): SchemaAndValue {
    const lossless = mayLosePrecision(text);
    const json = parseJson(text, lossless);
    if (
      json === null ||
      typeof json !== 'object' ||
      Array.isArray(json) ||
      Object.keys(json).length !== 2 ||
      !Object.hasOwn(json, 'schema') ||
      !Object.hasOwn(json, 'payload')
    ) {
      throw new DataError(
        'JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields.' +
          ' If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.',
      );
    }
    const envelope = json as { schema: unknown; payload: unknown };
    const key = JSON.stringify(envelope.schema);
    let entry = this.#decoders.get(key);
    if (entry === undefined) {
      entry = this.#compileDecoder(envelope.schema);
      this.#decoders.set(key, entry);
    }
    return this.#decodePayload(entry, envelope.payload, lossless);
  }

  #compileDecoder(schemaJson: unknown): { schema: Schema | null; decode: Decode | null } {
    const schema = toConnectSchema(schemaJson, this.#options.replaceNullWithDefault);
    return {
      schema,
      decode: schema === null ? null : compileDecoder(schema, this.#options.replaceNullWithDefault),
    };
  }

  #decodePayload(
    entry: { schema: Schema | null; decode: Decode | null },
    payload: unknown,
    lossless: boolean,
  ): SchemaAndValue {
    if (entry.decode === null)
      return new SchemaAndValue(null, lossless ? decodeSchemaless(payload) : payload);
    return new SchemaAndValue(entry.schema, entry.decode(payload));
  }
}

/** A small LRU map: a hit moves the key to the most-recent end. */
class LruCache<K, V> {
  readonly #max: number;
  readonly #map = new Map<K, V>();
  #lastKey: K | undefined;
  #lastValue: V | undefined;

  constructor(max: number) {
    this.#max = max;
  }

  get(key: K): V | undefined {
    // Consecutive records usually share a schema: comparing with the last key is cheaper than
    // hashing a long schema text that is a fresh string for every record.
    if (key === this.#lastKey) return this.#lastValue;
    const v = this.#map.get(key);
    if (v !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, v);
      this.#lastKey = key;
      this.#lastValue = v;
    }
    return v;
  }

  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    this.#lastKey = key;
    this.#lastValue = value;
    if (this.#map.size > this.#max) {
      const oldest = this.#map.keys().next().value as K;
      this.#map.delete(oldest);
      if (oldest === key) {
        this.#lastKey = undefined;
        this.#lastValue = undefined;
      }
    }
  }
}
