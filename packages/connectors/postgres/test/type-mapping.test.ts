import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BigDecimal, type Schema, type Struct } from '@sluice/api';
import { formatLsn, lsnToNumber, parseLsn } from '../src/lsn.ts';
import {
  columnMapping,
  formatZonedTime,
  formatZonedTimestamp,
  POSITIVE_INFINITY_TIMESTAMP,
  parseArrayLiteral,
  parseDateDays,
  parseIntervalMicros,
  parseTimestampMicros,
  type TypeMappingOptions,
} from '../src/type-mapping.ts';
import { TypeRegistry } from '../src/type-registry.ts';

const types = new TypeRegistry();
const base = (oid: number, name: string, extra: Partial<Parameters<TypeRegistry['add']>[0]> = {}) =>
  types.add({
    oid,
    name,
    schema: 'pg_catalog',
    kind: 'b',
    elementOid: 0,
    baseOid: 0,
    baseTypeModifier: -1,
    enumLabels: null,
    ...extra,
  });
base(16, 'bool');
base(17, 'bytea');
base(20, 'int8');
base(23, 'int4');
base(25, 'text');
base(1082, 'date');
base(1083, 'time');
base(1114, 'timestamp');
base(1184, 'timestamptz');
base(1700, 'numeric');
base(1007, '_int4', { elementOid: 23 });
base(1009, '_text', { elementOid: 25 });
base(16500, 'mood', { schema: 'public', kind: 'e', enumLabels: ['sad', 'ok', 'happy'] });
base(16600, 'posint', { schema: 'public', kind: 'd', baseOid: 23 });
base(600, 'point');
base(628, 'line');

const defaults: TypeMappingOptions = {
  decimalHandlingMode: 'precise',
  timePrecisionMode: 'adaptive',
  binaryHandlingMode: 'bytes',
  hstoreHandlingMode: 'json',
  intervalHandlingMode: 'numeric',
  includeUnknownDatatypes: false,
};

function map(
  oid: number,
  typmod = -1,
  options: Partial<TypeMappingOptions> = {},
): { schema: Schema; convert: (t: string) => unknown } {
  const m = columnMapping(oid, typmod, types, { ...defaults, ...options });
  assert.ok(m !== null, `type ${oid} maps`);
  const schema = m.schema.optional().build();
  return { schema, convert: (t) => m.convert(t, schema) };
}

test('LSN text and numbers', () => {
  assert.equal(parseLsn('0/1541C20'), 22289440n);
  assert.equal(formatLsn(0x16b374d848n), '16/B374D848');
  assert.equal(lsnToNumber(22289440n), 22289440);
  assert.throws(() => parseLsn('0-1'), /Not a PostgreSQL LSN/);
});

test('integers, booleans, enums, domains, arrays', () => {
  assert.equal(map(23).convert('-5'), -5);
  assert.equal(map(20).convert('9007199254740993'), 9007199254740993n);
  assert.equal(map(16).convert('t'), true);
  const mood = map(16500);
  assert.equal(mood.schema.name, 'io.debezium.data.Enum');
  assert.deepEqual(mood.schema.parameters, { allowed: 'sad,ok,happy' });
  assert.equal(map(16600).schema.type, 'INT32');
  const ints = map(1007);
  assert.equal(ints.schema.type, 'ARRAY');
  assert.equal(ints.schema.valueSchema?.isOptional, true);
  assert.deepEqual(ints.convert('{1,NULL,3}'), [1, null, 3]);
  assert.deepEqual(parseArrayLiteral('{"a b","c\\"d",NULL,"NULL"}'), ['a b', 'c"d', null, 'NULL']);
  assert.throws(() => parseArrayLiteral('{{1},{2}}'), /Multi-dimensional/);
  assert.equal(columnMapping(628, -1, types, defaults), null, 'unsupported types are left out');
  const line = columnMapping(628, -1, types, { ...defaults, includeUnknownDatatypes: true });
  assert.equal(line?.schema.type, 'BYTES', 'include.unknown.datatypes=true: bytes');
  assert.equal(
    Buffer.from(line!.convert('{1,-1,1e-10}', line!.schema.build()) as Buffer).toString(),
    '{1.0,-1.0,1.0E-10}',
  );
});

