import {
  ConfigDef,
  type ConnectRecord,
  LambdaValidator,
  type Schema,
  SchemaBuilder,
  Struct,
  type Transformation,
} from '@sluice/api';
import {
  defineReplaceNullWithDefault,
  invalidList,
  Parsed,
  REPLACE_NULL_WITH_DEFAULT_CONFIG,
} from './util/config.ts';
import { emptyMapLike, mapEntries, mapSet } from './util/map-value.ts';
import { KEY, type Side, VALUE } from './util/operating.ts';
import { requireMap, requireStruct } from './util/requirements.ts';
import { SchemaCache } from './util/schema-cache.ts';
import { copySchemaBasics, fieldValue } from './util/schema-util.ts';

const EXCLUDE = 'exclude';
const INCLUDE = 'include';
const RENAMES = 'renames';
const BLACKLIST = 'blacklist';
const WHITELIST = 'whitelist';

const OVERVIEW_DOC =
  'Filter or rename fields.' +
  '<p/>Use the concrete transformation type designed for the record key (<code>org.apache.kafka.connect.transforms.ReplaceField$Key</code>) ' +
  'or value (<code>org.apache.kafka.connect.transforms.ReplaceField$Value</code>).';

/**
 * `old:new` pairs into a map. Like Java's `String.split(":")`, trailing empty parts are dropped, so
 * `a:b:` is `a`→`b` while `a:` and `a:b:c` are invalid.
 * @throws ConfigError `Invalid value [..] for configuration renames: Invalid rename mapping: <mapping>`
 */
export function parseRenameMappings(mappings: readonly string[], key = RENAMES): Map<string, string> {
  const m = new Map<string, string>();
  for (const mapping of mappings) {
    const parts = mapping.split(':');
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    if (parts.length !== 2) throw invalidList(key, mappings, `Invalid rename mapping: ${mapping}`);
    m.set(parts[0]!, parts[1]!);
  }
  return m;
}

const CONFIG_DEF: ConfigDef = defineReplaceNullWithDefault(
  new ConfigDef()
    .define(
      EXCLUDE,
      'LIST',
      [],
      'MEDIUM',
      'Fields to exclude. This takes precedence over the fields to include.',
    )
    .define(BLACKLIST, 'LIST', null, 'LOW', `Deprecated. Use ${EXCLUDE} instead.`)
    .define(INCLUDE, 'LIST', [], 'MEDIUM', 'Fields to include. If specified, only these fields will be used.')
    .define(WHITELIST, 'LIST', null, 'LOW', `Deprecated. Use ${INCLUDE} instead.`)
    .define(
      RENAMES,
      'LIST',
      [],
      LambdaValidator.with(
        (name, value) => {
          parseRenameMappings((value as readonly string[] | null) ?? [], name);
        },
        () => 'list of colon-delimited pairs, e.g. <code>foo:bar,abc:xyz</code>',
      ),
      'MEDIUM',
      'Field rename mappings.',
    ),
);

const PURPOSE = 'field replacement';

interface Plan {
  readonly schema: Schema;
  /** For each output field, the index of the input field it comes from. */
  readonly sources: readonly number[];
}

/**
 * Kafka's `ReplaceField`: keeps a field when it is not in `exclude` and `include` is empty or lists
 * it (exclude wins), then renames it by `renames` (`old:new,...`). The deprecated `blacklist` and
 * `whitelist` are read when `exclude` / `include` are not given. A null key/value passes through.
 */
export abstract class ReplaceField<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  protected abstract readonly side: Side;
  #exclude: ReadonlySet<string> = new Set();
  #include: ReadonlySet<string> = new Set();
  #renames: ReadonlyMap<string, string> = new Map();
  #replaceNullWithDefault = true;
  #cache = new SchemaCache<Plan>();

  configure(configs: Readonly<Record<string, unknown>>): void {
    const translated: Record<string, unknown> = { ...configs };
    for (const [current, deprecated] of [
      [INCLUDE, WHITELIST],
      [EXCLUDE, BLACKLIST],
    ] as const) {
      if (translated[current] === undefined && translated[deprecated] !== undefined) {
        translated[current] = translated[deprecated];
      }
    }
    const c = new Parsed(CONFIG_DEF, translated);
    this.#exclude = new Set(c.list(EXCLUDE));
    this.#include = new Set(c.list(INCLUDE));
    this.#renames = parseRenameMappings(c.list(RENAMES));
    this.#replaceNullWithDefault = c.boolean(REPLACE_NULL_WITH_DEFAULT_CONFIG);
    this.#cache = new SchemaCache<Plan>();
  }

  #keep(name: string): boolean {
    return !this.#exclude.has(name) && (this.#include.size === 0 || this.#include.has(name));
  }

  #renamed(name: string): string {
    return this.#renames.get(name) ?? name;
  }

  apply(record: R): R | null {
    const value = this.side.value(record);
    if (value === null) return record;
    if (this.side.schema(record) === null) {
      const map = requireMap(value, PURPOSE);
      const updated = emptyMapLike(map);
      for (const [k, v] of mapEntries(map)) {
        const name = String(k);
        if (this.#keep(name)) mapSet(updated, this.#renamed(name), v);
      }
      return this.side.with(record, null, updated);
    }
    const struct = requireStruct(value, PURPOSE);
    const plan = this.#cache.get(struct.schema) ?? this.#cache.set(struct.schema, this.#plan(struct.schema));
    const sources = plan.sources;
    const current = struct.rawValues();
    const values = new Array<unknown>(sources.length);
    for (let i = 0; i < sources.length; i++) {
      const v = current[sources[i]!] ?? null;
      values[i] = v === null ? fieldValue(struct, sources[i]!, this.#replaceNullWithDefault) : v;
    }
    return this.side.with(record, plan.schema, Struct.withValues(plan.schema, values));
  }

  #plan(schema: Schema): Plan {
    const b = copySchemaBasics(schema, SchemaBuilder.struct());
    const sources: number[] = [];
    for (const f of schema.fields) {
      if (!this.#keep(f.name)) continue;
      b.field(this.#renamed(f.name), f.schema);
      sources.push(f.index);
    }
    return { schema: b.build(), sources };
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}
}

/** `org.apache.kafka.connect.transforms.ReplaceField$Key`. */
export class ReplaceFieldKey<R extends ConnectRecord<R>> extends ReplaceField<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.ReplaceField$Key';
  static readonly aliases: readonly string[] = ['ReplaceField$Key'];
  protected readonly side: Side = KEY;
}

/** `org.apache.kafka.connect.transforms.ReplaceField$Value`. */
export class ReplaceFieldValue<R extends ConnectRecord<R>> extends ReplaceField<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.ReplaceField$Value';
  static readonly aliases: readonly string[] = ['ReplaceField$Value'];
  protected readonly side: Side = VALUE;
}
