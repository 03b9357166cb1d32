import {
  CaseInsensitiveValidString,
  type ConfigDef,
  ConnectError,
  DataError,
  type Schema,
  SchemaAndValue,
} from '@sluice/api';
import { type SchemaRegistryConverterSettings, schemaRegistryConverterConfigDef } from '../config.ts';
import { type ConverterFormat, SchemaRegistryConverter } from '../converter-base.ts';
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

const JSON_FORMAT: ConverterFormat = {
  className: 'JsonSchemaConverter',
  label: 'JSON',
  schemaType: 'JSON',
  typeName: 'JSON',
  minLength: 5,
};

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
export class JsonSchemaConverter extends SchemaRegistryConverter<WriterEntry, ReaderEntry> {
  static readonly javaClass = 'io.confluent.connect.json.JsonSchemaConverter';
  #decimalNumeric = false;

  constructor() {
    super(JSON_FORMAT, configDef());
  }

  protected configureFormat(
    _settings: SchemaRegistryConverterSettings,
    configs: Readonly<Record<string, unknown>>,
  ): void {
    const format = String(configs['decimal.format'] ?? 'BASE64').toUpperCase();
    if (format !== 'BASE64' && format !== 'NUMERIC') {
      throw new ConnectError(`Invalid value ${format} for configuration decimal.format: BASE64 or NUMERIC`);
    }
    this.#decimalNumeric = format === 'NUMERIC';
  }

  protected encode(topic: string, schema: Schema, value: unknown): Uint8Array {
    const entry = this.#writer(schema);
    const subject = this.subjectFor(topic, entry.title);
    const id = this.perSubject(entry.ids, subject, () => this.resolveId(subject, entry.text));
    const parts: string[] = [];
    entry.write(parts, value);
    const body = Buffer.from(parts.join(''), 'utf8');
    const out = Buffer.allocUnsafe(5 + body.length);
    out[0] = MAGIC_BYTE;
    out.writeInt32BE(id, 1);
    body.copy(out, 5);
    return out;
  }

  protected decode(topic: string, buf: Buffer, id: number): SchemaAndValue {
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

  #writer(schema: Schema): WriterEntry {
    return this.writerFor(schema, () => {
      const json = fromConnectSchemaJson(schema);
      const text = JSON.stringify(json);
      return {
        key: text,
        build: () => {
          const title = typeof json === 'object' && typeof json.title === 'string' ? json.title : 'object';
          return { text, title, write: compileToJson(schema, this.#decimalNumeric), ids: new Map() };
        },
      };
    });
  }

  #reader(id: number, topic: string): ReaderEntry {
    return this.readerFor(id, () => {
      const { text } = this.fetchSchema(id, topic);
      const json = JSON.parse(text) as JsonSchema;
      let version: number | null = null;
      if (typeof json === 'object' && json['connect.version'] === undefined) {
        const title = typeof json.title === 'string' ? json.title : 'object';
        version = this.registeredVersion(this.subjectFor(topic, title), text);
      }
      const schema = toConnectSchemaJson(json, version);
      return { schema, read: compileFromJson(schema) };
    });
  }
}
