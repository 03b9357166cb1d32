/**
 * Confluent's mapping between Connect schemas/values and Protobuf (what Confluent's
 * `ProtobufData` does for `io.confluent.connect.protobuf.ProtobufConverter`), written for Sluice:
 * a Connect struct becomes a proto3 message (unnamed structs `ConnectDefault1`, `ConnectDefault2`, ...),
 * fields numbered from 1 in order (or the `io.confluent.connect.protobuf.Tag` parameter), int8/int16 as
 * int32 with a `connect.type` field option, Decimal as `confluent.type.Decimal`, Date as
 * `google.type.Date`, Time as `google.type.TimeOfDay`, Timestamp as `google.protobuf.Timestamp`,
 * arrays as repeated fields, maps as map fields (or repeated `...Entry` messages when the key cannot be a
 * map key), unions (`io.confluent.connect.protobuf.Union.*` structs) as oneofs and enums
 * (`io.confluent.connect.protobuf.Enum` parameters) as enums. protobufjs parses schemas and encodes.
 */
import {
  BigDecimal,
  ConnectDate,
  DataError,
  Decimal,
  type Schema,
  SchemaBuilder,
  Struct,
  Time,
  Timestamp,
} from '@sluice/api';
import protobuf from 'protobufjs';
import descriptorExt from 'protobufjs/ext/descriptor/index.js';

export const UNION_PREFIX = 'io.confluent.connect.protobuf.Union.';
export const ENUM_PARAM = 'io.confluent.connect.protobuf.Enum';
export const TAG_PARAM = 'io.confluent.connect.protobuf.Tag';
export const CONNECT_TYPE = 'connect.type';

export interface ProtobufDataOptions {
  /** `wrapper.for.nullables`: optional primitives as google.protobuf wrapper messages. */
  readonly wrapperForNullables: boolean;
  /** `optional.for.nullables`: optional primitives as proto3 `optional` fields. */
  readonly optionalForNullables: boolean;
  /** `wrapper.for.raw.primitives`: reading, wrapper messages become optional primitives. */
  readonly wrapperForRawPrimitives: boolean;
  /** `generate.index.for.unions`: a oneof's Connect field is named `<oneof>_<index>`. */
  readonly generateIndexForUnions: boolean;
  /** `int.for.enums`: reading, enums become INT32 rather than STRING. */
  readonly intForEnums: boolean;
  /** `enhanced.protobuf.schema.support`: reading, structs and enums keep their full names. */
  readonly enhancedSchemaSupport: boolean;
  /** `scrub.invalid.names`: names that are not Protobuf identifiers are scrubbed. */
  readonly scrubInvalidNames: boolean;
}

export const DEFAULT_PROTOBUF_DATA_OPTIONS: ProtobufDataOptions = {
  wrapperForNullables: false,
  optionalForNullables: false,
  wrapperForRawPrimitives: true,
  generateIndexForUnions: true,
  intForEnums: false,
  enhancedSchemaSupport: false,
  scrubInvalidNames: false,
};

/** The files Connect's mapping imports, as their published definitions (loaded into every root). */
export const KNOWN_FILES: Readonly<Record<string, string>> = {
  'google/protobuf/timestamp.proto':
    'syntax = "proto3"; package google.protobuf; message Timestamp { int64 seconds = 1; int32 nanos = 2; }',
  'google/protobuf/wrappers.proto':
    'syntax = "proto3"; package google.protobuf; message DoubleValue { double value = 1; } message FloatValue { float value = 1; } message Int64Value { int64 value = 1; } message UInt64Value { uint64 value = 1; } message Int32Value { int32 value = 1; } message UInt32Value { uint32 value = 1; } message BoolValue { bool value = 1; } message StringValue { string value = 1; } message BytesValue { bytes value = 1; }',
  'google/type/date.proto':
    'syntax = "proto3"; package google.type; message Date { int32 year = 1; int32 month = 2; int32 day = 3; }',
  'google/type/timeofday.proto':
    'syntax = "proto3"; package google.type; message TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; }',
  'confluent/type/decimal.proto':
    'syntax = "proto3"; package confluent.type; message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }',
  'confluent/meta.proto':
    'syntax = "proto3"; package confluent; message Meta { string doc = 1; map<string, string> params = 2; repeated string tags = 3; }',
};

/**
 * google/protobuf/wrappers.proto as its own file (official message order and options): the schema a
 * primitive value is registered with, the message index picking the wrapper.
 */
export const WRAPPERS_FILE = `syntax = "proto3";
package google.protobuf;

option cc_enable_arenas = true;
option go_package = "google.golang.org/protobuf/types/known/wrapperspb";
option java_package = "com.google.protobuf";
option java_outer_classname = "WrappersProto";
option java_multiple_files = true;
option objc_class_prefix = "GPB";
option csharp_namespace = "Google.Protobuf.WellKnownTypes";

message DoubleValue {
  double value = 1;
}
message FloatValue {
  float value = 1;
}
message Int64Value {
  int64 value = 1;
}
message UInt64Value {
  uint64 value = 1;
}
message Int32Value {
  int32 value = 1;
}
message UInt32Value {
  uint32 value = 1;
}
message BoolValue {
  bool value = 1;
}
message StringValue {
  string value = 1;
}
message BytesValue {
  bytes value = 1;
}
`;

const WRAPPERS: Readonly<Record<string, Schema['type']>> = {
  'google.protobuf.DoubleValue': 'FLOAT64',
  'google.protobuf.FloatValue': 'FLOAT32',
  'google.protobuf.Int64Value': 'INT64',
  'google.protobuf.UInt64Value': 'INT64',
  'google.protobuf.Int32Value': 'INT32',
  'google.protobuf.UInt32Value': 'INT64',
  'google.protobuf.BoolValue': 'BOOLEAN',
  'google.protobuf.StringValue': 'STRING',
  'google.protobuf.BytesValue': 'BYTES',
};

