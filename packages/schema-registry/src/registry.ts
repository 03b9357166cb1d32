import { Errors } from './errors.ts';
import {
  COMPATIBILITY_LEVELS,
  type CompatibilityLevel,
  checkCompatibility,
  type ParsedSchema,
  parseSchema,
  type ResolvedReference,
} from './schema-types.ts';
import type { RegistryEvent, RegistryStorage, SchemaReference, SchemaType } from './storage.ts';

export type Mode = 'READWRITE' | 'READONLY' | 'READONLY_OVERRIDE' | 'IMPORT';
export const MODES: readonly Mode[] = ['READWRITE', 'READONLY', 'READONLY_OVERRIDE', 'IMPORT'];

interface StoredSchema {
  readonly id: number;
  readonly schemaType: SchemaType;
  readonly schema: string;
  readonly references: readonly SchemaReference[];
}

interface SubjectVersion {
  readonly version: number;
  readonly id: number;
  deleted: boolean;
}

/** A schema as returned for `GET /subjects/{s}/versions/{v}` and lookups. */
export interface RegisteredSchema {
  readonly subject: string;
  readonly version: number;
  readonly id: number;
  readonly schemaType: SchemaType;
  readonly schema: string;
  readonly references: readonly SchemaReference[];
}

export interface RegisterRequest {
  readonly schema: string;
  readonly schemaType?: SchemaType;
  readonly references?: readonly SchemaReference[];
  /** IMPORT mode only: the id and version to register under. */
  readonly id?: number;
  readonly version?: number;
}

export interface RegistryOptions {
  /** Compatibility level when neither the subject nor the registry has one set (Confluent's default: BACKWARD). */
  readonly defaultCompatibility?: CompatibilityLevel;
}

function key(schemaType: SchemaType, canonical: string, references: readonly SchemaReference[]): string {
  return `${schemaType}\u0000${canonical}\u0000${JSON.stringify(references)}`;
}

/**
 * The registry's state and rules, Confluent Schema Registry's semantics: schemas have global ids
 * (the same schema gets the same id under every subject), subjects have versions 1, 2, …,
 * registration is idempotent, new versions are checked against the subject's compatibility
 * level, deletes are soft first and permanent after. All methods are synchronous; every change
 * is appended to the storage before the state changes.
 */
export class SchemaRegistry {
  readonly #storage: RegistryStorage;
  readonly #defaultCompatibility: CompatibilityLevel;
  readonly #byId = new Map<number, StoredSchema>();
  readonly #idByKey = new Map<string, number>();
  readonly #subjects = new Map<string, SubjectVersion[]>();
  readonly #parsed = new Map<number, ParsedSchema>();
  #globalCompatibility: CompatibilityLevel | null = null;
  readonly #subjectCompatibility = new Map<string, CompatibilityLevel>();
  #globalMode: Mode = 'READWRITE';
  readonly #subjectMode = new Map<string, Mode>();
  #nextId = 1;

  constructor(storage: RegistryStorage, options: RegistryOptions = {}) {
    this.#storage = storage;
    this.#defaultCompatibility = options.defaultCompatibility ?? 'BACKWARD';
    for (const event of storage.readAll()) this.#apply(event);
    storage.subscribe?.((event) => this.#apply(event));
  }

  /**
   * Resolves once every change made so far is durable in the storage (a log's acknowledgement);
   * the REST layer awaits it before answering a write.
   */
  flush(): Promise<void> {
    return this.#storage.flush?.() ?? Promise.resolve();
  }

  /**
   * Resolves once the changes other writers stored before the call are applied here (a shared
   * log read to its end): the REST layer awaits it before a change, so that ids and versions are
   * given from the whole log (Confluent's leader waits for its reader the same way), and after a
   * change forwarded to the writer, so that this worker answers reads of it at once.
   */
  catchUp(): Promise<void> {
    return this.#storage.catchUp?.() ?? Promise.resolve();
  }

  // ---- events --------------------------------------------------------------------------------

  #commit(event: RegistryEvent): void {
    try {
      this.#storage.append(event);
    } catch (err) {
      throw Errors.storeError(`Error while storing the registry change: ${(err as Error).message}`);
    }
    this.#apply(event);
  }

