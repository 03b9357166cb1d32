import avro from 'avsc';
import { Errors } from './errors.ts';
import type { SchemaType } from './storage.ts';

/** A schema the registry has checked: its canonical text (what is stored and compared) and, for Avro, its parsed type. */
export interface ParsedSchema {
  readonly schemaType: SchemaType;
  readonly canonical: string;
  readonly avroType: avro.Type | null;
}

/** A referenced schema, already resolved to its text (Avro named types that the schema may use). */
export interface ResolvedReference {
  readonly name: string;
  readonly schemaType: SchemaType;
  readonly schema: string;
}

export const SCHEMA_TYPES: readonly SchemaType[] = ['JSON', 'PROTOBUF', 'AVRO'];

/**
 * Parses and validates a schema as the registry does on registration; throws 42201 (invalid
 * schema) naming the problem. Avro schemas are parsed with `avsc` (names, defaults, types).
 */
export function parseSchema(
  schemaType: SchemaType,
  text: string,
  references: readonly ResolvedReference[] = [],
): ParsedSchema {
  switch (schemaType) {
    case 'AVRO': {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        // Avro allows a bare primitive name, e.g. `string`, as a schema.
        if (/^[A-Za-z_][A-Za-z0-9_.]*$/.test(text.trim())) json = text.trim();
        else throw Errors.invalidSchema(`Invalid schema: not JSON: ${(err as Error).message}`);
      }
      const registry: Record<string, avro.Type> = {};
      try {
        for (const ref of references) {
          if (ref.schemaType !== 'AVRO') continue;
          avro.Type.forSchema(JSON.parse(ref.schema) as avro.Schema, { registry, wrapUnions: 'never' });
        }
        const avroType = avro.Type.forSchema(json as avro.Schema, { registry, wrapUnions: 'never' });
        return { schemaType, canonical: JSON.stringify(json), avroType };
      } catch (err) {
        throw Errors.invalidSchema(`Invalid schema ${abbreviate(text)}: ${(err as Error).message}`);
      }
    }
    case 'JSON': {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw Errors.invalidSchema(`Invalid JSON schema: not JSON: ${(err as Error).message}`);
      }
      if (typeof json !== 'boolean' && (json === null || typeof json !== 'object' || Array.isArray(json))) {
        throw Errors.invalidSchema('Invalid JSON schema: a JSON Schema is an object or a boolean');
      }
      return { schemaType, canonical: JSON.stringify(json), avroType: null };
    }
    case 'PROTOBUF': {
      const trimmed = text.trim();
      if (trimmed === '') throw Errors.invalidSchema('Invalid PROTOBUF schema: empty');
      return { schemaType, canonical: trimmed, avroType: null };
    }
  }
}

export type CompatibilityLevel =
  | 'NONE'
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE';

export const COMPATIBILITY_LEVELS: readonly CompatibilityLevel[] = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
];

/** Can data written with `writer` be read with `reader`? Empty when yes, else the reasons. */
function canRead(reader: ParsedSchema, writer: ParsedSchema): string[] {
  if (reader.schemaType !== writer.schemaType) {
    return [`Incompatible schema type: ${writer.schemaType} vs ${reader.schemaType}`];
  }
  if (reader.avroType === null || writer.avroType === null) {
    if (reader.canonical === writer.canonical) return [];
    throw Errors.operationNotPermitted(
      `Compatibility checks for ${reader.schemaType} schemas are not implemented in Sluice's registry yet; set the subject's compatibility to NONE to register a changed ${reader.schemaType} schema`,
    );
  }
  try {
    reader.avroType.createResolver(writer.avroType);
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

/**
 * Checks `candidate` against the subject's versions (oldest first) under `level`, the way
 * Confluent's registry does: the non-transitive levels compare with the latest version only.
 * Returns the incompatibilities found (empty when compatible).
 */
export function checkCompatibility(
  level: CompatibilityLevel,
  candidate: ParsedSchema,
  previous: readonly ParsedSchema[],
): string[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? previous : previous.slice(-1);
  const messages: string[] = [];
  for (const old of [...against].reverse()) {
    if (level.startsWith('BACKWARD') || level.startsWith('FULL')) {
      for (const m of canRead(candidate, old))
        messages.push(`{reader: new schema, writer: old schema: ${m}}`);
    }
    if (level.startsWith('FORWARD') || level.startsWith('FULL')) {
      for (const m of canRead(old, candidate))
        messages.push(`{reader: old schema, writer: new schema: ${m}}`);
    }
  }
  return messages;
}

function abbreviate(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
