import {
  ConfigDef,
  type ConnectRecord,
  DataError,
  type Schema,
  SchemaBuilder,
  Struct,
  type Transformation,
} from '@sluice/api';
import { Parsed } from './util/config.ts';
import { emptyMapLike, mapEntries, mapSet } from './util/map-value.ts';
import { KEY, type Side, VALUE } from './util/operating.ts';
import { className, isMap, type MapValue, requireMap, requireStructOrNull } from './util/requirements.ts';
import { SchemaCache } from './util/schema-cache.ts';
import { copySchemaBasics, fieldValue } from './util/schema-util.ts';

const DELIMITER_CONFIG = 'delimiter';

const OVERVIEW_DOC =
  'Flatten a nested data structure, generating names for each field by concatenating the field names at each ' +
  'level with a configurable delimiter character. Applies to Struct when schema present, or a Map ' +
  "in the case of schemaless data. Array fields and their contents are not modified. The default delimiter is '.'." +
  '<p/>Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.Flatten$Key</code>) ' +
  'or value (<code>org.apache.kafka.connect.transforms.Flatten$Value</code>).';

const CONFIG_DEF: ConfigDef = new ConfigDef().define(
  DELIMITER_CONFIG,
  'STRING',
  '.',
  'MEDIUM',
  'Delimiter to insert between field names from the input record when generating field names for the output record',
);

const PURPOSE = 'flattening';

/** The flattened schema, and for each of its fields the chain of input field indexes leading to it. */
interface Plan {
  readonly schema: Schema;
  readonly paths: readonly (readonly number[])[];
}

/**
 * Kafka's `Flatten`: nested Structs (or maps, schemaless) become top-level fields named
 * `parent<delimiter>child`. Arrays are left as they are. With a schema, a flattened field is optional
 * when any ancestor is, and takes its default from its own schema or else from an ancestor's
 * default; a MAP field is an error. A null key/value passes through.
 */
export abstract class Flatten<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  protected abstract readonly side: Side;
  #delimiter = '.';
  #cache = new SchemaCache<Plan>();

  configure(configs: Readonly<Record<string, unknown>>): void {
    this.#delimiter = new Parsed(CONFIG_DEF, configs).string(DELIMITER_CONFIG) ?? '.';
    this.#cache = new SchemaCache<Plan>();
  }

  #name(prefix: string, name: string): string {
    return prefix === '' ? name : prefix + this.#delimiter + name;
  }

  apply(record: R): R | null {
    const value = this.side.value(record);
    if (value === null) return record;
    const schema = this.side.schema(record);
    if (schema === null) {
      const map = requireMap(value, PURPOSE);
      const out = emptyMapLike(map);
      this.#flattenMap(map, '', out);
      return this.side.with(record, null, out);
    }
    const struct = requireStructOrNull(value, PURPOSE);
    const plan = this.#cache.get(schema) ?? this.#cache.set(schema, this.#plan(schema));
    if (struct === null) return this.side.with(record, plan.schema, null);
    const paths = plan.paths;
    const values = new Array<unknown>(paths.length);
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i]!;
      let current: Struct | null = struct;
      const last = path.length - 1;
      for (let d = 0; d < last && current !== null; d++) {
        current = fieldValue(current, path[d]!, true) as Struct | null;
      }
      values[i] = current === null ? null : fieldValue(current, path[last]!, true);
    }
    return this.side.with(record, plan.schema, Struct.withValues(plan.schema, values));
  }

  #flattenMap(map: MapValue, prefix: string, out: MapValue): void {
    for (const [k, v] of mapEntries(map)) {
      const name = this.#name(prefix, String(k));
      if (v === null || v === undefined) {
        mapSet(out, name, null);
      } else if (isMap(v)) {
        this.#flattenMap(v, name, out);
      } else if (
        typeof v === 'string' ||
        typeof v === 'number' ||
        typeof v === 'bigint' ||
        typeof v === 'boolean' ||
        v instanceof Uint8Array ||
        Array.isArray(v)
      ) {
        mapSet(out, name, v);
      } else if (v instanceof Struct) {
        throw new DataError(
          `Flatten transformation does not support Struct for record without schemas (for field ${name}).`,
        );
      } else {
        throw new DataError(
          `Flatten transformation was passed a value of type ${className(v)} which is not supported by Connect's data API`,
        );
      }
    }
  }

  #plan(schema: Schema): Plan {
    const b = copySchemaBasics(schema, SchemaBuilder.struct());
    const paths: number[][] = [];
    this.#flattenSchema(schema, '', [], b, paths, schema.isOptional, schema.defaultValue as Struct | null);
    return { schema: b.build(), paths };
  }

  #flattenSchema(
    schema: Schema,
    prefix: string,
    at: readonly number[],
    out: SchemaBuilder,
    paths: number[][],
    optional: boolean,
    parentDefault: Struct | null,
  ): void {
    for (const field of schema.fields) {
      const name = this.#name(prefix, field.name);
      const isOptional = optional || field.schema.isOptional;
      const fieldDefault =
        field.schema.defaultValue !== null
          ? field.schema.defaultValue
          : parentDefault !== null
            ? parentDefault.get(field.name)
            : null;
      switch (field.schema.type) {
        case 'STRUCT':
          this.#flattenSchema(
            field.schema,
            name,
            [...at, field.index],
            out,
            paths,
            isOptional,
            fieldDefault as Struct | null,
          );
          break;
        case 'MAP':
          throw new DataError(
            `Flatten transformation does not support MAP for record with schemas (for field ${name}).`,
          );
        default: {
          const fb = copySchemaBasics(field.schema);
          if (isOptional) fb.optional();
          if (fieldDefault !== null && fieldDefault !== undefined) fb.defaultValue(fieldDefault);
          out.field(name, fb.build());
          paths.push([...at, field.index]);
        }
      }
    }
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}
}

/** `org.apache.kafka.connect.transforms.Flatten$Key`. */
export class FlattenKey<R extends ConnectRecord<R>> extends Flatten<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.Flatten$Key';
  static readonly aliases: readonly string[] = ['Flatten$Key'];
  protected readonly side: Side = KEY;
}

/** `org.apache.kafka.connect.transforms.Flatten$Value`. */
export class FlattenValue<R extends ConnectRecord<R>> extends Flatten<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.Flatten$Value';
  static readonly aliases: readonly string[] = ['Flatten$Value'];
  protected readonly side: Side = VALUE;
}