test('numeric under decimal.handling.mode', () => {
  const typmod = ((10 << 16) | 2) + 4;
  const precise = map(1700, typmod);
  assert.equal(precise.schema.name, 'org.apache.kafka.connect.data.Decimal');
  assert.deepEqual(precise.schema.parameters, { scale: '2', 'connect.decimal.precision': '10' });
  assert.ok((precise.convert('12.50') as BigDecimal).equals(new BigDecimal(1250n, 2)));
  const variable = map(1700);
  assert.equal(variable.schema.name, 'io.debezium.data.VariableScaleDecimal');
  const v = variable.convert('-1.125') as Struct;
  assert.equal(v.get('scale'), 3);
  assert.deepEqual([...(v.get('value') as Uint8Array)], [0xfb, 0x9b]);
  assert.equal(map(1700, typmod, { decimalHandlingMode: 'double' }).convert('12.50'), 12.5);
  assert.equal(map(1700, typmod, { decimalHandlingMode: 'string' }).convert('12.50'), '12.50');
  assert.equal(map(1700, typmod, { decimalHandlingMode: 'string' }).convert('NaN'), 'NAN');
});

test('bytea under binary.handling.mode', () => {
  assert.deepEqual([...(map(17).convert('\\x01ff') as Uint8Array)], [1, 255]);
  assert.equal(map(17, -1, { binaryHandlingMode: 'base64' }).convert('\\x01ff'), 'Af8=');
  assert.equal(map(17, -1, { binaryHandlingMode: 'base64-url-safe' }).convert('\\xfbff'), '-_8=');
  assert.equal(map(17, -1, { binaryHandlingMode: 'hex' }).convert('\\x01ff'), '01ff');
});

test('temporal types under time.precision.mode', () => {
  assert.equal(parseDateDays('1970-01-01'), 0);
  assert.equal(parseDateDays('1990-05-06'), 7430);
  assert.equal(parseDateDays('1969-12-31'), -1);
  assert.equal(parseTimestampMicros('2024-01-02 03:04:05.123456'), 1704164645123456n);
  const date = map(1082);
  assert.equal(date.schema.name, 'io.debezium.time.Date');
  assert.equal(
    map(1082, -1, { timePrecisionMode: 'connect' }).schema.name,
    'org.apache.kafka.connect.data.Date',
  );
  assert.equal(map(1083, 3).schema.name, 'io.debezium.time.Time');
  assert.equal(map(1083, 3).convert('01:00:00.5'), 3_600_500);
  assert.equal(
    map(1083, 3, { timePrecisionMode: 'adaptive_time_microseconds' }).schema.name,
    'io.debezium.time.MicroTime',
  );
  assert.equal(map(1083).convert('00:00:01.000002'), 1_000_002);
  assert.equal(map(1114).schema.name, 'io.debezium.time.MicroTimestamp');
  assert.equal(map(1114, 3).schema.name, 'io.debezium.time.Timestamp');
  assert.equal(map(1114, 3).convert('1970-01-01 00:00:01.5'), 1500);
  assert.equal(map(1114).convert('infinity'), POSITIVE_INFINITY_TIMESTAMP);
  const connect = map(1114, -1, { timePrecisionMode: 'connect' });
  assert.equal(connect.schema.name, 'org.apache.kafka.connect.data.Timestamp');
  assert.deepEqual(connect.convert('1970-01-01 00:00:01.5'), new Date(1500));
  assert.equal(map(1184).schema.name, 'io.debezium.time.ZonedTimestamp');
  assert.equal(formatZonedTimestamp('2024-01-02 01:04:05.5+00', 6), '2024-01-02T01:04:05.500000Z');
  assert.equal(formatZonedTimestamp('2024-01-02 00:30:00+02', 6), '2024-01-01T22:30:00.000000Z');
  assert.equal(formatZonedTimestamp('2024-01-02 00:30:00+05:30', 0), '2024-01-01T19:00:00Z');
  assert.equal(formatZonedTime('12:34:56.789+02'), '10:34:56.789Z');
  assert.equal(parseIntervalMicros('1 day 01:00:00'), 90_000_000_000);
  assert.equal(parseIntervalMicros('-00:00:01.5'), -1_500_000);
  assert.equal(parseIntervalMicros('1 mon'), Math.round((365.25 / 12) * 86_400_000_000));
});

