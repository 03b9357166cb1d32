import { type Schema, schemaEquals } from '@sluice/api';

const RECENT = 16;

/**
 * The derived-schema cache every schema-changing transform keeps (Kafka's `LRUCache<Schema, Schema>(16)`).
 * Lookups go by identity first (a `WeakMap`, so a schema that is no longer used can be collected);
 * on a miss the last {@link RECENT} inputs are compared structurally, so an input schema that is
 * equal to a cached one but a different object (a converter that builds a new schema per record)
 * still gets the very same output schema, as with Kafka's equals-based cache.
 */
export class SchemaCache<V = Schema> {
  readonly #byIdentity = new WeakMap<Schema, V>();
  readonly #recentKeys: Schema[] = [];
  readonly #recentValues: V[] = [];
  #next = 0;
  /** The last schema asked for and its value: records of one schema come in runs. */
  #lastKey: Schema | undefined;
  #lastValue: V | undefined;

  get(schema: Schema): V | undefined {
    if (schema === this.#lastKey) return this.#lastValue;
    const hit = this.#byIdentity.get(schema);
    if (hit !== undefined) {
      this.#lastKey = schema;
      this.#lastValue = hit;
      return hit;
    }
    const keys = this.#recentKeys;
    for (let i = 0; i < keys.length; i++) {
      if (schemaEquals(keys[i], schema)) {
        const value = this.#recentValues[i]!;
        this.#byIdentity.set(schema, value);
        return value;
      }
    }
    return undefined;
  }

  set(schema: Schema, value: V): V {
    this.#byIdentity.set(schema, value);
    if (this.#recentKeys.length < RECENT) {
      this.#recentKeys.push(schema);
      this.#recentValues.push(value);
    } else {
      this.#recentKeys[this.#next] = schema;
      this.#recentValues[this.#next] = value;
      this.#next = (this.#next + 1) % RECENT;
    }
    return value;
  }

  /** The cached value for `schema`, computing and caching it on a miss. */
  getOrCompute(schema: Schema, compute: (schema: Schema) => V): V {
    return this.get(schema) ?? this.set(schema, compute(schema));
  }
}