const WRAPPER_FOR: Partial<Record<Schema['type'], string>> = {
  INT8: 'google.protobuf.Int32Value',
  INT16: 'google.protobuf.Int32Value',
  INT32: 'google.protobuf.Int32Value',
  INT64: 'google.protobuf.Int64Value',
  FLOAT32: 'google.protobuf.FloatValue',
  FLOAT64: 'google.protobuf.DoubleValue',
  BOOLEAN: 'google.protobuf.BoolValue',
  STRING: 'google.protobuf.StringValue',
  BYTES: 'google.protobuf.BytesValue',
};

const SCALAR: Partial<Record<Schema['type'], string>> = {
  INT8: 'int32',
  INT16: 'int32',
  INT32: 'int32',
  INT64: 'int64',
  FLOAT32: 'float',
  FLOAT64: 'double',
  BOOLEAN: 'bool',
  STRING: 'string',
  BYTES: 'bytes',
};

const FILE_OF_TYPE: Readonly<Record<string, string>> = {
  'confluent.type.Decimal': 'confluent/type/decimal.proto',
  'google.type.Date': 'google/type/date.proto',
  'google.type.TimeOfDay': 'google/type/timeofday.proto',
  'google.protobuf.Timestamp': 'google/protobuf/timestamp.proto',
};

/** A Connect schema as proto3 text, with the message (full name) the data is written as. */
export interface ProtobufSchemaText {
  readonly text: string;
  /** Full name of the root message (`package.Name`). */
  readonly fullName: string;
  /** The imported files (all of them known types, registered without references as Confluent's clients do by default). */
  readonly imports: readonly string[];
}

function splitName(full: string): [string | null, string] {
  const i = full.lastIndexOf('.');
  return i < 0 ? [null, full] : [full.slice(0, i), full.slice(i + 1)];
}

function scrub(name: string, on: boolean): string {
  if (!on) return name;
  let out = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z]/.test(out)) out = `x${out}`;
  return out;
}

function camel(name: string): string {
  return name
    .split('_')
    .map((p) => (p === '' ? '' : p[0]!.toUpperCase() + p.slice(1)))
    .join('');
}

function quote(s: string): string {
  return JSON.stringify(s);
}

/** Converts a Connect STRUCT schema to proto3 text the way Confluent's ProtobufData does. */
export function fromConnectSchemaProtobuf(
  schema: Schema,
  options: ProtobufDataOptions = DEFAULT_PROTOBUF_DATA_OPTIONS,
): ProtobufSchemaText {
  if (schema.type !== 'STRUCT') {
    const wrapper = WRAPPER_FOR[schema.type];
    if (wrapper === undefined || schema.name !== null) {
      throw new DataError(
        `ProtobufConverter writes structs and primitives (as google.protobuf wrappers), not a root of type ${schema.name ?? schema.type}`,
      );
    }
    // As Confluent's converter: a primitive is its google.protobuf wrapper message.
    return { text: WRAPPERS_FILE, fullName: wrapper, imports: [] };
  }
  const imports = new Set<string>();
  let defaults = 0;
  const nextDefault = () => `ConnectDefault${++defaults}`;
  const fullName = schema.name ?? nextDefault();
  const [pkg, rootName] = splitName(fullName);
  const emitted = new Set<string>();

  const message = (s: Schema, name: string, indent: string): string[] => {
    const lines = [`${indent}message ${name} {`];
    const nested: string[] = [];
    let index = 1;
    for (const f of s.fields) {
      const fname = scrub(f.name, options.scrubInvalidNames);
      const fs = f.schema;
      if (fs.type === 'STRUCT' && fs.name?.startsWith(UNION_PREFIX)) {
        const oneofName = scrub(
          fs.name.slice(UNION_PREFIX.length).replace(/_\d+$/, ''),
          options.scrubInvalidNames,
        );
        lines.push(`${indent}  oneof ${oneofName} {`);
        for (const m of fs.fields) {
          const tag = m.schema.parameters?.[TAG_PARAM];
          const n = tag !== undefined ? Number(tag) : index++;
          const t = fieldType(
            m.schema,
            scrub(m.name, options.scrubInvalidNames),
            nested,
            `${indent}  `,
            true,
          );
          lines.push(`${indent}    ${t.type} ${scrub(m.name, options.scrubInvalidNames)} = ${n}${t.opts};`);
        }
        lines.push(`${indent}  }`);
        continue;
      }
      const tag = fs.parameters?.[TAG_PARAM];
      const n = tag !== undefined ? Number(tag) : index++;
      if (fs.type === 'ARRAY') {
        if (fs.valueSchema!.type === 'ARRAY') {
          throw new DataError(`Field ${f.name}: Confluent's Protobuf mapping has no array of arrays`);
        }
        const t = fieldType(fs.valueSchema!, fname, nested, `${indent}  `, true);
        lines.push(`${indent}  repeated ${t.type} ${fname} = ${n}${t.opts};`);
      } else if (fs.type === 'MAP') {
        // As Confluent's converter: a nested `<Name>Entry` message (no map_entry option), repeated.
        const entry = `${fs.name !== null ? camel(splitName(fs.name)[1]) : nextDefault()}Entry`;
        const entryNested: string[] = [];
        const kt = fieldType(fs.keySchema!, 'key', entryNested, `${indent}    `, true);
        const vt = fieldType(fs.valueSchema!, 'value', entryNested, `${indent}    `, true);
        if (!emitted.has(entry)) {
          emitted.add(entry);
          nested.push(
            `${indent}  message ${entry} {`,
            `${indent}    ${kt.type} key = 1${kt.opts};`,
            `${indent}    ${vt.type} value = 2${vt.opts};`,
            ...entryNested,
            `${indent}  }`,
          );
        }
        lines.push(`${indent}  repeated ${entry} ${fname} = ${n};`);
      } else {
        const t = fieldType(fs, fname, nested, `${indent}  `, false);
        lines.push(`${indent}  ${t.label}${t.type} ${fname} = ${n}${t.opts};`);
      }
    }
    return [...lines, ...nested, `${indent}}`];
  };

  const fieldType = (
    fs: Schema,
    fname: string,
    nested: string[],
    indent: string,
    noLabel: boolean,
  ): { type: string; opts: string; label: string } => {
    const params: [string, string][] = [];
    let type: string;
    let label = '';
    switch (fs.name) {
      case Decimal.LOGICAL_NAME: {
        const precision = fs.parameters?.['connect.decimal.precision'];
        if (precision !== undefined) params.push(['precision', precision]);
        params.push(['scale', fs.parameters?.scale ?? '0']);
        type = 'confluent.type.Decimal';
        break;
      }
      case ConnectDate.LOGICAL_NAME:
        type = 'google.type.Date';
        break;
      case Time.LOGICAL_NAME:
        type = 'google.type.TimeOfDay';
        break;
      case Timestamp.LOGICAL_NAME:
        type = 'google.protobuf.Timestamp';
        break;
      default:
        type = '';
    }
    if (type !== '') {
      imports.add(FILE_OF_TYPE[type]!);
    } else if (fs.type === 'STRUCT') {
      let name = fs.name === null ? nextDefault() : splitName(fs.name)[1];
      if (name === fname) name = `${name}Message`;
      name = scrub(name, options.scrubInvalidNames);
      if (!emitted.has(name)) {
        emitted.add(name);
        nested.push(...message(fs, name, indent));
      }
      type = name;
    } else if (fs.type === 'STRING' && fs.parameters?.[ENUM_PARAM] !== undefined) {
      const enumName = fs.parameters[ENUM_PARAM]!;
      if (!emitted.has(`enum:${enumName}`)) {
        emitted.add(`enum:${enumName}`);
        nested.push(`${indent}enum ${enumName} {`);
        for (const [k, v] of Object.entries(fs.parameters)) {
          if (k.startsWith(`${ENUM_PARAM}.`))
            nested.push(`${indent}  ${k.slice(ENUM_PARAM.length + 1)} = ${v};`);
        }
        nested.push(`${indent}}`);
      }
      type = enumName;
    } else if (fs.type === 'ARRAY' || fs.type === 'MAP') {
      throw new DataError(
        `Field ${fname}: Confluent's Protobuf mapping has no ${fs.type} nested directly in an array or map`,
      );
    } else {
      if (fs.type === 'INT8' || fs.type === 'INT16') params.push([CONNECT_TYPE, fs.type.toLowerCase()]);
      if (fs.isOptional && options.wrapperForNullables) {
        type = WRAPPER_FOR[fs.type]!;
        imports.add('google/protobuf/wrappers.proto');
      } else {
        type = SCALAR[fs.type]!;
        if (fs.isOptional && options.optionalForNullables && !noLabel) label = 'optional ';
      }
    }
    let opts = '';
    if (params.length > 0) {
      imports.add('confluent/meta.proto');
      const entries = params.map(([k, v]) => `{ key: ${quote(k)}, value: ${quote(v)} }`).join(', ');
      opts = ` [(confluent.field_meta) = { params: [${entries}] }]`;
    }
    return { type, opts, label };
  };

  emitted.add(rootName);
  const body = message(schema, rootName, '');
  const head = ['syntax = "proto3";'];
  if (pkg !== null) head.push(`package ${pkg};`);
  const sortedImports = [...imports].sort();
  const importLines = sortedImports.map((i) => `import ${quote(i)};`);
  const text = [...head, '', ...importLines, ...(importLines.length > 0 ? [''] : []), ...body, ''].join('\n');
  return { text, fullName, imports: sortedImports };
}