test('timestamptz: the UTC fast path gives what the general path gives', () => {
  const texts = [
    '2024-01-02 01:04:05+00',
    '2024-01-02 01:04:05.5+00',
    '2024-01-02 01:04:05.123456+00',
    '1999-12-31 23:59:59.000100+00',
    '0001-01-01 00:00:00.12+00',
  ];
  for (const text of texts) {
    for (const precision of [0, 1, 3, 6]) {
      // '+00:00' is the same instant but does not take the fast path.
      const general = formatZonedTimestamp(text.replace(/\+00$/, '+00:00'), precision);
      assert.equal(formatZonedTimestamp(text, precision), general, `${text} precision ${precision}`);
    }
  }
  assert.equal(formatZonedTimestamp('2024-01-02 01:04:05.120+00', 0), '2024-01-02T01:04:05.12Z');
  assert.equal(formatZonedTimestamp('2024-01-02 01:04:05.123456+00', 3), '2024-01-02T01:04:05.123Z');
});

base(90001, 'geometry', { schema: 'gis', delimiter: ':' });
base(90002, '_geometry', { schema: 'gis', elementOid: 90001 });
base(16601, '_posint', { schema: 'public', elementOid: 16600 });

test('PostGIS geometry: EWKB bytes and the SRID it carries; arrays split on the type delimiter', () => {
  const g = map(90001);
  assert.equal(g.schema.name, 'io.debezium.data.geometry.Geometry');
  // POINT(1 2) without and with SRID 4326 (little-endian EWKB, as PostGIS prints it).
  const plain = '0101000000000000000000F03F0000000000000040';
  const srid = '0101000020E6100000000000000000F03F0000000000000040';
  const a = g.convert(plain) as Struct;
  assert.deepEqual(
    [
      Buffer.from(a.get('wkb') as Uint8Array)
        .toString('hex')
        .toUpperCase(),
      a.get('srid'),
    ],
    [plain, null],
  );
  assert.equal((g.convert(srid) as Struct).get('srid'), 4326);
  assert.throws(() => g.convert('POINT(1 2)'), /Not a hex EWKB geometry/);
  const arr = map(90002);
  const items = arr.convert(`{${plain}:${srid}:NULL}`) as Array<Struct | null>;
  assert.deepEqual(
    items.map((s) => (s === null ? null : s.get('srid'))),
    [null, 4326, null],
  );
  assert.deepEqual(parseArrayLiteral('{a;b;NULL}', 'box', ';'), ['a', 'b', null]);
  // Arrays of a domain: left out, or bytes of each element's text with include.unknown.datatypes.
  assert.equal(columnMapping(16601, -1, types, defaults), null);
  const dom = columnMapping(16601, -1, types, { ...defaults, includeUnknownDatatypes: true })!;
  const domSchema = dom.schema.build();
  assert.deepEqual(
    (dom.convert('{1,22}', domSchema) as Buffer[]).map((b) => Buffer.from(b).toString()),
    ['1', '22'],
  );
  assert.equal(dom.convert('{1,NULL}', domSchema), null);
});

test('time.precision.mode isostring and nanoseconds', () => {
  const iso = { timePrecisionMode: 'isostring' as const };
  assert.equal(map(1082, -1, iso).convert('0044-03-15 BC'), '-0043-03-15Z');
  assert.equal(map(1082, -1, iso).convert('5874897-12-31'), '+5874897-12-31Z');
  assert.equal(map(1083, -1, iso).convert('24:00:00'), '00:00:00Z');
  assert.equal(map(1083, -1, iso).convert('13:14:15.500'), '13:14:15.5Z');
  assert.equal(map(1114, -1, iso).convert('infinity'), '+294247-01-10T04:00:25.2Z');
  const nanos = { timePrecisionMode: 'nanoseconds' as const };
  assert.equal(
    map(1114, -1, nanos).convert('294276-12-31 23:59:59.999999'),
    null,
    'beyond int64 nanoseconds',
  );
  assert.equal(map(1114, -1, nanos).convert('-infinity'), -(1n << 63n));
});
