import {
  type ConfigDef,
  ConnectError,
  DataError,
  type HeaderConverter,
  type Schema,
  SchemaAndValue,
} from '@sluice/api';
import { RegistryClientError, SchemaRegistryClient, type SchemaText } from './client/registry-client.ts';
import { readConverterSettings, type SchemaRegistryConverterSettings, subjectName } from './config.ts';

const MAGIC_BYTE = 0;

/** A map that forgets its oldest entry beyond `max` entries. */
export class Lru<K, V> {
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

/** What differs between the three converters' framing and messages. */
export interface ConverterFormat {
  /** The class name in messages (`AvroConverter`). */
  readonly className: string;
  /** The format in messages (`Avro`, `JSON`, `Protobuf`). */
  readonly label: string;
  readonly schemaType: SchemaText['schemaType'];
  /** How a schema of another type is named in `Schema id N is a X schema, not …`. */
  readonly typeName: string;
  /** The shortest framed value: magic byte, id, and what the format puts before the body. */
  readonly minLength: number;
  /** Appended to the "needs a schema" message. */
  readonly schemalessNote?: string;
  /** Appended to the "Unknown magic byte!" message. */
  readonly magicByteNote?: string;
  /** Whether "Error retrieving … schema" says ` to <label>` after the topic. */
  readonly retrievalNamesFormat?: boolean;
  /** Whether a lookup of a schema with no version under the subject gets its own hint. */
  readonly missingVersionHint?: boolean;
  /** Whether the writer/reader caches are bounded by `schema.cache.size` (else unbounded). */
  readonly boundedCaches?: boolean;
}

/**
 * What Confluent's three schema-registry converters share: configure (settings, the registry
 * client, the caches), the Connect framing around the format's own encoding (null values, the
 * magic byte and the 4-byte schema id), subject naming, the per-schema writer and per-id reader
 * caches, and the mapping of registry errors to Connect's exceptions. Subclasses encode the body
 * after the id and decode it back.
 */
export abstract class SchemaRegistryConverter<W, R> implements HeaderConverter {
  readonly #format: ConverterFormat;
  readonly #def: ConfigDef;
  #settings: SchemaRegistryConverterSettings | null = null;
  #client: SchemaRegistryClient | null = null;
  #isKey = false;
  #writers = new WeakMap<Schema, W>();
  #writersByKey = new Lru<string, W>(Number.POSITIVE_INFINITY);
  #readers = new Lru<number, R>(Number.POSITIVE_INFINITY);

  constructor(format: ConverterFormat, def: ConfigDef) {
    this.#format = format;
    this.#def = def;
  }