// ---------------------------------------------------------------------------------------------
// Parsing registered schemas

/** A new protobufjs root holding the known files. */
function knownRoot(): protobuf.Root {
  const root = new protobuf.Root();
  for (const text of Object.values(KNOWN_FILES)) protobuf.parse(text, root, { keepCase: true });
  return root;
}

/** Whether registered PROTOBUF text is a base64 FileDescriptorProto (what Confluent's Python client registers). */
export function isSerializedDescriptor(text: string): boolean {
  const t = text.trim();
  return /^[A-Za-z0-9+/=\s]+$/.test(t) && !/\b(syntax|message|package)\b/.test(t);
}

/** A registered schema (text or base64 descriptor) and its referenced files, parsed into one root. */
export function parseProtobufSchema(
  text: string,
  references: readonly string[] = [],
): {
  root: protobuf.Root;
  /** Top-level messages of the main file, in order (the message-index list counts them). */
  messages: protobuf.Type[];
} {
  if (isSerializedDescriptor(text) || references.some(isSerializedDescriptor)) {
    return parseDescriptors(text, references);
  }
  const root = knownRoot();
  for (const ref of references) addFile(root, ref);
  const messages = addFile(root, text);
  root.resolveAll();
  return { root, messages };
}

type Fdp = { name?: string; package?: string; messageType?: { name: string }[] };

