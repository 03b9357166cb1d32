import { ConfigError, type Field, type Schema, Struct } from '@sluice/api';
import { mapGet } from './map-value.ts';
import { isMap, requireMapOrNull, requireStructOrNull } from './requirements.ts';

/** `field.syntax.version` (Kafka's `FieldSyntaxVersion`, KIP-821). */
export const FIELD_SYNTAX_VERSION_CONFIG = 'field.syntax.version';
export const FIELD_SYNTAX_VERSION_DOC =
  'Defines the version of the syntax to access fields. ' +
  'If set to `V1`, then the field paths are limited to access the elements at the root level of the struct or map. ' +
  'If set to `V2`, the syntax will support accessing nested elements. ' +
  'To access nested elements, dotted notation is used. ' +
  'If dots are already included in the field name, ' +
  'then backtick pairs can be used to wrap field names containing dots. ' +
  'E.g. to access the subfield `baz` from a field named "foo.bar" in a struct/map ' +
  'the following format can be used to access its elements: "`foo.bar`.baz".';

export type FieldSyntaxVersion = 'V1' | 'V2';

/** The version from a parsed (case-insensitive) config value. */
export function fieldSyntaxVersion(value: string): FieldSyntaxVersion {
  const v = value.toUpperCase();
  if (v === 'V1' || v === 'V2') return v;
  throw ConfigError.invalidValue(FIELD_SYNTAX_VERSION_CONFIG, value, 'Unrecognized field syntax version');
}

/**
 * A path to one field of a Struct or map (Kafka's `SingleFieldPath`). With V1 the whole text is one
 * top-level field name. With V2 it is dotted (`a.b.c`); a step containing dots is wrapped in
 * backticks (`` `a.b`.c ``), and a backtick inside such a step is escaped with a backslash when it is
 * followed by a dot.
 */
export class SingleFieldPath {
  readonly text: string;
  readonly steps: readonly string[];

  /** @throws ConfigError `Incomplete backtick pair in path: [...]` */
  constructor(text: string, version: FieldSyntaxVersion) {
    this.text = text;
    this.steps = version === 'V1' ? [text] : parseV2(text);
  }

  /** The field at this path in `schema`, or null when a step is missing. */
  fieldFrom(schema: Schema | null): Field | null {
    if (schema === null) return null;
    let current = schema;
    const last = this.steps.length - 1;
    for (let i = 0; i < last; i++) {
      if (current.type !== 'STRUCT') return null;
      const f = current.field(this.steps[i]!);
      if (f === null) return null;
      current = f.schema;
    }
    return current.type === 'STRUCT' ? current.field(this.steps[last]!) : null;
  }

  /** The value at this path in `struct` (defaults applied when `withDefault`), or null. */
  valueFromStruct(struct: Struct | null, withDefault = true): unknown {
    let current = struct;
    const last = this.steps.length - 1;
    for (let i = 0; i < last; i++) {
      if (current === null) return null;
      const f = current.schema.field(this.steps[i]!);
      if (f === null) return null;
      current = requireStructOrNull(current.get(f), 'nested field access');
    }
    if (current === null) return null;
    const f = current.schema.field(this.steps[last]!);
    if (f === null) return null;
    return withDefault ? current.get(f) : current.getWithoutDefault(f);
  }

  /** The value at this path in a schemaless map, or null. */
  valueFromMap(map: unknown): unknown {
    let current: unknown = map;
    for (const step of this.steps) {
      const m = requireMapOrNull(current, 'nested field access');
      if (m === null) return null;
      current = mapGet(m, step);
    }
    return current;
  }

  /** The value at this path in either representation. */
  valueFrom(value: unknown, withDefault = true): unknown {
    if (value instanceof Struct) return this.valueFromStruct(value, withDefault);
    if (isMap(value)) return this.valueFromMap(value);
    return null;
  }

  toString(): string {
    return this.text;
  }
}

function parseV2(path: string): string[] {
  if (path === '') return [''];
  const steps: string[] = [];
  let idx = 0;
  while (idx < path.length) {
    if (path[idx] !== '`') {
      const dot = path.indexOf('.', idx);
      if (dot < 0) {
        steps.push(path.slice(idx));
        idx = path.length;
      } else {
        steps.push(path.slice(idx, dot));
        idx = dot + 1;
      }
      continue;
    }
    const open = idx;
    let step = '';
    let start = idx + 1;
    let search = start;
    for (;;) {
      const tick = path.indexOf('`', search);
      if (tick < 0) throw incomplete(path, open);
      const escaped = path[tick - 1] === '\\';
      if (tick === path.length - 1) {
        if (escaped) throw incomplete(path, open);
        steps.push(step + path.slice(start, tick));
        idx = path.length;
        break;
      }
      if (path[tick + 1] !== '.') {
        search = tick + 1;
        continue;
      }
      if (escaped) {
        step += `${path.slice(start, tick - 1)}\``;
        start = tick + 1;
        search = start;
        continue;
      }
      steps.push(step + path.slice(start, tick));
      idx = tick + 2;
      break;
    }
  }
  if (path.endsWith('.')) steps.push('');
  return steps;
}

function incomplete(path: string, at: number): ConfigError {
  return new ConfigError(
    `Incomplete backtick pair in path: [${path}], consider adding a backslash before backtick at position ${at} to escape it`,
  );
}
