import {
  CaseInsensitiveValidString,
  type ConfigDef,
  ConnectError,
  DataError,
  type HeaderConverter,
  type Schema,
  SchemaAndValue,
} from '@sluice/api';
import { RegistryClientError, SchemaRegistryClient } from '../client/registry-client.ts';
import {
  readConverterSettings,
  type SchemaRegistryConverterSettings,
  schemaRegistryConverterConfigDef,
  subjectName,
} from '../config.ts';
import {
  compileFromJson,
  compileToJson,
  type FromJson,
  fromConnectSchemaJson,
  type JsonSchema,
  parseJsonExact,
  type ToJson,
  toConnectSchemaJson,
} from './json-schema-data.ts';

const MAGIC_BYTE = 0;

function configDef(): ConfigDef {
  return schemaRegistryConverterConfigDef().define({
    name: 'decimal.format',
    type: 'STRING',
    defaultValue: 'BASE64',
    validator: CaseInsensitiveValidString.in('BASE64', 'NUMERIC'),
    importance: 'LOW',
    documentation:
      "Controls which format this converter will serialize decimals in. This value is case insensitive and can be either 'BASE64' (default) or 'NUMERIC'",
  });
}

interface WriterEntry {
  readonly text: string;
  readonly title: string;
  readonly write: ToJson;
  readonly ids: Map<string, number>;
}

interface ReaderEntry {
  readonly schema: Schema;
  readonly read: FromJson;
}

/**
 * Confluent's JsonSchemaConverter (`io.confluent.connect.json.JsonSchemaConverter`): Connect data
 * as UTF-8 JSON after Confluent's 5-byte header (magic byte 0, schema id), with the JSON Schema
 * made from the Connect schema registered under the strategy's subject (see json-schema-data.ts).
 * Schemas, ids and compiled writers/readers are cached: no registry request per record.
 */
export class JsonSchemaConverter implements HeaderConverter {
  static readonly javaClass = 'io.confluent.connect.json.JsonSchemaConverter';
  #settings: SchemaRegistryConverterSettings | null = null;
  #client: SchemaRegistryClient | null = null;
  #isKey = false;
  #decimalNumeric = false;
  #writers = new WeakMap<Schema, WriterEntry>();
  #writersByText = new Map<string, WriterEntry>();
  #readers = new Map<number, ReaderEntry>();
  readonly #def = configDef();

  configure(configs: Readonly<Record<string, unknown>>, isKey = false): void {
    const settings = readConverterSettings(this.#def, configs, isKey);
    const format = String(configs['decimal.format'] ?? 'BASE64').toUpperCase();
    if (format !== 'BASE64' && format !== 'NUMERIC') {
      throw new ConnectError(`Invalid value ${format} for configuration decimal.format: BASE64 or NUMERIC`);
    }
    this.#decimalNumeric = format === 'NUMERIC';
    this.#settings = settings;
    this.#isKey = isKey;
    this.#client?.close();
    this.#client = new SchemaRegistryClient(settings.client, settings.maxSchemasPerSubject);
    this.#writers = new WeakMap();
    this.#writersByText = new Map();
    this.#readers = new Map();
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
      throw new DataError(`JsonSchemaConverter needs a schema for the data written to topic ${topic}`);
    }
    const entry = this.#writer(schema);
    const subject = subjectName(settings.subjectStrategy, topic, this.#isKey, entry.title);
    let id = entry.ids.get(subject);
    if (id === undefined) {
      id = this.#resolveId(subject, entry.text);
      entry.ids.set(subject, id);
    }
    const parts: string[] = [];
    entry.write(parts, value);
    const body = Buffer.from(parts.join(''), 'utf8');
    const out = Buffer.allocUnsafe(5 + body.length);
    out[0] = MAGIC_BYTE;
    out.writeInt32BE(id, 1);
    body.copy(out, 5);
    return out;
  }

  toConnectData(topic: string, value: Uint8Array | null): SchemaAndValue {
    this.#configured();
    if (value === null || value === undefined) return SchemaAndValue.NULL;
    if (value.length < 5 || value[0] !== MAGIC_BYTE) {
      throw new DataError(`Failed to deserialize data for topic ${topic} to JSON: Unknown magic byte!`);
    }
    const buf = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const id = buf.readInt32BE(1);
    const reader = this.#reader(id, topic);
    let parsed: unknown;
    try {
      parsed = parseJsonExact(buf.toString('utf8', 5));
    } catch (err) {
      throw new DataError(
        `Failed to deserialize data for topic ${topic} to JSON (schema id ${id}): ${(err as Error).message}`,
      );
    }
    return new SchemaAndValue(reader.schema, reader.read(parsed));
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
    if (this.#settings === null) throw new ConnectError('JsonSchemaConverter used before configure()');
    return this.#settings;
  }

  #writer(schema: Schema): WriterEntry {
    let entry = this.#writers.get(schema);
    if (entry !== undefined) return entry;
    const json = fromConnectSchemaJson(schema);
    const text = JSON.stringify(json);
    entry = this.#writersByText.get(text);
    if (entry === undefined) {
      const title = typeof json === 'object' && typeof json.title === 'string' ? json.title : 'object';
      entry = { text, title, write: compileToJson(schema, this.#decimalNumeric), ids: new Map() };
      this.#writersByText.set(text, entry);
    }
    this.#writers.set(schema, entry);
    return entry;
  }

  #resolveId(subject: string, text: string): number {
    const settings = this.#settings!;
    const client = this.#client!;
    const schemaText = { schema: text, schemaType: 'JSON' as const, references: [] };
    try {
      if (settings.useLatestVersion && !settings.autoRegister) return client.latest(subject).id;
      return settings.autoRegister
        ? client.register(subject, schemaText, settings.normalize)
        : client.lookup(subject, schemaText, settings.normalize);
    } catch (err) {
      if (!(err instanceof RegistryClientError)) throw err;
      if (err.status === 409) {
        throw new ConnectError(
          `Failed to register the JSON schema for subject ${subject}: the registry refused it as incompatible with an earlier version (${err.message})`,
          { cause: err },
        );
      }
      if (err.status === 401 || err.status === 403) throw err;
      throw new DataError(
        `Failed to register or look up the JSON schema for subject ${subject}: ${err.message}`,
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
      if (s.schemaType !== 'JSON')
        throw new DataError(`Schema id ${id} is a ${s.schemaType} schema, not JSON`);
      text = s.schema;
    } catch (err) {
      if (err instanceof RegistryClientError && (err.status === 401 || err.status === 403)) throw err;
      if (err instanceof RegistryClientError) {
        throw new DataError(
          `Failed to deserialize data for topic ${topic}: Error retrieving JSON schema for id ${id}: ${err.message}`,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
    const json = JSON.parse(text) as JsonSchema;
    let version: number | null = null;
    if (typeof json === 'object' && json['connect.version'] === undefined) {
      const title = typeof json.title === 'string' ? json.title : 'object';
      const subject = subjectName(this.#settings!.subjectStrategy, topic, this.#isKey, title);
      try {
        version = client.lookupVersion(subject, { schema: text, schemaType: 'JSON', references: [] });
      } catch (err) {
        if (!(err instanceof RegistryClientError)) throw err;
      }
    }
    const schema = toConnectSchemaJson(json, version);
    const entry = { schema, read: compileFromJson(schema) };
    this.#readers.set(id, entry);
    return entry;
  }
}
