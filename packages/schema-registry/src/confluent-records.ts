import type { RegistryEvent, SchemaReference, SchemaType } from './storage.ts';

/**
 * Confluent Schema Registry's records in its `_schemas` topic (`kafkastore.topic`), as its
 * `SchemaRegistrySerializer` writes and reads them: the key and the value are JSON.
 *
 * | change | key | value |
 * | --- | --- | --- |
 * | a version registered, replaced or soft-deleted | `{"keytype":"SCHEMA","subject":s,"version":v,"magic":1}` | `{"subject","version","id","schemaType","references","schema","deleted"}` |
 * | a version deleted for good | the same key | null |
 * | a subject soft-deleted | `{"keytype":"DELETE_SUBJECT","subject":s,"magic":0}` | `{"subject":s,"version":<latest deleted>}` |
 * | deleted versions forgotten (IMPORT mode) | `{"keytype":"CLEAR_SUBJECT","subject":s,"magic":0}` | `{"subject":s}` |
 * | compatibility set / removed | `{"keytype":"CONFIG","subject":s,"magic":0}` (no subject: global) | `{"subject":s,"compatibilityLevel":"FULL"}` / null |
 * | mode set / removed | `{"keytype":"MODE","subject":s,"magic":0}` | `{"subject":s,"mode":"READONLY"}` / null |
 * | nothing (a position marker) | `{"keytype":"NOOP","magic":0}` | null |
 *
 * The key's fields are in Confluent's order (`keytype`, `subject`, `version`, `magic`), so the
 * same change has the same key bytes as Confluent's registry writes, and log compaction keeps
 * one record per subject version, per config and per mode.
 */

export interface RegistryRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

type KeyType = 'SCHEMA' | 'CONFIG' | 'MODE' | 'NOOP' | 'DELETE_SUBJECT' | 'CLEAR_SUBJECT';

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

/** The key of a subject version. */
export function schemaKey(subject: string, version: number): Buffer {
  return json({ keytype: 'SCHEMA', subject, version, magic: 1 });
}

/** The key of a subject's (or, with null, the global) config, mode, delete or clear record. */
export function subjectKey(keytype: Exclude<KeyType, 'SCHEMA' | 'NOOP'>, subject: string | null): Buffer {
  return json(subject === null ? { keytype, magic: 0 } : { keytype, subject, magic: 0 });
}

/** Confluent's NOOP record: written to learn the end of the log, ignored by readers. */
export function noopRecord(): RegistryRecord {
  return { key: json({ keytype: 'NOOP', magic: 0 }), value: null };
}

/** The records that store `event` (one, or none for an event Confluent has no record for). */
export function eventToRecords(event: RegistryEvent): RegistryRecord[] {
  switch (event.t) {
    case 'schema':
    case 'version': {
      const value: Record<string, unknown> = {
        subject: event.subject,
        version: event.version,
        id: event.id,
        schemaType: event.schemaType,
      };
      if (event.references.length > 0) value.references = event.references;
      value.schema = event.schema;
      value.deleted = event.t === 'version' ? event.deleted : false;
      return [{ key: schemaKey(event.subject, event.version), value: json(value) }];
    }
    case 'delete-version':
      // A soft delete travels as a `version` event (the record needs the whole schema value).
      if (!event.permanent) throw new Error('a soft version delete is stored as a "version" event');
      return [{ key: schemaKey(event.subject, event.version), value: null }];
    case 'delete-subject':
      return [
        {
          key: subjectKey('DELETE_SUBJECT', event.subject),
          value: json({ subject: event.subject, version: event.version }),
        },
      ];
    case 'clear-subject':
      return [{ key: subjectKey('CLEAR_SUBJECT', event.subject), value: json({ subject: event.subject }) }];
    case 'config':
      return [
        {
          key: subjectKey('CONFIG', event.subject),
          value:
            event.compatibility === null
              ? null
              : json(
                  event.subject === null
                    ? { compatibilityLevel: event.compatibility }
                    : { subject: event.subject, compatibilityLevel: event.compatibility },
                ),
        },
      ];
    case 'mode':
      return [
        {
          key: subjectKey('MODE', event.subject),
          value:
            event.mode === null
              ? null
              : json(
                  event.subject === null
                    ? { mode: event.mode }
                    : { subject: event.subject, mode: event.mode },
                ),
        },
      ];
  }
}

/** Thrown for a record that is not one of Confluent's registry records; the message says why. */
export class RegistryRecordError extends Error {}

