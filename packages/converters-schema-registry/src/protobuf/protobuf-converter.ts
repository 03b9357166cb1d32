import {
  type ConfigDef,
  ConnectError,
  DataError,
  type HeaderConverter,
  type Schema,
  SchemaAndValue,
  type Struct,
} from '@sluice/api';
import protobuf from 'protobufjs';
import { RegistryClientError, SchemaRegistryClient } from '../client/registry-client.ts';
import {
  readConverterSettings,
  type SchemaRegistryConverterSettings,
  schemaRegistryConverterConfigDef,
  subjectName,
} from '../config.ts';
import {
  fromConnectSchemaProtobuf,
  messageAt,
  messageIndexes,
  type ProtobufDataOptions,
  parseProtobufSchema,
  toConnectRoot,
  toConnectSchemaProtobuf,
  toProtobufObject,
} from './protobuf-data.ts';

const MAGIC_BYTE = 0;

const BOOLEAN_KEYS: readonly [string, boolean, string][] = [
  [
    'enhanced.protobuf.schema.support',
    false,
    'Enable enhanced schema support to preserve package information. May require more memory and CPU.',
  ],
  ['generate.index.for.unions', true, 'Whether to suffix union names with an underscore and an index'],
  ['int.for.enums', false, 'Whether to represent enums as integers'],
  ['optional.for.nullables', false, 'Whether nullable fields should be specified with an optional label'],
  ['generate.struct.for.nulls', false, 'Whether to generate a struct variable for null values'],
  ['wrapper.for.nullables', false, 'Whether nullable fields should use primitive wrapper messages'],
  [
    'wrapper.for.raw.primitives',
    true,
    'Whether a wrapper message should be interpreted as a raw primitive at the root level',
  ],
];

function configDef(): ConfigDef {
  let def = schemaRegistryConverterConfigDef();
  for (const [name, defaultValue, documentation] of BOOLEAN_KEYS) {
    def = def.define({ name, type: 'BOOLEAN', defaultValue, importance: 'LOW', documentation });
  }
  return def;
}

interface WriterEntry {
  readonly text: string;
  readonly fullName: string;
  readonly type: protobuf.Type;
  readonly header: Buffer;
  readonly ids: Map<string, number>;
}

interface ReaderEntry {
  readonly messages: protobuf.Type[];
  readonly byIndexes: Map<string, { schema: Schema; type: protobuf.Type }>;
}

function zigzag(n: number): number {
  return (n << 1) ^ (n >> 31);
}

function writeVarint(out: number[], v: number): void {
  let x = v >>> 0;
  while (x > 0x7f) {
    out.push((x & 0x7f) | 0x80);
    x >>>= 7;
  }
  out.push(x);
}

function nestedTypes(t: protobuf.Type): protobuf.Type[] {
  return t.nestedArray
    .filter((n): n is protobuf.Type => n instanceof protobuf.Type)
    .flatMap((n) => [n, ...nestedTypes(n)]);
}

/** Confluent's message-index list: `[0]` is the single byte 0, otherwise zigzag count then indexes. */
export function encodeMessageIndexes(indexes: readonly number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  const out: number[] = [];
  writeVarint(out, zigzag(indexes.length));
  for (const i of indexes) writeVarint(out, zigzag(i));
  return Buffer.from(out);
}

/** Reads the message-index list at `offset`; answers the indexes and the offset after them. */
export function decodeMessageIndexes(buf: Uint8Array, offset: number): { indexes: number[]; offset: number } {
  let pos = offset;
  const read = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= buf.length) throw new DataError('Invalid message indexes: the data ends inside the list');
      const b = buf[pos++]!;
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) throw new DataError('Invalid message indexes: varint too long');
    }
    return (result >>> 1) ^ -(result & 1);
  };
  const count = read();
  if (count === 0) return { indexes: [0], offset: pos };
  if (count < 0 || count > 100) throw new DataError(`Invalid message indexes: count ${count}`);
  const indexes: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = read();
    if (v < 0) throw new DataError(`Invalid message indexes: negative index ${v}`);
    indexes.push(v);
  }
  return { indexes, offset: pos };
}

/**
 * Confluent's ProtobufConverter (`io.confluent.connect.protobuf.ProtobufConverter`): Connect structs
 * as Protobuf binary after Confluent's header (magic byte 0, 4-byte schema id, message-index list),
 * the proto3 schema made from the Connect schema registered (schemaType PROTOBUF) under the strategy's
 * subject. Schemas, ids and parsed types are cached: no registry request per record.
 */
export class ProtobufConverter implements HeaderConverter {
  static readonly javaClass = 'io.confluent.connect.protobuf.ProtobufConverter';
  #settings: SchemaRegistryConverterSettings | null = null;
  #client: SchemaRegistryClient | null = null;
  #isKey = false;
  #options: ProtobufDataOptions | null = null;
  #writers = new WeakMap<Schema, WriterEntry>();
  #writersByText = new Map<string, WriterEntry>();
  #readers = new Map<number, ReaderEntry>();
  #latestWriters = new Map<string, { id: number; fullName: string; type: protobuf.Type; header: Buffer }>();
  readonly #def = configDef();