/** Base64 FileDescriptorProtos (Confluent's Python client registers those) with the known files, as one root. */
function parseDescriptors(text: string, references: readonly string[]) {
  const ext = descriptorExt as unknown as {
    FileDescriptorProto: { decode(b: Uint8Array): unknown; toObject(m: unknown): unknown };
    FileDescriptorSet: { toObject(m: unknown): { file: unknown[] } };
  };
  const toDescriptor = (r: protobuf.Root) =>
    (r as unknown as { toDescriptor(e: string): unknown }).toDescriptor('proto3');
  const files: unknown[] = [];
  const decode = (t: string): Fdp => ext.FileDescriptorProto.decode(Buffer.from(t.trim(), 'base64')) as Fdp;
  const known = knownRoot();
  for (const ref of references) {
    if (isSerializedDescriptor(ref)) files.push(decode(ref));
    else protobuf.parse(ref, known, { keepCase: true });
  }
  const main = decode(text);
  // A registered well-known file (e.g. google/protobuf/wrappers.proto for a raw primitive) replaces
  // Sluice's own copy of its definitions.
  for (const m of main.messageType ?? []) {
    const existing = known.lookup(main.package ? `${main.package}.${m.name}` : m.name);
    if (existing?.parent) existing.parent.remove(existing);
  }
  files.unshift(...(toDescriptor(known) as { file: unknown[] }).file);
  files.push(main);
  const fromDescriptor = (
    protobuf.Root as unknown as { fromDescriptor(d: unknown, o: unknown): protobuf.Root }
  ).fromDescriptor;
  const root = fromDescriptor({ file: files }, { keepCase: true });
  root.resolveAll();
  // protobufjs drops extension options: put Confluent's field_meta params back on the fields.
  for (const [path, params] of fieldMetaParams(Buffer.from(text.trim(), 'base64'))) {
    const field = root.lookup(path);
    if (field instanceof protobuf.Field) {
      if (field.options === undefined) field.options = {};
      const o = field.options as Record<string, unknown>;
      o['(confluent.field_meta)'] = {
        params: Object.entries(params).map(([key, value]) => ({ key, value })),
      };
    }
  }
  const messages = (main.messageType ?? []).map((m) =>
    root.lookupType(main.package ? `${main.package}.${m.name}` : m.name),
  );
  return { root, messages };
}

/** `confluent.field_meta` (FieldOptions extension 1088) params of every field in a FileDescriptorProto, by field path. */
function fieldMetaParams(bytes: Uint8Array): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  const each = (buf: Uint8Array, fn: (field: number, r: protobuf.Reader) => boolean) => {
    const r = protobuf.Reader.create(buf);
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (!fn(tag >>> 3, r)) r.skipType(tag & 7);
    }
  };
  const message = (buf: Uint8Array, scope: string) => {
    let name = '';
    const fields: Uint8Array[] = [];
    const nested: Uint8Array[] = [];
    each(buf, (n, r) => {
      if (n === 1) name = r.string();
      else if (n === 2) fields.push(r.bytes());
      else if (n === 3) nested.push(r.bytes());
      else return false;
      return true;
    });
    const path = scope === '' ? name : `${scope}.${name}`;
    for (const f of fields) {
      let fname = '';
      let options: Uint8Array | null = null;
      each(f, (n, r) => {
        if (n === 1) fname = r.string();
        else if (n === 8) options = r.bytes();
        else return false;
        return true;
      });
      if (options === null) continue;
      const params: Record<string, string> = {};
      each(options, (n, r) => {
        if (n !== 1088) return false;
        each(r.bytes(), (m, r2) => {
          if (m !== 2) return false;
          let key = '';
          let value = '';
          each(r2.bytes(), (e, r3) => {
            if (e === 1) key = r3.string();
            else if (e === 2) value = r3.string();
            else return false;
            return true;
          });
          params[key] = value;
          return true;
        });
        return true;
      });
      if (Object.keys(params).length > 0) out.set(`${path}.${fname}`, params);
    }
    for (const n of nested) message(n, path);
  };
  let pkg = '';
  const messages: Uint8Array[] = [];
  each(bytes, (n, r) => {
    if (n === 2) pkg = r.string();
    else if (n === 4) messages.push(r.bytes());
    else return false;
    return true;
  });
  for (const m of messages) message(m, pkg);
  return out;
}

function addFile(root: protobuf.Root, text: string): protobuf.Type[] {
  if (isSerializedDescriptor(text)) {
    throw new DataError('a serialized descriptor is read through parseProtobufSchema');
  }
  // A registered copy of a known file (google/protobuf/wrappers.proto for a raw primitive) replaces
  // Sluice's own copy of its definitions.
  const pkg = /^\s*package\s+([A-Za-z0-9_.]+)\s*;/m.exec(text)?.[1];
  for (const n of topLevelMessageNames(text)) {
    const existing = root.lookup(pkg ? `${pkg}.${n}` : n);
    if (existing?.parent) existing.parent.remove(existing);
  }
  const parsed = protobuf.parse(text, root, { keepCase: true });
  const pkgNs = parsed.package ? root.lookup(parsed.package) : root;
  if (!(pkgNs instanceof protobuf.Namespace)) return [];
  // Top-level messages of this file: parse order of the `message` declarations at depth 0.
  const names = topLevelMessageNames(text);
  return names.map((n) => pkgNs.lookupType(n));
}

