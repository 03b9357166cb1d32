import { DataError, type Schema, SchemaAndValue, SchemaBuilder } from '@sluice/api';
import avro from 'avsc';
import { type SchemaRegistryConverterSettings, schemaRegistryConverterConfigDef } from '../config.ts';
import { type ConverterFormat, SchemaRegistryConverter } from '../converter-base.ts';
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

const AVRO_FORMAT: ConverterFormat = {
  className: 'AvroConverter',
  label: 'Avro',
  schemaType: 'AVRO',
  typeName: 'Avro',
  minLength: 5,
  schemalessNote: "; schemaless values are not supported by Sluice's AvroConverter yet",
  magicByteNote: ' (the data was not written with a Schema Registry serializer)',
  retrievalNamesFormat: true,
  missingVersionHint: true,
  boundedCaches: true,
};

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
export class AvroConverter extends SchemaRegistryConverter<WriterEntry, ReaderEntry> {
  static readonly javaClass = 'io.confluent.connect.avro.AvroConverter';
  #options: AvroDataOptions = {
    connectMetaData: true,
    enhancedSchemaSupport: false,
    scrubInvalidNames: false,
  };
  #scratch = Buffer.alloc(64 * 1024);
  readonly #writer_ = new AvroWriter();

  constructor() {
    super(AVRO_FORMAT, schemaRegistryConverterConfigDef());
  }

  protected configureFormat(settings: SchemaRegistryConverterSettings): void {
    this.#options = {
      connectMetaData: settings.connectMetaData,
      enhancedSchemaSupport: settings.enhancedSchemaSupport,
      scrubInvalidNames: settings.scrubInvalidNames,
    };
  }

  protected encode(topic: string, schema: Schema, value: unknown): Uint8Array {
    const entry = this.#writer(schema);
    const subject = this.subjectFor(topic, entry.recordName);
    const target = this.perSubject(entry.bySubject, subject, () => this.#resolveId(subject, entry));
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

  protected decode(topic: string, buf: Buffer, id: number): SchemaAndValue {
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

  #writer(schema: Schema): WriterEntry {
    return this.writerFor(schema, () => {
      const avroJson = fromConnectSchema(schema, this.#options);
      const text = JSON.stringify(avroJson);
      return {
        key: text,
        build: () => {
          let types: AvscTypes;
          try {
            types = new AvscTypes(avroJson);
          } catch (err) {
            throw new DataError(
              `The Avro schema for ${schema.name ?? schema.type} is not valid Avro: ${(err as Error).message}`,
            );
          }
          return {
            avroJson,
            text,
            types,
            toAvro: compileToAvro(schema),
            encode: compileAvroEncoder(schema, '', this.#options.enhancedSchemaSupport),
            recordName: recordNameOf(avroJson),
            bySubject: new Map(),
          };
        },
      };
    });
  }

  #resolveId(subject: string, entry: WriterEntry): { id: number; types: AvscTypes } {
    const settings = this.settings;
    return this.withRegistryWrite(subject, () => {
      if (settings.useLatestVersion && !settings.autoRegister) {
        const latest = this.client.latest(subject);
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
      return { id: this.registerOrLookup(subject, entry.text), types: entry.types };
    });
  }

  #reader(id: number, topic: string): ReaderEntry {
    return this.readerFor(id, () => {
      const { text } = this.fetchSchema(id, topic);
      const json = JSON.parse(text) as AvroJson;
      let schema = toConnectSchema(json, this.#options);
      // As Confluent's converter: a schema without connect.version gets the registry's version of
      // it under the topic's subject.
      if (schema.version === null) {
        const version = this.registeredVersion(this.subjectFor(topic, recordNameOf(json)), text);
        if (version !== null) schema = withVersion(schema, version);
      }
      return {
        types: new AvscTypes(json),
        schema,
        fromAvro: compileFromAvro(schema, hasGeneralUnion(json)),
      };
    });
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