function parse(bytes: Buffer, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new RegistryRecordError(`${what} is not JSON: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RegistryRecordError(`${what} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

function subjectOf(key: Record<string, unknown>): string | null {
  const subject = key.subject;
  if (subject === undefined || subject === null) return null;
  if (typeof subject !== 'string') throw new RegistryRecordError('the key\'s "subject" is not a string');
  return subject;
}

function int(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new RegistryRecordError(`${what} is not an integer`);
  }
  return value;
}

/**
 * The registry event a `_schemas` record stands for: null for records that change nothing
 * (NOOP, tombstones of DELETE_SUBJECT/CLEAR_SUBJECT keys, key types Sluice does not keep such
 * as Confluent's contexts and associations). A malformed record is a RegistryRecordError.
 */
export function recordToEvent(keyBytes: Buffer | null, valueBytes: Buffer | null): RegistryEvent | null {
  if (keyBytes === null) throw new RegistryRecordError('the record has no key');
  const key = parse(keyBytes, 'the key');
  const keytype = key.keytype;
  switch (keytype) {
    case 'NOOP':
      return null;
    case 'SCHEMA': {
      const magic = key.magic ?? 0;
      if (magic !== 0 && magic !== 1)
        throw new RegistryRecordError(`unknown SCHEMA key magic ${String(magic)}`);
      const subject = subjectOf(key);
      if (subject === null) throw new RegistryRecordError('a SCHEMA key needs "subject"');
      const version = int(key.version, 'the key\'s "version"');
      if (valueBytes === null) return { t: 'delete-version', subject, version, permanent: true };
      const value = parse(valueBytes, 'the SCHEMA value');
      if (typeof value.schema !== 'string') throw new RegistryRecordError('the SCHEMA value has no "schema"');
      const schemaType = (typeof value.schemaType === 'string' ? value.schemaType : 'AVRO').toUpperCase();
      if (schemaType !== 'AVRO' && schemaType !== 'JSON' && schemaType !== 'PROTOBUF') {
        throw new RegistryRecordError(`unknown schemaType ${JSON.stringify(value.schemaType)}`);
      }
      const references = Array.isArray(value.references)
        ? (value.references as unknown[]).map((r) => {
            const ref = (r ?? {}) as Record<string, unknown>;
            return {
              name: String(ref.name),
              subject: String(ref.subject),
              version: int(ref.version, 'a reference\'s "version"'),
            } satisfies SchemaReference;
          })
        : [];
      return {
        t: 'version',
        subject,
        version,
        id: int(value.id, 'the SCHEMA value\'s "id"'),
        schemaType: schemaType as SchemaType,
        schema: value.schema,
        references,
        deleted: value.deleted === true,
      };
    }
    case 'CONFIG': {
      const subject = subjectOf(key);
      if (valueBytes === null) return { t: 'config', subject, compatibility: null };
      const value = parse(valueBytes, 'the CONFIG value');
      const level = value.compatibilityLevel ?? value.compatibility;
      // A config without a level (Confluent's other config fields only) changes no level here.
      if (level === undefined || level === null) return null;
      if (typeof level !== 'string') throw new RegistryRecordError('"compatibilityLevel" is not a string');
      return { t: 'config', subject, compatibility: level.toUpperCase() };
    }
    case 'MODE': {
      const subject = subjectOf(key);
      if (valueBytes === null) return { t: 'mode', subject, mode: null };
      const value = parse(valueBytes, 'the MODE value');
      if (typeof value.mode !== 'string') throw new RegistryRecordError('the MODE value has no "mode"');
      return { t: 'mode', subject, mode: value.mode.toUpperCase() };
    }
    case 'DELETE_SUBJECT': {
      if (valueBytes === null) return null;
      const value = parse(valueBytes, 'the DELETE_SUBJECT value');
      const subject = typeof value.subject === 'string' ? value.subject : subjectOf(key);
      if (subject === null) throw new RegistryRecordError('a DELETE_SUBJECT record needs "subject"');
      return { t: 'delete-subject', subject, version: int(value.version, 'the DELETE_SUBJECT "version"') };
    }
    case 'CLEAR_SUBJECT': {
      if (valueBytes === null) return null;
      const value = parse(valueBytes, 'the CLEAR_SUBJECT value');
      const subject = typeof value.subject === 'string' ? value.subject : (subjectOf(key) ?? '');
      return { t: 'clear-subject', subject };
    }
    case 'CONTEXT':
    case 'ASSOC':
      return null;
    default:
      throw new RegistryRecordError(`unknown keytype ${JSON.stringify(keytype)}`);
  }
}