function topLevelMessageNames(text: string): string[] {
  const stripped = text
    .replace(/\/\/[^\n]*/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const out: string[] = [];
  let depth = 0;
  const re = /[{}]|\bmessage\s+([A-Za-z_][A-Za-z0-9_]*)/g;
  for (let m = re.exec(stripped); m !== null; m = re.exec(stripped)) {
    if (m[0] === '{') depth++;
    else if (m[0] === '}') depth--;
    else if (depth === 0) out.push(m[1]!);
  }
  return out;
}

/** Confluent's message-index list of `type` within its file (`[0]` for the first top-level message). */
export function messageIndexes(type: protobuf.Type, topLevel: readonly protobuf.Type[]): number[] {
  const path: number[] = [];
  let t: protobuf.Type = type;
  while (t.parent instanceof protobuf.Type) {
    const parent = t.parent;
    const nestedTypes = parent.nestedArray.filter(
      (n) => n instanceof protobuf.Type && !isMapEntryName(parent, n),
    );
    path.unshift(nestedTypes.indexOf(t));
    t = parent;
  }
  const i = topLevel.indexOf(t);
  if (i < 0) throw new DataError(`Message ${type.fullName} is not defined in its schema`);
  path.unshift(i);
  return path;
}

function isMapEntryName(_parent: protobuf.Type, _n: protobuf.ReflectionObject): boolean {
  // protobufjs does not materialise map entry messages as nested types, so none are skipped.
  return false;
}

/** The message a message-index list names. */
export function messageAt(indexes: readonly number[], topLevel: readonly protobuf.Type[]): protobuf.Type {
  let t = topLevel[indexes[0] ?? 0];
  if (t === undefined)
    throw new DataError(`Invalid message indexes [${indexes.join(', ')}]: no such message`);
  for (let i = 1; i < indexes.length; i++) {
    const nestedTypes: protobuf.Type[] = t.nestedArray.filter(
      (n): n is protobuf.Type => n instanceof protobuf.Type,
    );
    const next: protobuf.Type | undefined = nestedTypes[indexes[i]!];
    if (next === undefined)
      throw new DataError(`Invalid message indexes [${indexes.join(', ')}]: no such message`);
    t = next;
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Protobuf schema -> Connect schema

function metaParams(field: protobuf.Field): Record<string, string> {
  const out: Record<string, string> = {};
  const o = field.options as Record<string, unknown> | undefined;
  if (o === undefined) return out;
  const key = o['(confluent.field_meta).params.key'];
  const value = o['(confluent.field_meta).params.value'];
  if (typeof key === 'string' && typeof value === 'string') out[key] = value;
  const agg = o['(confluent.field_meta)'] as { params?: { key: string; value: string }[] } | undefined;
  for (const p of agg?.params ?? []) out[p.key] = p.value;
  return out;
}

function isProto3Optional(f: protobuf.Field): boolean {
  return (f.options as Record<string, unknown> | undefined)?.proto3_optional === true;
}

/**
 * The Connect schema Confluent's ProtobufData gives a message: named by the message's simple name
 * (full name with `enhanced.protobuf.schema.support`), oneofs first as optional
 * `io.confluent.connect.protobuf.Union.<oneof>` structs in fields `<oneof>_<index>`, then the other
 * fields, each optional (unless `wrapper.for.nullables`) with its number as the
 * `io.confluent.connect.protobuf.Tag` parameter.
 */
export function toConnectSchemaProtobuf(
  type: protobuf.Type,
  options: ProtobufDataOptions = DEFAULT_PROTOBUF_DATA_OPTIONS,
  version: number | null = null,
): Schema {
  const wrapped = rootWrapper(type, options);
  if (wrapped !== null) return scalarBuilder(wrapped.type, {}).optional().build();
  const b = messageSchema(type, options, new Map());
  if (version !== null) b.version(version);
  return b.build();
}

function structName(
  type: protobuf.Type | protobuf.Enum | protobuf.OneOf,
  options: ProtobufDataOptions,
): string {
  return options.enhancedSchemaSupport ? type.fullName.replace(/^\./, '') : type.name;
}

function realOneofs(type: protobuf.Type): protobuf.OneOf[] {
  return type.oneofsArray.filter((o) => !o.fieldsArray.every(isProto3Optional));
}

function messageSchema(
  type: protobuf.Type,
  options: ProtobufDataOptions,
  seen: Map<string, Schema>,
): SchemaBuilder {
  const b = SchemaBuilder.struct().name(structName(type, options));
  const oneofs = realOneofs(type);
  oneofs.forEach((oneof, i) => {
    const u = SchemaBuilder.struct()
      .name(`${UNION_PREFIX}${structName(oneof, options)}`)
      .optional();
    for (const m of oneof.fieldsArray) u.field(m.name, fieldSchema(m, options, seen));
    b.field(options.generateIndexForUnions ? `${oneof.name}_${i}` : oneof.name, u.build());
  });
  for (const f of type.fieldsArray) {
    if (f.partOf !== null && oneofs.includes(f.partOf)) continue;
    b.field(f.name, fieldSchema(f, options, seen));
  }
  return b;
}

/** Confluent's map schema name: the entry message's name without `Entry`, first letter lower-cased. */
function mapName(entryName: string): string {
  const n = entryName.endsWith('Entry') ? entryName.slice(0, -5) : entryName;
  return n === '' ? n : n[0]!.toLowerCase() + n.slice(1);
}

/** Sets optional once (Connect's SchemaBuilder refuses a second call; Java's does not). */
function opt(b: SchemaBuilder): SchemaBuilder {
  return b.isOptional ? b : b.optional();
}

function fieldSchema(f: protobuf.Field, options: ProtobufDataOptions, seen: Map<string, Schema>): Schema {
  f.resolve();
  let b: SchemaBuilder;
  if (f instanceof protobuf.MapField) {
    const key = opt(scalarBuilder(f.keyType, {})).parameter(TAG_PARAM, '1').build();
    const value = singleBuilder(f, options, seen);
    if (!options.wrapperForNullables) opt(value);
    value.parameter(TAG_PARAM, '2');
    b = SchemaBuilder.map(key, value.build()).name(mapName(`${camel(f.name)}Entry`));
  } else {
    const rt = f.resolvedType;
    const entry =
      f.repeated &&
      rt instanceof protobuf.Type &&
      rt.name.endsWith('Entry') &&
      rt.fieldsArray.length === 2 &&
      rt.fields.key?.id === 1 &&
      rt.fields.value?.id === 2;
    if (entry) {
      const et = rt as protobuf.Type;
      b = SchemaBuilder.map(
        fieldSchema(et.fields.key!, options, seen),
        fieldSchema(et.fields.value!, options, seen),
      ).name(mapName(et.name));
    } else {
      b = singleBuilder(f, options, seen);
      if (f.repeated) b = opt(SchemaBuilder.array(opt(b).build()));
    }
  }
  if (!options.wrapperForNullables) opt(b);
  b.parameter(TAG_PARAM, String(f.id));
  return b.build();
}

function singleBuilder(
  f: protobuf.Field,
  options: ProtobufDataOptions,
  seen: Map<string, Schema>,
): SchemaBuilder {
  const resolved = f.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    if (options.intForEnums) return opt(SchemaBuilder.int32());
    const b = SchemaBuilder.string()
      .name(structName(resolved, options))
      .optional()
      .parameter(ENUM_PARAM, resolved.name);
    for (const [k, v] of Object.entries(resolved.values)) b.parameter(`${ENUM_PARAM}.${k}`, String(v));
    return b;
  }
  if (resolved instanceof protobuf.Type) {
    const full = resolved.fullName.replace(/^\./, '');
    switch (full) {
      case 'confluent.type.Decimal': {
        const p = metaParams(f);
        const b = opt(Decimal.builder(Number(p.scale ?? 0)));
        if (p.precision !== undefined) b.parameter('connect.decimal.precision', p.precision);
        return b;
      }
      case 'google.type.Date':
        return opt(ConnectDate.builder());
      case 'google.type.TimeOfDay':
        return opt(Time.builder());
      case 'google.protobuf.Timestamp':
        return opt(Timestamp.builder());
    }
    if (WRAPPERS[full] !== undefined && options.wrapperForNullables) {
      return opt(scalarBuilder(resolved.fields.value!.type, metaParams(f)));
    }
    const cached = seen.get(full);
    if (cached !== undefined) return SchemaBuilder.from(cached);
    const s = messageSchema(resolved, options, seen).optional().build();
    seen.set(full, s);
    return SchemaBuilder.from(s);
  }
  return scalarBuilder(f.type, metaParams(f));
}

function scalarBuilder(type: string, params: Record<string, string>): SchemaBuilder {
  switch (type) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      if (params[CONNECT_TYPE] === 'int8') return SchemaBuilder.int8();
      if (params[CONNECT_TYPE] === 'int16') return SchemaBuilder.int16();
      return SchemaBuilder.int32();
    case 'uint32':
    case 'fixed32':
    case 'int64':
    case 'sint64':
    case 'sfixed64':
    case 'uint64':
    case 'fixed64':
      return SchemaBuilder.int64();
    case 'float':
      return SchemaBuilder.float32();
    case 'double':
      return SchemaBuilder.float64();
    case 'bool':
      return SchemaBuilder.bool();
    case 'string':
      return SchemaBuilder.string();
    case 'bytes':
      return SchemaBuilder.bytes();
  }
  throw new DataError(`Unsupported Protobuf type ${type}`);
}

// ---------------------------------------------------------------------------------------------
// Values

type Long = { low: number; high: number; unsigned: boolean; toString(): string };

function fromLong(v: unknown): number | bigint {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string') return toNumberIfSafe(BigInt(v));
  const l = v as Long;
  const high = l.unsigned ? l.high >>> 0 : l.high;
  // Within ±2^53: exact as a number without going through a string.
  if (high >= -0x200000 && high < 0x200000) return high * 4294967296 + (l.low >>> 0);
  return toNumberIfSafe(BigInt(l.toString()));
}

function toNumberIfSafe(b: bigint): number | bigint {
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

const MS_PER_DAY = 86_400_000;

function digitCount(n: bigint): number {
  const a = n < 0n ? -n : n;
  if (a < 9007199254740992n) {
    let x = Number(a);
    let digits = 1;
    while (x >= 10) {
      x = Math.floor(x / 10);
      digits++;
    }
    return digits;
  }
  return a.toString().length;
}

type FieldWriter = (value: Struct, out: Record<string, unknown>) => void;

const WRITERS = new WeakMap<Schema, WeakMap<protobuf.Type, FieldWriter[]>>();

/** One writer per Connect field of `schema`, worked out once per (schema, message type). */
function fieldWriters(schema: Schema, type: protobuf.Type): FieldWriter[] {
  let byType = WRITERS.get(schema);
  if (byType === undefined) {
    byType = new WeakMap();
    WRITERS.set(schema, byType);
  }
  let writers = byType.get(type);
  if (writers !== undefined) return writers;
  writers = schema.fields.map((f): FieldWriter => {
    const fs = f.schema;
    if (fs.type === 'STRUCT' && fs.name?.startsWith(UNION_PREFIX)) {
      const members = fs.fields.map((m) => {
        const pf = type.fields[m.name];
        if (pf === undefined) throw new DataError(`No field ${m.name} in ${type.fullName}`);
        return { field: m, name: m.name, write: singleWriter(m.schema, pf) };
      });
      return (value, out) => {
        const u = value.get(f) as Struct | null;
        if (u === null || u === undefined) return;
        for (const m of members) {
          const mv = u.get(m.field);
          if (mv === null || mv === undefined) continue;
          out[m.name] = m.write(mv);
          return;
        }
      };
    }
    const pf = type.fields[f.name] ?? findScrubbed(type, f.name);
    if (pf === undefined) throw new DataError(`No field ${f.name} in ${type.fullName}`);
    pf.resolve();
    const name = pf.name;
    let write: (v: unknown) => unknown;
    if (fs.type === 'ARRAY') {
      const elem = singleWriter(fs.valueSchema!, pf);
      write = (v) => (v as unknown[]).map(elem);
    } else if (fs.type === 'MAP') {
      write = (v) => fieldValue(fs, pf, v);
    } else {
      write = singleWriter(fs, pf);
    }
    return (value, out) => {
      const v = value.get(f);
      if (v === null || v === undefined) return;
      out[name] = write(v);
    };
  });
  byType.set(type, writers);
  return writers;
}

/** A Connect value as a protobufjs plain object for `type` (Connect schema `schema`). */
export function toProtobufObject(
  schema: Schema,
  type: protobuf.Type,
  value: Struct,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const w of fieldWriters(schema, type)) w(value, out);
  return out;
}

/** `single` specialised for one (Connect schema, Protobuf field) pair. */
function singleWriter(fs: Schema, pf: protobuf.Field): (v: unknown) => unknown {
  pf.resolve();
  if (
    fs.name === Decimal.LOGICAL_NAME ||
    fs.name === ConnectDate.LOGICAL_NAME ||
    fs.name === Time.LOGICAL_NAME ||
    fs.name === Timestamp.LOGICAL_NAME
  ) {
    return (v) => single(fs, pf, v);
  }
  const rt = pf.resolvedType;
  const wrapper = rt instanceof protobuf.Type;
  switch (fs.type) {
    case 'STRUCT': {
      const t = rt as protobuf.Type;
      return (v) => toProtobufObject(fs, t, v as Struct);
    }
    case 'INT64':
      return wrapper
        ? (v) => ({ value: typeof v === 'bigint' ? v.toString() : v })
        : (v) => (typeof v === 'bigint' ? v.toString() : v);
    case 'STRING':
      if (rt instanceof protobuf.Enum) return (v) => single(fs, pf, v);
      return wrapper ? (v) => ({ value: v }) : (v) => v;
    default:
      return wrapper ? (v) => ({ value: v }) : (v) => v;
  }
}

function findScrubbed(type: protobuf.Type, name: string): protobuf.Field | undefined {
  return type.fields[scrub(name, true)];
}

function fieldValue(fs: Schema, pf: protobuf.Field, v: unknown): unknown {
  pf.resolve();
  if (fs.type === 'ARRAY') return (v as unknown[]).map((x) => single(fs.valueSchema!, pf, x));
  if (fs.type === 'MAP') {
    const entries: [unknown, unknown][] = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
    if (pf instanceof protobuf.MapField) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of entries) {
        if (x === null || x === undefined) continue;
        o[String(k)] = single(fs.valueSchema!, pf, x);
      }
      return o;
    }
    const entryType = pf.resolvedType as protobuf.Type;
    return entries.map(([k, x]) => {
      const e: Record<string, unknown> = {};
      if (k !== null && k !== undefined) e.key = single(fs.keySchema!, entryType.fields.key!, k);
      if (x !== null && x !== undefined) e.value = single(fs.valueSchema!, entryType.fields.value!, x);
      return e;
    });
  }
  return single(fs, pf, v);
}