  configure(configs: Readonly<Record<string, unknown>>, isKey = false): void {
    const settings = readConverterSettings(this.#def, configs, isKey);
    this.configureFormat(settings, configs);
    this.#settings = settings;
    this.#isKey = isKey;
    this.#client?.close();
    this.#client = new SchemaRegistryClient(settings.client, settings.maxSchemasPerSubject);
    const size = this.#format.boundedCaches ? settings.cacheSize : Number.POSITIVE_INFINITY;
    this.#writers = new WeakMap();
    this.#writersByKey = new Lru(size);
    this.#readers = new Lru(size);
  }

  /** Reads the format's own keys and resets its own caches; may throw on a bad value. */
  protected abstract configureFormat(
    settings: SchemaRegistryConverterSettings,
    configs: Readonly<Record<string, unknown>>,
  ): void;

  /** The value's encoding: the whole framed record (magic byte and id included). */
  protected abstract encode(
    topic: string,
    schema: Schema,
    value: unknown,
    settings: SchemaRegistryConverterSettings,
  ): Uint8Array;

  /** The Connect data of a framed record whose schema id is `id`. */
  protected abstract decode(topic: string, buf: Buffer, id: number): SchemaAndValue;

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
        `${this.#format.className} needs a schema for the data written to topic ${topic}${this.#format.schemalessNote ?? ''}`,
      );
    }
    return this.encode(topic, schema, value, settings);
  }

  toConnectData(topic: string, value: Uint8Array | null): SchemaAndValue {
    this.#configured();
    if (value === null || value === undefined) return SchemaAndValue.NULL;
    if (value.length < this.#format.minLength || value[0] !== MAGIC_BYTE) {
      throw new DataError(
        `Failed to deserialize data for topic ${topic} to ${this.#format.label}: Unknown magic byte!${this.#format.magicByteNote ?? ''}`,
      );
    }
    const buf = Buffer.isBuffer(value)
      ? value
      : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    return this.decode(topic, buf, buf.readInt32BE(1));
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

  protected get client(): SchemaRegistryClient {
    return this.#client!;
  }

  protected get settings(): SchemaRegistryConverterSettings {
    return this.#settings!;
  }

  /** The subject the configured strategy names for `topic` and this key/value converter. */
  protected subjectFor(topic: string, recordName: string): string {
    return subjectName(this.#configured().subjectStrategy, topic, this.#isKey, recordName);
  }

  /** The format's schema text as the registry client takes it. */
  protected schemaText(text: string): SchemaText {
    return { schema: text, schemaType: this.#format.schemaType, references: [] };
  }

  /**
   * The writer entry of a Connect schema: cached per schema object, then per `key` (the format's
   * schema text), so equal schemas share one entry; `prepare` answers the key and how to build it.
   */
  protected writerFor(schema: Schema, prepare: () => { key: string; build: () => W }): W {
    let entry = this.#writers.get(schema);
    if (entry !== undefined) return entry;
    const { key, build } = prepare();
    entry = this.#writersByKey.get(key);
    if (entry === undefined) {
      entry = build();
      this.#writersByKey.set(key, entry);
    }
    this.#writers.set(schema, entry);
    return entry;
  }

  /** The reader entry of schema id `id`, built once from the registry's schema. */
  protected readerFor(id: number, build: () => R): R {
    const cached = this.#readers.get(id);
    if (cached !== undefined) return cached;
    const entry = build();
    this.#readers.set(id, entry);
    return entry;
  }

  /** `cache`'s value for `subject`, resolved (from the registry) once. */
  protected perSubject<T>(cache: Map<string, T>, subject: string, resolve: () => T): T {
    let v = cache.get(subject);
    if (v === undefined) {
      v = resolve();
      cache.set(subject, v);
    }
    return v;
  }

  /**
   * The id of `text` under `subject`: registered (auto.register.schemas), looked up, or the
   * subject's latest (use.latest.version without auto.register.schemas).
   */
  protected resolveId(subject: string, text: string): number {
    return this.withRegistryWrite(subject, () => {
      const settings = this.settings;
      if (settings.useLatestVersion && !settings.autoRegister) return this.client.latest(subject).id;
      return this.registerOrLookup(subject, text);
    });
  }

  /** Registers `text` under `subject` (auto.register.schemas) or looks its id up. */
  protected registerOrLookup(subject: string, text: string): number {
    const settings = this.settings;
    const schemaText = this.schemaText(text);
    return settings.autoRegister
      ? this.client.register(subject, schemaText, settings.normalize)
      : this.client.lookup(subject, schemaText, settings.normalize);
  }

  /** Runs a register/look-up for `subject`, answering registry errors as Connect's exceptions. */
  protected withRegistryWrite<T>(subject: string, fn: () => T): T {
    const label = this.#format.label;
    try {
      return fn();
    } catch (err) {
      if (!(err instanceof RegistryClientError)) throw err;
      if (err.status === 409) {
        throw new ConnectError(
          `Failed to register the ${label} schema for subject ${subject}: the registry refused it as incompatible with an earlier version (${err.message})`,
          { cause: err },
        );
      }
      if (err.status === 401 || err.status === 403) throw err;
      if (this.#format.missingVersionHint && (err.errorCode === 40401 || err.errorCode === 40403)) {
        throw new DataError(
          `Subject ${subject} has no version with this schema and auto.register.schemas=false: register the schema first, or set auto.register.schemas=true (${err.message})`,
          { cause: err },
        );
      }
      throw new DataError(
        `Failed to register or look up the ${label} schema for subject ${subject}: ${err.message}`,
        { cause: err },
      );
    }
  }

  /**
   * The registry's schema with id `id` (which must be of this format), and what `more` reads from
   * the registry with it; registry errors are DataErrors naming the topic, except refused
   * credentials.
   */
  protected fetchSchema<T = undefined>(
    id: number,
    topic: string,
    more?: (schema: SchemaText) => T,
  ): { text: string; more: T } {
    const { label, schemaType, typeName, retrievalNamesFormat } = this.#format;
    try {
      const s = this.client.schemaById(id);
      if (s.schemaType !== schemaType) {
        throw new DataError(`Schema id ${id} is a ${s.schemaType} schema, not ${typeName}`);
      }
      return { text: s.schema, more: more === undefined ? (undefined as T) : more(s) };
    } catch (err) {
      if (err instanceof RegistryClientError && (err.status === 401 || err.status === 403)) throw err;
      if (err instanceof RegistryClientError) {
        throw new DataError(
          `Failed to deserialize data for topic ${topic}${retrievalNamesFormat ? ` to ${label}` : ''}: Error retrieving ${label} schema for id ${id}: ${err.message}`,
          { cause: err },
        );
      }
      throw err;
    }
  }

  /**
   * The version `text` has under `subject` (soft-deleted versions included, as Confluent's
   * deserializer looks it up), or null when the registry cannot say.
   */
  protected registeredVersion(subject: string, text: string): number | null {
    try {
      return this.client.lookupVersion(subject, this.schemaText(text));
    } catch (err) {
      if (!(err instanceof RegistryClientError)) throw err;
      return null;
    }
  }

  #configured(): SchemaRegistryConverterSettings {
    if (this.#settings === null) throw new ConnectError(`${this.#format.className} used before configure()`);
    return this.#settings;
  }
}
