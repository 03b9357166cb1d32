/**
 * `format=serialized` for PROTOBUF schemas: the proto text a converter registered as the base64
 * FileDescriptorProto Confluent's registry answers with (what Confluent's clients read, e.g. the
 * Python ProtobufDeserializer). protobufjs parses the text; the descriptor is built here.
 */
import protobuf from 'protobufjs';
import descriptorExt from 'protobufjs/ext/descriptor/index.js';

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
  return { type: t };
}

function enumDescriptor(e: protobuf.Enum): Record<string, unknown> {
  return { name: e.name, value: Object.entries(e.values).map(([name, number]) => ({ name, number })) };
}

function messageDescriptor(t: protobuf.Type): Record<string, unknown> {
  const isOptional = (f: protobuf.Field) =>
    (f.options as Record<string, unknown> | undefined)?.proto3_optional === true;
  const real = t.oneofsArray.filter((o) => !o.fieldsArray.every(isOptional));
  const synthetic = t.oneofsArray.filter((o) => o.fieldsArray.every(isOptional));
  const oneofs = [...real, ...synthetic];
  const nestedType: Record<string, unknown>[] = [];
  const field = t.fieldsArray.map((f) => {
    f.resolve();
    const d: Record<string, unknown> = { name: f.name, number: f.id, label: f.repeated ? 3 : 1 };
    if (f instanceof protobuf.MapField) {
      const entry = `${camel(f.name)}Entry`;
      nestedType.push({
        name: entry,
        field: [
          { name: 'key', number: 1, label: 1, type: TYPES[f.keyType], jsonName: 'key' },
          {
            name: 'value',
            number: 2,
            label: 1,
            jsonName: 'value',
            ...scalarOrRef(f, f.type, f.resolvedType),
          },
        ],
        options: { mapEntry: true },
      });
      Object.assign(d, { label: 3, type: 11, typeName: `${t.fullName}.${entry}` });
    } else {
      Object.assign(d, scalarOrRef(f, f.type, f.resolvedType));
    }
    if (f.partOf !== null) d.oneofIndex = oneofs.indexOf(f.partOf);
    if (isOptional(f)) d.proto3Optional = true;
    d.jsonName = f.name.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
    return d;
  });
  for (const n of t.nestedArray) {
    if (n instanceof protobuf.Type) nestedType.push(messageDescriptor(n));
  }
  return {
    name: t.name,
    field,
    nestedType,
    enumType: t.nestedArray
      .filter((n) => n instanceof protobuf.Enum)
      .map((e) => enumDescriptor(e as protobuf.Enum)),
    oneofDecl: oneofs.map((o) => ({ name: o.name })),
  };
}

/** The base64 FileDescriptorProto of proto3 text (its imports must be known types). */
export function serializeProtobufSchema(text: string): string {
  const root = new protobuf.Root();
  for (const k of KNOWN) protobuf.parse(k, root, { keepCase: true });
  const parsed = protobuf.parse(text, root, { keepCase: true });
  root.resolveAll();
  const ns = parsed.package ? root.lookup(parsed.package) : root;
  if (!(ns instanceof protobuf.Namespace)) throw new Error('no package');
  const file = {
    package: parsed.package,
    dependency: parsed.imports ?? [],
    messageType: topLevel(text, 'message').map((n) => messageDescriptor(ns.lookupType(n))),
    enumType: topLevel(text, 'enum').map((n) => enumDescriptor(ns.lookupEnum(n))),
    syntax: 'proto3',
  };
  const ext = descriptorExt as unknown as {
    FileDescriptorProto: {
      fromObject(o: unknown): unknown;
      encode(m: unknown): { finish(): Uint8Array };
    };
  };
  const bytes = ext.FileDescriptorProto.encode(ext.FileDescriptorProto.fromObject(file)).finish();
  return Buffer.from(bytes).toString('base64');
}