  configure(configs: Readonly<Record<string, unknown>>, isKey = false): void {
    const settings = readConverterSettings(this.#def, configs, isKey);
    const bool = (k: string, d: boolean): boolean => {
      const v = configs[k];
      if (v === undefined || v === null || v === '') return d;
      if (typeof v === 'boolean') return v;
      const s = String(v).trim().toLowerCase();
      if (s !== 'true' && s !== 'false') {
        throw new ConnectError(
          `Invalid value ${String(v)} for configuration ${k}: Expected value to be either true or false`,
        );
      }
      return s === 'true';
    };
    this.#options = {
      wrapperForNullables: bool('wrapper.for.nullables', false),
      optionalForNullables: bool('optional.for.nullables', false),
      wrapperForRawPrimitives: bool('wrapper.for.raw.primitives', true),
      generateIndexForUnions: bool('generate.index.for.unions', true),
      intForEnums: bool('int.for.enums', false),
      enhancedSchemaSupport: bool('enhanced.protobuf.schema.support', false),
      scrubInvalidNames: settings.scrubInvalidNames,
    };
    this.#settings = settings;
    this.#isKey = isKey;
    this.#client?.close();
    this.#client = new SchemaRegistryClient(settings.client, settings.maxSchemasPerSubject);
    this.#writers = new WeakMap();
    this.#writersByText = new Map();
    this.#readers = new Map();
    this.#latestWriters = new Map();
  }

  config(): ConfigDef {
    return this.#def;
  }

  get registryRequests(): number {
    return this.#client?.requests ?? 0;
  }

