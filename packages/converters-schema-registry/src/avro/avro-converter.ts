import {
  type ConfigDef,
  ConnectError,
  DataError,
  type HeaderConverter,
  type Schema,
  SchemaAndValue,
  SchemaBuilder,
} from '@sluice/api';
import avro from 'avsc';
import { RegistryClientError, SchemaRegistryClient } from '../client/registry-client.ts';
import {
  readConverterSettings,
  type SchemaRegistryConverterSettings,
  schemaRegistryConverterConfigDef,
  subjectName,
} from '../config.ts';
import { AvroWriter, compileAvroEncoder, type Encode } from './avro-binary.ts';
import {
  type AvroDataOptions,
  type AvroJson,
  fromConnectSchema,
  hasGeneralUnion,
  toConnectSchema,
} from './avro-data.ts';
import { type Convert, compileFromAvro, compileToAvro } from './avro-values.ts';

const MAGIC_BYTE = 0;

/** avsc's `long` as JavaScript bigint on reading (every 64-bit value exact), number or bigint on writing. */
const LONG_TYPE = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(0),
  toBuffer: (n: number | bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n), 0);
    return buf;
  },
  fromJSON: (n: number | string) => BigInt(n),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint' || (typeof n === 'number' && Number.isInteger(n)),
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

/**
 * Parses an Avro schema for encoding/decoding; unions unwrapped (Connect only has [null, T]).
 * `exactLongs`: longs as bigint (every 64-bit value); otherwise avsc's own long (numbers, faster,
 * throwing beyond 2^53, when the converter retries with the exact type).
 */
export function avscType(schema: AvroJson, exactLongs = true): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, {
    registry: exactLongs ? { long: LONG_TYPE } : {},
    // Unions other than [null, T] need wrapped values ({"string": "x"}) to keep their branch.
    wrapUnions: hasGeneralUnion(schema) ? 'always' : 'never',
  });
}

/** The two avsc types of one schema: the fast one and the exact-long one (made when first needed). */
class AvscTypes {
  readonly fast: avro.Type;
  readonly #json: AvroJson;
  #exact: avro.Type | null = null;
  constructor(json: AvroJson) {
    this.#json = json;
    this.fast = avscType(json, false);
  }
  get exact(): avro.Type {
    this.#exact ??= avscType(this.#json, true);
    return this.#exact;
  }
}

/** What the converter keeps per Connect schema it writes. */
interface WriterEntry {
  readonly avroJson: AvroJson;
  readonly text: string;
  readonly types: AvscTypes;
  readonly toAvro: Convert;
  /** Writes the value's Avro binary encoding directly (for this entry's own schema). */
  readonly encode: Encode;
  /** The Avro full name (records) or type name, for the record-name subject strategies. */
  readonly recordName: string;
  /** Schema id (and the type to encode with, under use.latest.version) per subject. */
  readonly bySubject: Map<string, { id: number; types: AvscTypes }>;
}

interface ReaderEntry {
  readonly types: AvscTypes;
  readonly schema: Schema;
  readonly fromAvro: Convert;
}

class Lru<K, V> {
  readonly #map = new Map<K, V>();
  readonly #max: number;
  constructor(max: number) {
    this.#max = Math.max(1, max);
  }
  get(key: K): V | undefined {
    return this.#map.get(key);
  }
  set(key: K, value: V): void {
    if (this.#map.size >= this.#max) this.#map.delete(this.#map.keys().next().value as K);
    this.#map.set(key, value);
  }
}

function recordNameOf(json: AvroJson): string {
  if (typeof json === 'string') return json;
  if (Array.isArray(json)) return 'union';
  const t = json.type;
  if ((t === 'record' || t === 'enum' || t === 'fixed') && typeof json.name === 'string') {
    const name = json.name;
    return name.includes('.') || typeof json.namespace !== 'string' ? name : `${json.namespace}.${name}`;
  }
  return typeof t === 'string' ? t : 'unknown';
}

/**
 * Confluent's AvroConverter (`io.confluent.connect.avro.AvroConverter`): Connect data as Avro
 * binary in Confluent's wire format (magic byte 0, the schema's registry id as a 4-byte
 * big-endian int, then the Avro encoding), with schemas registered under the subject the
 * configured strategy names, and Confluent's Connect↔Avro mapping (see avro-data.ts).
 *
 * Schemas, ids and compiled types are cached per schema and per id: in the steady state no
 * request reaches the registry. Also usable as a header converter.
 */
export class AvroConverter implements HeaderConverter {
  static readonly javaClass = 'io.confluent.connect.avro.AvroConverter';
  #settings: SchemaRegistryConverterSettings | null = null;
  #client: SchemaRegistryClient | null = null;
  #isKey = false;
  #options: AvroDataOptions = {
    connectMetaData: true,
    enhancedSchemaSupport: false,
    scrubInvalidNames: false,
  };
  #writers = new WeakMap<Schema, WriterEntry>();
  #writersByText = new Lru<string, WriterEntry>(1000);
  #readers = new Lru<number, ReaderEntry>(1000);
  #scratch = Buffer.alloc(64 * 1024);
  readonly #writer_ = new AvroWriter();
  readonly #def = schemaRegistryConverterConfigDef();

