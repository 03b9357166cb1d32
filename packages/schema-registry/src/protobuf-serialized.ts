/**
 * `format=serialized` for PROTOBUF schemas: the proto text a converter registered as the base64
 * FileDescriptorProto Confluent's registry answers with (what Confluent's clients read, e.g. the
 * Python ProtobufDeserializer). protobufjs parses the text; the descriptor is built here.
 */
import protobuf from 'protobufjs';

const KNOWN: readonly string[] = [
  'syntax = "proto3"; package google.protobuf; message Timestamp { int64 seconds = 1; int32 nanos = 2; }',
  'syntax = "proto3"; package google.protobuf; message DoubleValue { double value = 1; } message FloatValue { float value = 1; } message Int64Value { int64 value = 1; } message UInt64Value { uint64 value = 1; } message Int32Value { int32 value = 1; } message UInt32Value { uint32 value = 1; } message BoolValue { bool value = 1; } message StringValue { string value = 1; } message BytesValue { bytes value = 1; }',
  'syntax = "proto3"; package google.type; message Date { int32 year = 1; int32 month = 2; int32 day = 3; }',
  'syntax = "proto3"; package google.type; message TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; }',
  'syntax = "proto3"; package confluent.type; message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }',
  'syntax = "proto3"; package confluent; message Meta { string doc = 1; map<string, string> params = 2; repeated string tags = 3; }',
];

const TYPES: Readonly<Record<string, number>> = {
  double: 1,
  float: 2,
  int64: 3,
  uint64: 4,
  int32: 5,
  fixed64: 6,
  fixed32: 7,
  bool: 8,
  string: 9,
  bytes: 12,
  uint32: 13,
  sfixed32: 15,
  sfixed64: 16,
  sint32: 17,
  sint64: 18,
};

/** Whether PROTOBUF schema text is already a base64 descriptor. */
export function isSerializedProtobuf(text: string): boolean {
  const t = text.trim();
  return /^[A-Za-z0-9+/=\s]+$/.test(t) && !/\b(syntax|message|package)\b/.test(t);
}