  fromConnectData(topic: string, schema: Schema | null, value: unknown): Uint8Array | null {
    const settings = this.#configured();
    if (value === null || value === undefined) return null;
    if (schema === null) {
      throw new DataError(`ProtobufConverter needs a schema for the data written to topic ${topic}`);
    }
    let entry: { type: protobuf.Type; header: Buffer } = this.#writer(schema);
    const own = entry as WriterEntry;
    const subject = subjectName(settings.subjectStrategy, topic, this.#isKey, own.fullName);
    let id: number;
    if (settings.useLatestVersion && !settings.autoRegister) {
      // The subject's latest schema decides the message, its index list and its field numbers.
      const latest = this.#latestWriter(subject, own.fullName);
      entry = latest;
      id = latest.id;
    } else {
      const known = own.ids.get(subject);
      if (known === undefined) {
        id = this.#resolveId(subject, own.text);
        own.ids.set(subject, id);
      } else id = known;
    }
    let body: Uint8Array;
    try {
      const obj =
        schema.type === 'STRUCT'
          ? toProtobufObject(schema, entry.type, value as Struct)
          : { value: typeof value === 'bigint' ? value.toString() : value };
      body = entry.type.encode(obj).finish();
    } catch (err) {
      if (err instanceof DataError) throw err;
      throw new DataError(`Failed to serialize Protobuf data for topic ${topic}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const out = Buffer.allocUnsafe(5 + entry.header.length + body.length);
    out[0] = MAGIC_BYTE;
    out.writeInt32BE(id, 1);
    entry.header.copy(out, 5);
    out.set(body, 5 + entry.header.length);
    return out;
  }

  toConnectData(topic: string, value: Uint8Array | null): SchemaAndValue {
    this.#configured();
    if (value === null || value === undefined) return SchemaAndValue.NULL;
    if (value.length < 6 || value[0] !== MAGIC_BYTE) {
      throw new DataError(`Failed to deserialize data for topic ${topic} to Protobuf: Unknown magic byte!`);
    }
    const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const id = buf.readInt32BE(1);
    const reader = this.#reader(id, topic);
    let parsed: { indexes: number[]; offset: number };
    try {
      parsed = decodeMessageIndexes(buf, 5);
    } catch (err) {
      throw new DataError(
        `Failed to deserialize data for topic ${topic} to Protobuf (schema id ${id}): ${(err as Error).message}`,
        { cause: err },
      );
    }
    const key = parsed.indexes.join('.');
    let target = reader.byIndexes.get(key);
    if (target === undefined) {
      let type: protobuf.Type;
      try {
        type = messageAt(parsed.indexes, reader.messages);
      } catch (err) {
        throw new DataError(
          `Failed to deserialize data for topic ${topic} to Protobuf (schema id ${id}): ${(err as Error).message}`,
          { cause: err },
        );
      }
      target = { type, schema: toConnectSchemaProtobuf(type, this.#options!) };
      reader.byIndexes.set(key, target);
    }
    let msg: protobuf.Message;
    try {
      msg = target.type.decode(buf.subarray(parsed.offset));
    } catch (err) {
      throw new DataError(
        `Failed to deserialize data for topic ${topic} to Protobuf (schema id ${id}): ${(err as Error).message}`,
        { cause: err },
      );
    }
    return new SchemaAndValue(target.schema, toConnectRoot(target.schema, target.type, msg, this.#options!));
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
    if (this.#settings === null) throw new ConnectError('ProtobufConverter used before configure()');
    return this.#settings;
  }

  #writer(schema: Schema): WriterEntry {
    let entry = this.#writers.get(schema);
    if (entry !== undefined) return entry;
    const proto = fromConnectSchemaProtobuf(schema, this.#options!);
    const cacheKey = `${proto.fullName}\n${proto.text}`;
    entry = this.#writersByText.get(cacheKey);
    if (entry === undefined) {
      const { root, messages } = parseProtobufSchema(proto.text);
      const type = root.lookupType(proto.fullName);
      entry = {
        text: proto.text,
        fullName: proto.fullName,
        type,
        header: encodeMessageIndexes(messageIndexes(type, messages)),
        ids: new Map(),
      };
      this.#writersByText.set(cacheKey, entry);
    }
    this.#writers.set(schema, entry);
    return entry;
  }

  #latestWriter(subject: string, fullName: string): { id: number; type: protobuf.Type; header: Buffer } {
    const cached = this.#latestWriters.get(subject);
    if (cached !== undefined && cached.fullName === fullName) return cached;
    let latest: { id: number; schema: string; schemaType: string };
    try {
      latest = this.#client!.latest(subject);
    } catch (err) {
      if (err instanceof RegistryClientError && err.status !== 401 && err.status !== 403) {
        throw new DataError(
          `Failed to find the latest Protobuf schema of subject ${subject}: ${err.message}`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
    if (latest.schemaType !== 'PROTOBUF') {
      throw new DataError(`The latest schema of subject ${subject} is ${latest.schemaType}, not PROTOBUF`);
    }
    const reader = this.#reader(latest.id, subject);
    const type = reader.messages
      .flatMap((t) => [t, ...nestedTypes(t)])
      .find((t) => t.fullName.replace(/^\./, '') === fullName || t.name === fullName.split('.').pop());
    if (type === undefined) {
      throw new DataError(`The latest schema of subject ${subject} has no message ${fullName}`);
    }
    const entry = {
      id: latest.id,
      fullName,
      type,
      header: encodeMessageIndexes(messageIndexes(type, reader.messages)),
    };
    this.#latestWriters.set(subject, entry);
    return entry;
  }

  #resolveId(subject: string, text: string): number {
    const settings = this.#settings!;
    const client = this.#client!;
    const schemaText = { schema: text, schemaType: 'PROTOBUF' as const, references: [] };
    try {
      if (settings.useLatestVersion && !settings.autoRegister) return client.latest(subject).id;
      return settings.autoRegister
        ? client.register(subject, schemaText, settings.normalize)
        : client.lookup(subject, schemaText, settings.normalize);
    } catch (err) {
      if (!(err instanceof RegistryClientError)) throw err;
      if (err.status === 409) {
        throw new ConnectError(
          `Failed to register the Protobuf schema for subject ${subject}: the registry refused it as incompatible with an earlier version (${err.message})`,
          { cause: err },
        );
      }
      if (err.status === 401 || err.status === 403) throw err;
      throw new DataError(
        `Failed to register or look up the Protobuf schema for subject ${subject}: ${err.message}`,
        { cause: err },
      );
    }
  }

  #reader(id: number, topic: string): ReaderEntry {
    const cached = this.#readers.get(id);
    if (cached !== undefined) return cached;
    const client = this.#client!;
    let text: string;
    const refs: string[] = [];
    try {
      const s = client.schemaById(id);
      if (s.schemaType !== 'PROTOBUF') {
        throw new DataError(`Schema id ${id} is a ${s.schemaType} schema, not PROTOBUF`);
      }
      text = s.schema;
      this.#collectReferences(s.references, refs, new Set());
    } catch (err) {
      if (err instanceof RegistryClientError && (err.status === 401 || err.status === 403)) throw err;
      if (err instanceof RegistryClientError) {
        throw new DataError(
          `Failed to deserialize data for topic ${topic}: Error retrieving Protobuf schema for id ${id}: ${err.message}`,
          { cause: err },
        );
      }
      throw err;
    }
    let parsed: ReturnType<typeof parseProtobufSchema>;
    try {
      parsed = parseProtobufSchema(text, refs);
    } catch (err) {
      throw new DataError(
        `Schema id ${id} is not a Protobuf schema Sluice can read: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    const entry = { messages: parsed.messages, byIndexes: new Map() };
    this.#readers.set(id, entry);
    return entry;
  }

  #collectReferences(
    references: readonly { name: string; subject: string; version: number }[],
    out: string[],
    seen: Set<string>,
  ): void {
    for (const ref of references) {
      const key = `${ref.subject}/${ref.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const v = this.#client!.version(ref.subject, ref.version);
      this.#collectReferences(v.references, out, seen);
      out.push(v.schema);
    }
  }
}