  #apply(event: RegistryEvent): void {
    switch (event.t) {
      case 'schema': {
        if (!this.#byId.has(event.id)) {
          this.#byId.set(event.id, {
            id: event.id,
            schemaType: event.schemaType,
            schema: event.schema,
            references: event.references,
          });
          this.#idByKey.set(key(event.schemaType, event.schema, event.references), event.id);
        }
        this.#nextId = Math.max(this.#nextId, event.id + 1);
        const versions = this.#subjects.get(event.subject) ?? [];
        versions.push({ version: event.version, id: event.id, deleted: false });
        versions.sort((a, b) => a.version - b.version);
        this.#subjects.set(event.subject, versions);
        return;
      }
      case 'version': {
        const taken = this.#byId.get(event.id);
        const k = key(event.schemaType, event.schema, event.references);
        // An id already holding another schema keeps it: the later record is ignored, as
        // Confluent's registry ignores a schema record with a duplicate id.
        if (taken !== undefined && key(taken.schemaType, taken.schema, taken.references) !== k) return;
        if (taken === undefined) {
          this.#byId.set(event.id, {
            id: event.id,
            schemaType: event.schemaType,
            schema: event.schema,
            references: event.references,
          });
          if (!this.#idByKey.has(k)) this.#idByKey.set(k, event.id);
        }
        this.#nextId = Math.max(this.#nextId, event.id + 1);
        const versions = this.#subjects.get(event.subject) ?? [];
        const entry = { version: event.version, id: event.id, deleted: event.deleted };
        const i = versions.findIndex((v) => v.version === event.version);
        if (i >= 0) versions[i] = entry;
        else {
          versions.push(entry);
          versions.sort((a, b) => a.version - b.version);
        }
        this.#subjects.set(event.subject, versions);
        return;
      }
      case 'delete-subject': {
        for (const v of this.#subjects.get(event.subject) ?? [])
          if (v.version <= event.version) v.deleted = true;
        return;
      }
      case 'clear-subject': {
        for (const [subject, versions] of this.#subjects) {
          if (!subject.startsWith(event.subject)) continue;
          const live = versions.filter((v) => !v.deleted);
          if (live.length === 0) this.#subjects.delete(subject);
          else this.#subjects.set(subject, live);
        }
        return;
      }
      case 'delete-version': {
        const versions = this.#subjects.get(event.subject);
        if (versions === undefined) return;
        const i = versions.findIndex((v) => v.version === event.version);
        if (i < 0) return;
        if (event.permanent) versions.splice(i, 1);
        else versions[i]!.deleted = true;
        if (versions.length === 0) {
          this.#subjects.delete(event.subject);
          this.#subjectCompatibility.delete(event.subject);
          this.#subjectMode.delete(event.subject);
        }
        return;
      }
      case 'config':
        if (event.subject === null)
          this.#globalCompatibility = event.compatibility as CompatibilityLevel | null;
        else if (event.compatibility === null) this.#subjectCompatibility.delete(event.subject);
        else this.#subjectCompatibility.set(event.subject, event.compatibility as CompatibilityLevel);
        return;
      case 'mode':
        if (event.subject === null) this.#globalMode = (event.mode as Mode | null) ?? 'READWRITE';
        else if (event.mode === null) this.#subjectMode.delete(event.subject);
        else this.#subjectMode.set(event.subject, event.mode as Mode);
        return;
    }
  }

  // ---- reading -------------------------------------------------------------------------------

  subjects(includeDeleted = false, prefix = ''): string[] {
    const out: string[] = [];
    for (const [subject, versions] of this.#subjects) {
      if (!subject.startsWith(prefix)) continue;
      if (includeDeleted ? versions.length > 0 : versions.some((v) => !v.deleted)) out.push(subject);
    }
    return out.sort();
  }

  versions(subject: string, includeDeleted = false): number[] {
    const list = this.#live(subject, includeDeleted);
    return list.map((v) => v.version);
  }

  /** `version` is a number, `latest` or -1. */
  version(subject: string, version: number | 'latest', includeDeleted = false): RegisteredSchema {
    const list = this.#live(subject, includeDeleted);
    const entry =
      version === 'latest' || version === -1 ? list.at(-1) : list.find((v) => v.version === version);
    if (entry === undefined) throw Errors.versionNotFound(version);
    return this.#registered(subject, entry);
  }

  schemaById(id: number): StoredSchema {
    const stored = this.#byId.get(id);
    if (stored === undefined) throw Errors.schemaNotFound(`Schema ${id} not found`);
    return stored;
  }

  schemaIds(): number[] {
    return [...this.#byId.keys()].sort((a, b) => a - b);
  }

  /** Subject/version pairs that use schema `id`. */
  subjectVersionsForId(id: number, includeDeleted = false): { subject: string; version: number }[] {
    this.schemaById(id);
    const out: { subject: string; version: number }[] = [];
    for (const subject of [...this.#subjects.keys()].sort()) {
      for (const v of this.#subjects.get(subject)!) {
        if (v.id === id && (includeDeleted || !v.deleted)) out.push({ subject, version: v.version });
      }
    }
    return out;
  }

  /** `POST /subjects/{s}`: the version of `subject` holding this schema. */
  lookup(subject: string, request: RegisterRequest, includeDeleted = false): RegisteredSchema {
    const versions = this.#subjects.get(subject);
    if (versions === undefined || (!includeDeleted && versions.every((v) => v.deleted))) {
      throw Errors.subjectNotFound(subject);
    }
    const parsed = this.#parse(request);
    const id = this.#idByKey.get(key(parsed.schemaType, parsed.canonical, request.references ?? []));
    const entry =
      id === undefined ? undefined : versions.findLast((v) => v.id === id && (includeDeleted || !v.deleted));
    if (entry === undefined) throw Errors.schemaNotFound();
    return this.#registered(subject, entry);
  }

  // ---- writing -------------------------------------------------------------------------------

  /** `POST /subjects/{s}/versions`: the schema's id, registering a new version when needed. */
  register(subject: string, request: RegisterRequest): { id: number; version: number } {
    const mode = this.mode(subject, true);
    if (mode === 'READONLY' || mode === 'READONLY_OVERRIDE') {
      throw Errors.operationNotPermitted(`Subject ${subject} is in read-only mode`);
    }
    const parsed = this.#parse(request);
    const references = request.references ?? [];
    const k = key(parsed.schemaType, parsed.canonical, references);
    const existingId = this.#idByKey.get(k);
    const versions = this.#subjects.get(subject) ?? [];
    const live = versions.filter((v) => !v.deleted);

    if (mode === 'IMPORT') {
      if (request.id === undefined || request.version === undefined) {
        throw Errors.badRequest('In IMPORT mode a registration needs both "id" and "version"');
      }
      const taken = this.#byId.get(request.id);
      if (taken !== undefined && key(taken.schemaType, taken.schema, taken.references) !== k) {
        throw Errors.operationNotPermitted(
          `Overwrite new schema with id ${request.id} is not permitted: a different schema has this id`,
        );
      }
      if (versions.some((v) => v.version === request.version)) {
        throw Errors.operationNotPermitted(`Subject ${subject} already has version ${request.version}`);
      }
      this.#commit(this.#event(subject, request.version, request.id, parsed, references));
      return { id: request.id, version: request.version };
    }

    if (existingId !== undefined) {
      const same = live.find((v) => v.id === existingId);
      if (same !== undefined) return { id: existingId, version: same.version };
    }
    if (request.id !== undefined && request.id >= 0 && request.id !== existingId) {
      throw Errors.operationNotPermitted(
        `A schema id can only be given in IMPORT mode (subject ${subject} is in ${mode})`,
      );
    }

    const level = this.compatibility(subject, true);
    const previous = live.map((v) => this.#parsedById(v.id));
    const problems = checkCompatibility(level, parsed, previous);
    if (problems.length > 0) {
      throw Errors.incompatible(
        `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: [${problems.join(', ')}]`,
      );
    }
    const id = existingId ?? this.#nextId;
    const version = (versions.at(-1)?.version ?? 0) + 1;
    this.#commit(this.#event(subject, version, id, parsed, references));
    return { id, version };
  }

  /** `POST /compatibility/subjects/{s}/versions/{v}` (or every version when `version` is null). */
  testCompatibility(
    subject: string,
    version: number | 'latest' | null,
    request: RegisterRequest,
  ): { isCompatible: boolean; messages: string[] } {
    const parsed = this.#parse(request);
    const level = this.compatibility(subject, true);
    let previous: ParsedSchema[];
    if (version === null) {
      previous = (this.#subjects.get(subject) ?? [])
        .filter((v) => !v.deleted)
        .map((v) => this.#parsedById(v.id));
    } else {
      const registered = this.version(subject, version);
      previous = [this.#parsedById(registered.id)];
    }
    const effective: CompatibilityLevel =
      version === null ? level : (level.replace('_TRANSITIVE', '') as CompatibilityLevel);
    const messages = checkCompatibility(effective, parsed, previous);
    return { isCompatible: messages.length === 0, messages };
  }

  /** `DELETE /subjects/{s}`: the versions deleted. */
  deleteSubject(subject: string, permanent: boolean): number[] {
    const versions = this.#subjects.get(subject);
    if (versions === undefined || versions.length === 0) throw Errors.subjectNotFound(subject);
    this.#checkWritable(subject);
    if (permanent) {
      if (versions.some((v) => !v.deleted)) throw Errors.subjectNotSoftDeleted(subject);
      const deleted = versions.map((v) => v.version);
      const settings = this.#subjectSettings(subject);
      // Newest first, as Confluent's registry writes them; then the subject's config and mode go.
      for (const v of [...deleted].reverse())
        this.#commit({ t: 'delete-version', subject, version: v, permanent: true });
      this.#forgetSubjectSettings(subject, settings);
      return deleted;
    }
    const live = versions.filter((v) => !v.deleted).map((v) => v.version);
    if (live.length === 0) throw Errors.subjectSoftDeleted(subject);
    this.#commit({ t: 'delete-subject', subject, version: live.at(-1)! });
    return live;
  }

  /** `DELETE /subjects/{s}/versions/{v}`: the version deleted. */
  deleteVersion(subject: string, version: number | 'latest', permanent: boolean): number {
    const versions = this.#subjects.get(subject);
    if (versions === undefined || versions.length === 0) throw Errors.subjectNotFound(subject);
    this.#checkWritable(subject);
    let entry: SubjectVersion | undefined;
    if (version === 'latest' || version === -1) {
      entry = permanent ? versions.at(-1) : versions.filter((v) => !v.deleted).at(-1);
    } else {
      entry = versions.find((v) => v.version === version);
    }
    if (entry === undefined) throw Errors.versionNotFound(version);
    if (permanent && !entry.deleted) throw Errors.versionNotSoftDeleted(subject, entry.version);
    if (!permanent && entry.deleted) throw Errors.versionSoftDeleted(subject, entry.version);
    if (permanent) {
      const settings = this.#subjectSettings(subject);
      this.#commit({ t: 'delete-version', subject, version: entry.version, permanent: true });
      if ((this.#subjects.get(subject)?.length ?? 0) === 0) this.#forgetSubjectSettings(subject, settings);
    } else {
      const stored = this.#byId.get(entry.id)!;
      this.#commit({
        t: 'version',
        subject,
        version: entry.version,
        id: entry.id,
        schemaType: stored.schemaType,
        schema: stored.schema,
        references: stored.references,
        deleted: true,
      });
    }
    return entry.version;
  }

  // ---- config and mode -----------------------------------------------------------------------

  /** The compatibility level in force (`fallback`: the global one when the subject has none). */
  compatibility(subject: string | null, fallback = false): CompatibilityLevel {
    if (subject !== null) {
      const own = this.#subjectCompatibility.get(subject);
      if (own !== undefined) return own;
      if (!fallback) throw Errors.subjectConfigNotFound(subject);
    }
    return this.#globalCompatibility ?? this.#defaultCompatibility;
  }

  setCompatibility(subject: string | null, level: unknown): CompatibilityLevel {
    const upper = typeof level === 'string' ? level.toUpperCase() : level;
    if (!COMPATIBILITY_LEVELS.includes(upper as CompatibilityLevel))
      throw Errors.invalidCompatibilityLevel(level);
    this.#commit({ t: 'config', subject, compatibility: upper as string });
    return upper as CompatibilityLevel;
  }

  deleteCompatibility(subject: string | null): CompatibilityLevel {
    const before = this.compatibility(subject, subject === null);
    if (subject !== null && !this.#subjects.has(subject) && !this.#subjectCompatibility.has(subject)) {
      throw Errors.subjectNotFound(subject);
    }
    this.#commit({ t: 'config', subject, compatibility: null });
    return before;
  }

  mode(subject: string | null, fallback = false): Mode {
    if (subject !== null) {
      const own = this.#subjectMode.get(subject);
      if (own !== undefined) return own;
      if (!fallback) throw Errors.subjectModeNotFound(subject);
    }
    return this.#globalMode;
  }

  setMode(subject: string | null, mode: unknown, force = false): Mode {
    const upper = typeof mode === 'string' ? mode.toUpperCase() : mode;
    if (!MODES.includes(upper as Mode)) throw Errors.invalidMode(mode);
    if (upper === 'IMPORT' && !force) {
      const nonEmpty =
        subject === null ? this.#byId.size > 0 : (this.#subjects.get(subject)?.length ?? 0) > 0;
      if (nonEmpty) {
        throw Errors.operationNotPermitted(
          'Cannot import since found existing subjects; set force=true to import into a registry that has schemas',
        );
      }
    }
    this.#commit({ t: 'mode', subject, mode: upper as string });
    return upper as Mode;
  }

  deleteMode(subject: string): Mode {
    const before = this.mode(subject, true);
    this.#commit({ t: 'mode', subject, mode: null });
    return before;
  }

  close(): void {
    this.#storage.close?.();
  }

  // ---- helpers -------------------------------------------------------------------------------

  /** A subject's own compatibility and mode, removed once its last version is gone for good. */
  #forgetSubjectSettings(subject: string, had: { compatibility: boolean; mode: boolean }): void {
    if (had.compatibility) this.#commit({ t: 'config', subject, compatibility: null });
    if (had.mode) this.#commit({ t: 'mode', subject, mode: null });
  }

  #subjectSettings(subject: string): { compatibility: boolean; mode: boolean } {
    return { compatibility: this.#subjectCompatibility.has(subject), mode: this.#subjectMode.has(subject) };
  }

  #checkWritable(subject: string): void {
    const mode = this.mode(subject, true);
    if (mode === 'READONLY' || mode === 'READONLY_OVERRIDE') {
      throw Errors.operationNotPermitted(`Subject ${subject} is in read-only mode`);
    }
  }

  #live(subject: string, includeDeleted: boolean): SubjectVersion[] {
    const versions = this.#subjects.get(subject);
    const list = versions?.filter((v) => includeDeleted || !v.deleted) ?? [];
    if (list.length === 0) throw Errors.subjectNotFound(subject);
    return list;
  }

  #registered(subject: string, entry: SubjectVersion): RegisteredSchema {
    const stored = this.#byId.get(entry.id)!;
    return {
      subject,
      version: entry.version,
      id: entry.id,
      schemaType: stored.schemaType,
      schema: stored.schema,
      references: stored.references,
    };
  }

  #event(
    subject: string,
    version: number,
    id: number,
    parsed: ParsedSchema,
    references: readonly SchemaReference[],
  ): RegistryEvent {
    return {
      t: 'version',
      subject,
      version,
      id,
      schemaType: parsed.schemaType,
      schema: parsed.canonical,
      references,
      deleted: false,
    };
  }

  #resolveReferences(references: readonly SchemaReference[]): ResolvedReference[] {
    return references.map((ref) => {
      if (typeof ref?.subject !== 'string' || typeof ref.name !== 'string') {
        throw Errors.invalidSchema('Invalid schema reference: "name", "subject" and "version" are required');
      }
      let registered: RegisteredSchema;
      try {
        registered = this.version(ref.subject, ref.version === -1 ? 'latest' : ref.version);
      } catch {
        throw Errors.invalidSchema(
          `Invalid schema reference ${ref.name}: subject ${ref.subject} version ${ref.version} not found`,
        );
      }
      return { name: ref.name, schemaType: registered.schemaType, schema: registered.schema };
    });
  }

  #parse(request: RegisterRequest): ParsedSchema {
    if (typeof request?.schema !== 'string') {
      throw Errors.invalidSchema('Invalid schema: the request needs "schema", the schema as a string');
    }
    const schemaType = (request.schemaType ?? 'AVRO').toUpperCase() as SchemaType;
    if (!['AVRO', 'JSON', 'PROTOBUF'].includes(schemaType)) {
      throw Errors.invalidSchema(
        `Invalid schema type ${JSON.stringify(request.schemaType)}: AVRO, JSON or PROTOBUF`,
      );
    }
    return parseSchema(schemaType, request.schema, this.#resolveReferences(request.references ?? []));
  }

  #parsedById(id: number): ParsedSchema {
    let parsed = this.#parsed.get(id);
    if (parsed === undefined) {
      const stored = this.#byId.get(id)!;
      parsed = parseSchema(stored.schemaType, stored.schema, this.#resolveReferences(stored.references));
      this.#parsed.set(id, parsed);
    }
    return parsed;
  }
}