function single(fs: Schema, pf: protobuf.Field, v: unknown): unknown {
  pf.resolve();
  switch (fs.name) {
    case Decimal.LOGICAL_NAME: {
      // As Confluent's DecimalUtils: the value's own unscaled bytes, scale and precision
      // (BigDecimal.precision(): the digit count of the unscaled value, at least 1).
      // A value of another scale is brought to the schema's scale when that is exact, as Confluent's
      // Python decimal_to_protobuf does (Connect's Java Decimal refuses a mismatching scale).
      let d = v as BigDecimal;
      const scale = Decimal.scale(fs);
      if (d.scale !== scale) {
        if (scale > d.scale) d = new BigDecimal(d.unscaled * 10n ** BigInt(scale - d.scale), scale);
        else {
          const div = 10n ** BigInt(d.scale - scale);
          if (d.unscaled % div !== 0n) {
            throw new DataError(
              `Decimal ${d.toString()} does not fit the schema's scale ${scale} without rounding`,
            );
          }
          d = new BigDecimal(d.unscaled / div, scale);
        }
      }
      return { value: d.unscaledBytes(), precision: digitCount(d.unscaled), scale: d.scale };
    }
    case ConnectDate.LOGICAL_NAME: {
      const d = v as Date;
      if (d.getTime() % MS_PER_DAY !== 0) {
        throw new DataError(
          'Kafka Connect Date type should not have any time fields set to non-zero values.',
        );
      }
      return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
    }
    case Time.LOGICAL_NAME: {
      const ms = (v as Date).getTime();
      if (ms < 0 || ms > MS_PER_DAY) {
        throw new DataError('Time values must use number of millis greater than 0 and less than 86400000');
      }
      return {
        hours: Math.floor(ms / 3_600_000),
        minutes: Math.floor(ms / 60_000) % 60,
        seconds: Math.floor(ms / 1000) % 60,
        nanos: (ms % 1000) * 1_000_000,
      };
    }
    case Timestamp.LOGICAL_NAME: {
      const ms = (v as Date).getTime();
      const seconds = Math.floor(ms / 1000);
      return { seconds, nanos: (ms - seconds * 1000) * 1_000_000 };
    }
  }
  const rt = pf.resolvedType;
  switch (fs.type) {
    case 'STRUCT':
      return toProtobufObject(fs, rt as protobuf.Type, v as Struct);
    case 'INT64': {
      const s = typeof v === 'bigint' ? v.toString() : v;
      return rt instanceof protobuf.Type ? { value: s } : s;
    }
    case 'STRING':
      if (rt instanceof protobuf.Enum) {
        const n = rt.values[v as string];
        if (n === undefined) throw new DataError(`${String(v)} is not a symbol of enum ${rt.name}`);
        return n;
      }
      return rt instanceof protobuf.Type ? { value: v } : v;
    default:
      return rt instanceof protobuf.Type ? { value: v } : v;
  }
}