  configure(configs: Readonly<Record<string, unknown>>, isKey = false): void {
    const settings = readConverterSettings(this.#def, configs, isKey);
    this.#settings = settings;
    this.#isKey = isKey;
    this.#client?.close();
    this.#client = new SchemaRegistryClient(settings.client, settings.maxSchemasPerSubject);
    this.#options = {
      connectMetaData: settings.connectMetaData,
      enhancedSchemaSupport: settings.enhancedSchemaSupport,
      scrubInvalidNames: settings.scrubInvalidNames,
    };
    this.#writers = new WeakMap();
    this.#writersByText = new Lru(settings.cacheSize);
    this.#readers = new Lru(settings.cacheSize);
  }

  config(): ConfigDef {
    return this.#def;
  }

  /** Requests this converter's client has sent to the registry (for tests and benchmarks). */
  get registryRequests(): number {
    return this.#client?.requests ?? 0;
  }

  fromConnectData(topic: string, schema: Schema | null, value: unknown): Uint8Array | null {
    const settings = this.#configured();
    if (value === null || value === undefined) return null;
    if (schema === null) {
      throw new DataError(
        `AvroConverter needs a schema for the data written to topic ${topic}; schemaless values are not supported by Sluice's AvroConverter yet`,
      );
    }
    const entry = this.#writer(schema);
    const subject = subjectName(settings.subjectStrategy, topic, this.#isKey, entry.recordName);
    let target = entry.bySubject.get(subject);
    if (target === undefined) {
      target = this.#resolveId(subject, entry);
      entry.bySubject.set(subject, target);
    }
    if (target.types === entry.types) {
      // The data's own schema: straight from Connect values to bytes.
      const w = this.#writer_;
      w.pos = 0;
      w.byte(MAGIC_BYTE);
      w.ensure(4);
      w.buf.writeInt32BE(target.id, 1);
      w.pos = 5;
      entry.encode(w, value);
      const out = Buffer.allocUnsafe(w.pos);
      w.buf.copy(out, 0, 0, w.pos);
      return out;
    }
    // use.latest.version: the registered latest schema may differ; encode with it through avsc.
    return this.#encode(target.id, target.types, entry.toAvro(value), topic);
  }

  toConnectData(topic: string, value: Uint8Array | null): SchemaAndValue {
    this.#configured();
    if (value === null || value === undefined) return SchemaAndValue.NULL;
    if (value.length < 5 || value[0] !== MAGIC_BYTE) {
      throw new DataError(
        `Failed to deserialize data for topic ${topic} to Avro: Unknown magic byte! (the data was not written with a Schema Registry serializer)`,
      );
    }
    const buf = Buffer.isBuffer(value)
      ? value
      : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const id = buf.readInt32BE(1);
    const reader = this.#reader(id, topic);
    let decoded: { value: unknown; offset: number };
    try {
      try {
        decoded = reader.types.fast.decode(buf, 5) as { value: unknown; offset: number };
      } catch {
        decoded = reader.types.exact.decode(buf, 5) as { value: unknown; offset: number };
      }
    } catch (err) {
      throw new DataError(
        `Failed to deserialize data for topic ${topic} to Avro (schema id ${id}): ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    if (decoded.offset < 0) {
      throw new DataError(
        `Failed to deserialize data for topic ${topic} to Avro (schema id ${id}): the data is truncated`,
      );
    }
    return new SchemaAndValue(reader.schema, reader.fromAvro(decoded.value));
  }

  fromConnectHeader(
    topic: string,
    _headerKey: string,
    schema: Schema | null,
    value: unknown,
  ): Uint8Array | null {
    return this.fromConnectData(topic, schema, value);
  }

  toConnectHeader(topic: string, _headerKey: string, value: Uint8Array | null): SchemaAndValue {
    return this.toConnectData(topic, value);
  }

  close(): void {
    this.#client?.close();
  }

  #configured(): SchemaRegistryConverterSettings {
    if (this.#settings === null) throw new ConnectError('AvroConverter used before configure()');
    return this.#settings;
  }

  #writer(schema: Schema): WriterEntry {
    let entry = this.#writers.get(schema);
    if (entry !== undefined) return entry;
    const avroJson = fromConnectSchema(schema, this.#options);
    const text = JSON.stringify(avroJson);
    entry = this.#writersByText.get(text);
    if (entry === undefined) {
      let types: AvscTypes;
      try {
        types = new AvscTypes(avroJson);
      } catch (err) {
        throw new DataError(
          `The Avro schema for ${schema.name ?? schema.type} is not valid Avro: ${(err as Error).message}`,
        );
      }
      entry = {
        avroJson,
        text,
        types,
        toAvro: compileToAvro(schema),
        encode: compileAvroEncoder(schema, '', this.#options.enhancedSchemaSupport),
        recordName: recordNameOf(avroJson),
        bySubject: new Map(),
      };
      this.#writersByText.set(text, entry);
    }
    this.#writers.set(schema, entry);
    return entry;
  }

  #resolveId(subject: string, entry: WriterEntry): { id: number; types: AvscTypes } {
    const settings = this.#settings!;
    const client = this.#client!;
    const schemaText = { schema: entry.text, schemaType: 'AVRO' as const, references: [] };
    try {
      if (settings.useLatestVersion && !settings.autoRegister) {
        const latest = client.latest(subject);
        const latestTypes = new AvscTypes(JSON.parse(latest.schema) as AvroJson);
        if (settings.latestCompatibilityStrict) {
          try {
            latestTypes.fast.createResolver(entry.types.fast);
          } catch (err) {
            throw new DataError(
              `Schema of the data is not compatible with the latest version ${latest.version} of subject ${subject} (latest.compatibility.strict=true): ${(err as Error).message}`,
            );
          }
        }
        return { id: latest.id, types: latestTypes };
      }
      const id = settings.autoRegister
        ? client.register(subject, schemaText, settings.normalize)
        : client.lookup(subject, schemaText, settings.normalize);
      return { id, types: entry.types };
    } catch (err) {
      if (!(err instanceof RegistryClientError)) throw err;
      if (err.status === 409) {
        throw new ConnectError(
          `Failed to register the Avro schema for subject ${subject}: the registry refused it as incompatible with an earlier version (${err.message})`,
          { cause: err },
        );
      }
      if (err.status === 401 || err.status === 403) throw err;
      if (err.errorCode === 40401 || err.errorCode === 40403) {
        throw new DataError(
          `Subject ${subject} has no version with this schema and auto.register.schemas=false: register the schema first, or set auto.register.schemas=true (${err.message})`,
          { cause: err },
        );
      }
      throw new DataError(
        `Failed to register or look up the Avro schema for subject ${subject}: ${err.message}`,
        {
          cause: err,
        },
      );
    }
  }

  #reader(id: number, topic: string): ReaderEntry {
    const cached = this.#readers.get(id);
    if (cached !== undefined) return cached;
    const client = this.#client!;
    let text: string;
    try {
      const s = client.schemaById(id);
      if (s.schemaType !== 'AVRO')
        throw new DataError(`Schema id ${id} is a ${s.schemaType} schema, not Avro`);
      text = s.schema;
    } catch (err) {
      if (err instanceof RegistryClientError && (err.status === 401 || err.status === 403)) throw err;
      if (err instanceof RegistryClientError) {
        throw new DataError(
          `Failed to deserialize data for topic ${topic} to Avro: Error retrieving Avro schema for id ${id}: ${err.message}`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
    const json = JSON.parse(text) as AvroJson;
    let schema = toConnectSchema(json, this.#options);
    // As Confluent's converter: a schema without connect.version gets the registry's version of
    // it under the topic's subject.
    if (schema.version === null) {
      const subject = subjectName(this.#settings!.subjectStrategy, topic, this.#isKey, recordNameOf(json));
      try {
        const version = this.#versionOf(subject, text);
        if (version !== null) schema = withVersion(schema, version);
      } catch (err) {
        if (!(err instanceof RegistryClientError)) throw err;
      }
    }
    const entry = {
      types: new AvscTypes(json),
      schema,
      fromAvro: compileFromAvro(schema, hasGeneralUnion(json)),
    };
    this.#readers.set(id, entry);
    return entry;
  }

  #versionOf(subject: string, text: string): number | null {
    const client = this.#client!;
    // A lookup that includes soft-deleted versions, as Confluent's deserializer does.
    const v = client.lookupVersion(subject, { schema: text, schemaType: 'AVRO', references: [] });
    return v;
  }

  #encode(id: number, types: AvscTypes, avroValue: unknown, topic: string): Uint8Array {
    for (;;) {
      const buf = this.#scratch;
      buf[0] = MAGIC_BYTE;
      buf.writeInt32BE(id, 1);
      let end: number;
      try {
        try {
          end = types.fast.encode(avroValue, buf, 5);
        } catch {
          end = types.exact.encode(avroValue, buf, 5); // a long beyond 2^53
        }
      } catch (err) {
        throw new DataError(`Failed to serialize Avro data from topic ${topic}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      if (end >= 0) {
        const out = Buffer.allocUnsafe(end); // from Node's pool: cheap for small records
        buf.copy(out, 0, 0, end);
        return out;
      }
      this.#scratch = Buffer.alloc(Math.max(buf.length * 2, -end + 5));
    }
  }
}

function withVersion(schema: Schema, version: number): Schema {
  const b = new SchemaBuilder(schema.type, schema.keySchema, schema.valueSchema);
  if (schema.isOptional) b.optional();
  if (schema.name !== null) b.name(schema.name);
  b.version(version);
  if (schema.doc !== null) b.doc(schema.doc);
  if (schema.parameters !== null) b.parameters(schema.parameters);
  if (schema.type === 'STRUCT') for (const f of schema.fields) b.field(f.name, f.schema);
  if (schema.defaultValue !== null) b.defaultValue(schema.defaultValue);
  return b.build();
}