function topLevel(text: string, kind: 'message' | 'enum'): string[] {
  const stripped = text
    .replace(/\/\/[^\n]*/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const out: string[] = [];
  let depth = 0;
  const re = new RegExp(`[{}]|\\b${kind}\\s+([A-Za-z_][A-Za-z0-9_]*)`, 'g');
  for (let m = re.exec(stripped); m !== null; m = re.exec(stripped)) {
    if (m[0] === '{') depth++;
    else if (m[0] === '}') depth--;
    else if (depth === 0) out.push(m[1]!);
  }
  return out;
}

function camel(name: string): string {
  return name
    .split('_')
    .map((p) => (p === '' ? '' : p[0]!.toUpperCase() + p.slice(1)))
    .join('');
}

function scalarOrRef(f: protobuf.Field, type: string, resolved: protobuf.ReflectionObject | null) {
  if (resolved instanceof protobuf.Enum) return { type: 14, typeName: resolved.fullName };
  if (resolved instanceof protobuf.Type) return { type: 11, typeName: resolved.fullName };
  const t = TYPES[type];
  if (t === undefined) throw new Error(`unknown type ${type} of field ${f.name}`);
  return { type: t, typeName: undefined };
}

/** Confluent's `confluent.field_meta` params of a field as protobufjs parsed them from the text. */
function metaParams(f: protobuf.Field): [string, string][] {
  const o = f.options as Record<string, unknown> | undefined;
  if (o === undefined) return [];
  const key = o['(confluent.field_meta).params.key'];
  const value = o['(confluent.field_meta).params.value'];
  return typeof key === 'string' && typeof value === 'string' ? [[key, value]] : [];
}

// A FileDescriptorProto written field by field in field-number order, as protoc serializes it
// (json_name left out, as in the descriptors protoc's Python output embeds).
type W = protobuf.Writer;
const str = (w: W, n: number, v: string) => w.uint32((n << 3) | 2).string(v);
const int = (w: W, n: number, v: number) => w.uint32(n << 3).int32(v);
const sub = (w: W, n: number, fn: (w: W) => void) => {
  w.uint32((n << 3) | 2).fork();
  fn(w);
  w.ldelim();
};

function writeEnum(w: W, e: protobuf.Enum): void {
  str(w, 1, e.name);
  for (const [name, number] of Object.entries(e.values)) {
    sub(w, 2, (v) => {
      str(v, 1, name);
      int(v, 2, number);
    });
  }
}

function writeField(
  w: W,
  d: { name: string; number: number; label: number; type: number; typeName?: string | undefined },
  extra: { params?: [string, string][]; oneofIndex?: number; proto3Optional?: boolean } = {},
): void {
  str(w, 1, d.name);
  int(w, 3, d.number);
  int(w, 4, d.label);
  int(w, 5, d.type);
  if (d.typeName !== undefined) str(w, 6, d.typeName);
  if (extra.params !== undefined && extra.params.length > 0) {
    sub(w, 8, (o) =>
      sub(o, 1088, (m) => {
        for (const [k, v] of extra.params!) {
          sub(m, 2, (e) => {
            str(e, 1, k);
            str(e, 2, v);
          });
        }
      }),
    );
  }
  if (extra.oneofIndex !== undefined) int(w, 9, extra.oneofIndex);
  if (extra.proto3Optional) w.uint32(17 << 3).bool(true);
}

function writeMessage(w: W, t: protobuf.Type): void {
  const isOptional = (f: protobuf.Field) =>
    (f.options as Record<string, unknown> | undefined)?.proto3_optional === true;
  const real = t.oneofsArray.filter((o) => !o.fieldsArray.every(isOptional));
  const synthetic = t.oneofsArray.filter((o) => o.fieldsArray.every(isOptional));
  const oneofs = [...real, ...synthetic];
  str(w, 1, t.name);
  const entries: { name: string; key: number; value: ReturnType<typeof scalarOrRef> }[] = [];
  for (const f of t.fieldsArray) {
    f.resolve();
    sub(w, 2, (fw) => {
      if (f instanceof protobuf.MapField) {
        const entry = `${camel(f.name)}Entry`;
        entries.push({ name: entry, key: TYPES[f.keyType]!, value: scalarOrRef(f, f.type, f.resolvedType) });
        writeField(fw, {
          name: f.name,
          number: f.id,
          label: 3,
          type: 11,
          typeName: `${t.fullName}.${entry}`,
        });
        return;
      }
      const ref = scalarOrRef(f, f.type, f.resolvedType);
      const extra: { params?: [string, string][]; oneofIndex?: number; proto3Optional?: boolean } = {
        params: metaParams(f),
        proto3Optional: isOptional(f),
      };
      if (f.partOf !== null) extra.oneofIndex = oneofs.indexOf(f.partOf);
      writeField(fw, { name: f.name, number: f.id, label: f.repeated ? 3 : 1, ...ref }, extra);
    });
  }
  for (const n of t.nestedArray) {
    if (n instanceof protobuf.Type) sub(w, 3, (nw) => writeMessage(nw, n));
  }
  for (const e of entries) {
    sub(w, 3, (ew) => {
      str(ew, 1, e.name);
      sub(ew, 2, (fw) => writeField(fw, { name: 'key', number: 1, label: 1, type: e.key }));
      sub(ew, 2, (fw) => writeField(fw, { name: 'value', number: 2, label: 1, ...e.value }));
      sub(ew, 7, (ow) => ow.uint32(7 << 3).bool(true));
    });
  }
  for (const n of t.nestedArray) {
    if (n instanceof protobuf.Enum) sub(w, 4, (ew) => writeEnum(ew, n));
  }
  for (const o of oneofs) sub(w, 8, (ow) => str(ow, 1, o.name));
}

/** The base64 FileDescriptorProto of proto3 text (its imports must be known types). */
export function serializeProtobufSchema(text: string): string {
  const root = new protobuf.Root();
  for (const k of KNOWN) protobuf.parse(k, root, { keepCase: true });
  // A copy of a known file (google/protobuf/wrappers.proto for a raw primitive) replaces ours.
  const pkg = /^\s*package\s+([A-Za-z0-9_.]+)\s*;/m.exec(text)?.[1];
  for (const n of topLevel(text, 'message')) {
    const existing = root.lookup(pkg ? `${pkg}.${n}` : n);
    if (existing?.parent) existing.parent.remove(existing);
  }
  const parsed = protobuf.parse(text, root, { keepCase: true });
  root.resolveAll();
  const ns = parsed.package ? root.lookup(parsed.package) : root;
  if (!(ns instanceof protobuf.Namespace)) throw new Error('no package');
  const w = protobuf.Writer.create();
  if (parsed.package) str(w, 2, parsed.package);
  for (const dep of parsed.imports ?? []) str(w, 3, dep);
  for (const n of topLevel(text, 'message')) sub(w, 4, (mw) => writeMessage(mw, ns.lookupType(n)));
  for (const n of topLevel(text, 'enum')) sub(w, 5, (ew) => writeEnum(ew, ns.lookupEnum(n)));
  str(w, 12, 'proto3');
  return Buffer.from(w.finish()).toString('base64');
}