type FieldReader = (m: Record<string, unknown>) => unknown;

const READERS = new WeakMap<Schema, WeakMap<protobuf.Type, FieldReader[]>>();

/** One reader per Connect field of `schema`, worked out once per (schema, message type). */
function fieldReaders(schema: Schema, type: protobuf.Type): FieldReader[] {
  let byType = READERS.get(schema);
  if (byType === undefined) {
    byType = new WeakMap();
    READERS.set(schema, byType);
  }
  let readers = byType.get(type);
  if (readers !== undefined) return readers;
  readers = schema.fields.map((f): FieldReader => {
    const fs = f.schema;
    if (fs.type === 'STRUCT' && fs.name?.startsWith(UNION_PREFIX)) {
      const members = fs.fields.map((mf) => {
        const pf = type.fields[mf.name]!;
        pf.resolve();
        return { name: mf.name, index: mf.index, schema: mf.schema, pf };
      });
      return (m) => {
        for (const mb of members) {
          if (Object.hasOwn(m, mb.name)) {
            const values: unknown[] = new Array(members.length).fill(null);
            values[mb.index] = readSingle(mb.schema, mb.pf, m[mb.name]);
            return Struct.withValues(fs, values);
          }
        }
        return null;
      };
    }
    const pf = type.fields[f.name]!;
    pf.resolve();
    const name = f.name;
    if (pf instanceof protobuf.MapField) {
      const stringKeys = fs.keySchema!.type === 'STRING';
      return (m) => {
        const obj = Object.hasOwn(m, name) ? (m[name] as Record<string, unknown>) : {};
        const out = new Map<unknown, unknown>();
        for (const [k, x] of Object.entries(obj)) {
          out.set(mapKey(fs.keySchema!, k), readSingle(fs.valueSchema!, pf, x));
        }
        return stringKeys ? Object.fromEntries(out) : out;
      };
    }
    if (pf.repeated && fs.type === 'MAP') {
      const et = pf.resolvedType as protobuf.Type;
      const stringKeys = fs.keySchema!.type === 'STRING';
      return (m) => {
        const arr = Object.hasOwn(m, name) ? (m[name] as Record<string, unknown>[]) : [];
        const out = new Map<unknown, unknown>();
        for (const e of arr) {
          out.set(
            readField(fs.keySchema!, et.fields.key!, e),
            readField(fs.valueSchema!, et.fields.value!, e),
          );
        }
        return stringKeys ? Object.fromEntries(out) : out;
      };
    }
    if (pf.repeated) {
      const elem = fs.valueSchema!;
      return (m) => {
        const arr = Object.hasOwn(m, name) ? (m[name] as unknown[]) : [];
        const out = new Array(arr.length);
        for (let i = 0; i < arr.length; i++) out[i] = readSingle(elem, pf, arr[i]);
        return out;
      };
    }
    return (m) => readField(fs, pf, m);
  });
  byType.set(type, readers);
  return readers;
}

/**
 * With `wrapper.for.raw.primitives` (the default), a google.protobuf wrapper message at the root is
 * read as its primitive (what Confluent's converter writes for a primitive value): its value field.
 */
export function rootWrapper(type: protobuf.Type, options: ProtobufDataOptions): protobuf.Field | null {
  if (!options.wrapperForRawPrimitives) return null;
  const full = type.fullName.replace(/^\./, '');
  return WRAPPERS[full] !== undefined ? type.fields.value! : null;
}

/** A decoded root message as Connect data: a Struct, or a primitive for a root wrapper. */
export function toConnectRoot(
  schema: Schema,
  type: protobuf.Type,
  msg: protobuf.Message,
  options: ProtobufDataOptions,
): unknown {
  const wrapped = rootWrapper(type, options);
  if (wrapped === null) return toConnectValue(schema, type, msg);
  return readField(schema, wrapped, msg as unknown as Record<string, unknown>);
}

/** A decoded protobufjs message as Connect data for `schema` (made by toConnectSchemaProtobuf). */
export function toConnectValue(schema: Schema, type: protobuf.Type, msg: protobuf.Message): Struct {
  const readers = fieldReaders(schema, type);
  const m = msg as unknown as Record<string, unknown>;
  const values = new Array(readers.length);
  for (let i = 0; i < readers.length; i++) values[i] = readers[i]!(m);
  // The values come from a decode against the schema's own message type: no need to validate again.
  return Struct.withValues(schema, values);
}

function readField(fs: Schema, pf: protobuf.Field, m: Record<string, unknown>): unknown {
  pf.resolve();
  if (Object.hasOwn(m, pf.name)) return readSingle(fs, pf, m[pf.name]);
  if (isProto3Optional(pf) || pf.resolvedType instanceof protobuf.Type) return null;
  // proto3 scalars without presence read as their default value, as Confluent's converter does.
  if (pf.resolvedType instanceof protobuf.Enum) return readSingle(fs, pf, 0);
  return readSingle(fs, pf, pf.typeDefault);
}

function mapKey(keySchema: Schema, k: string): unknown {
  switch (keySchema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32':
      return Number(k);
    case 'INT64':
      return toNumberIfSafe(BigInt(k));
    case 'BOOLEAN':
      return k === 'true';
    default:
      return k;
  }
}

function readSingle(fs: Schema, pf: protobuf.Field, v: unknown): unknown {
  const rt = pf.resolvedType;
  switch (fs.name) {
    case Decimal.LOGICAL_NAME: {
      const o = v as { value?: Uint8Array; scale?: number };
      const bytes = o.value ?? new Uint8Array(0);
      return BigDecimal.fromUnscaledBytes(bytes.length === 0 ? new Uint8Array([0]) : bytes, o.scale ?? 0);
    }
    case ConnectDate.LOGICAL_NAME: {
      const o = v as { year?: number; month?: number; day?: number };
      return new Date(Date.UTC(o.year ?? 0, (o.month ?? 1) - 1, o.day ?? 1));
    }
    case Time.LOGICAL_NAME: {
      const o = v as { hours?: number; minutes?: number; seconds?: number; nanos?: number };
      return new Date(
        (((o.hours ?? 0) * 60 + (o.minutes ?? 0)) * 60 + (o.seconds ?? 0)) * 1000 +
          Math.floor((o.nanos ?? 0) / 1e6),
      );
    }
    case Timestamp.LOGICAL_NAME: {
      const o = v as { seconds?: unknown; nanos?: number };
      return new Date(Number(fromLong(o.seconds ?? 0)) * 1000 + Math.floor((o.nanos ?? 0) / 1e6));
    }
  }
  if (rt instanceof protobuf.Enum) {
    if (fs.type === 'INT32') return v;
    return rt.valuesById[v as number] ?? String(v);
  }
  if (fs.type === 'STRUCT') {
    return toConnectValue(fs, rt as protobuf.Type, v as protobuf.Message);
  }
  let raw = v;
  if (rt instanceof protobuf.Type) {
    const o = v as Record<string, unknown>;
    raw = Object.hasOwn(o, 'value') ? o.value : (rt.fields.value!.typeDefault as unknown);
  }
  switch (fs.type) {
    case 'INT64':
      return fromLong(raw);
    case 'BYTES': {
      const b = raw as Uint8Array;
      return new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    }
    default:
      return raw;
  }
}
