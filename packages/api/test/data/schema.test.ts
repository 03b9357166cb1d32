import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BigDecimal,
  ConnectDate,
  ConnectHeaders,
  ConnectSchema,
  canonicalInt64,
  DataError,
  Decimal,
  SchemaBuilder,
  SchemaBuilderError,
  Schema as Schemas,
  SchemaType,
  Struct,
  schemaEquals,
  Time,
  Timestamp,
  valueEquals,
} from '@sluice/api';

describe('SchemaBuilder', () => {
  test('builds every attribute', () => {
    const s = SchemaBuilder.int32()
      .optional()
      .name('n')
      .version(3)
      .doc('d')
      .parameter('a', 'b')
      .defaultValue(7)
      .build();
    assert.equal(s.type, 'INT32');
    assert.equal(s.isOptional, true);
    assert.equal(s.name, 'n');
    assert.equal(s.version, 3);
    assert.equal(s.doc, 'd');
    assert.deepEqual(s.parameters, { a: 'b' });
    assert.equal(s.defaultValue, 7);
  });

  test('each attribute can be set once', () => {
    assert.throws(() => SchemaBuilder.string().name('a').name('b'), /name has already been set/);
    assert.throws(() => SchemaBuilder.string().optional().required(), /optional has already been set/);
    assert.throws(() => SchemaBuilder.string().version(1).version(2), SchemaBuilderError);
  });

  test('fields: only on structs, unique names, kept in order with indexes', () => {
    assert.throws(
      () => SchemaBuilder.int8().field('a', Schemas.INT8_SCHEMA),
      /Cannot create fields on type INT8/,
    );
    assert.throws(
      () => SchemaBuilder.struct().field('a', Schemas.INT8_SCHEMA).field('a', Schemas.INT8_SCHEMA),
      /duplication a/,
    );
    const s = SchemaBuilder.struct()
      .field('b', Schemas.STRING_SCHEMA)
      .field('a', SchemaBuilder.int64().optional())
      .build();
    assert.deepEqual(
      s.fields.map((f) => [f.name, f.index, f.schema.type, f.schema.isOptional]),
      [
        ['b', 0, 'STRING', false],
        ['a', 1, 'INT64', true],
      ],
    );
    assert.equal(s.field('a')?.index, 1);
    assert.equal(s.field('zzz'), null);
    assert.throws(() => Schemas.INT8_SCHEMA.fields, /non-struct/);
  });

  test('an invalid default value is refused', () => {
    assert.throws(() => SchemaBuilder.int8().defaultValue(1000).build(), SchemaBuilderError);
    assert.throws(() => SchemaBuilder.string().defaultValue(5).build(), /Invalid default value/);
    assert.equal(
      Array.isArray(SchemaBuilder.array(Schemas.INT32_SCHEMA).defaultValue([1, 2]).build().defaultValue),
      true,
    );
  });

  test('array and map need their sub-schemas', () => {
    assert.throws(() => SchemaBuilder.array(null as never), /valueSchema cannot be null/);
    assert.throws(
      () => SchemaBuilder.map(Schemas.STRING_SCHEMA, null as never),
      /valueSchema cannot be null/,
    );
    assert.throws(() => SchemaBuilder.type('ARRAY'), SchemaBuilderError);
  });

  test('from() copies a schema', () => {
    const s = SchemaBuilder.struct().name('x').optional().field('a', Schemas.INT8_SCHEMA).build();
    assert.ok(SchemaBuilder.from(s).build().equals(s));
  });
});

describe('Schema equality', () => {
  test('structural, including defaults, parameters and fields', () => {
    const a = () =>
      SchemaBuilder.struct().name('s').field('x', SchemaBuilder.int32().defaultValue(1).build()).build();
    assert.ok(schemaEquals(a(), a()));
    assert.ok(!schemaEquals(a(), SchemaBuilder.struct().name('s').field('x', Schemas.INT32_SCHEMA).build()));
    assert.ok(!schemaEquals(Decimal.schema(2), Decimal.schema(3)));
    assert.ok(schemaEquals(Decimal.schema(2), Decimal.schema(2)));
    assert.ok(!schemaEquals(Schemas.INT32_SCHEMA, Schemas.OPTIONAL_INT32_SCHEMA));
    assert.ok(!Schemas.INT32_SCHEMA.equals(null));
  });

  test('schema types list and names', () => {
    assert.equal(SchemaType.values.length, 12);
    assert.equal(SchemaType.getName('FLOAT32'), 'float32');
    assert.ok(SchemaType.isPrimitive('BYTES'));
    assert.ok(!SchemaType.isPrimitive('MAP'));
  });
});

describe('value validation', () => {
  const cases: Array<[string, ConnectSchema | ReturnType<SchemaBuilder['build']>, unknown, boolean]> = [
    ['int8 in range', Schemas.INT8_SCHEMA, -128, true],
    ['int8 out of range', Schemas.INT8_SCHEMA, 128, false],
    ['int16 fraction', Schemas.INT16_SCHEMA, 1.5, false],
    ['int32 max', Schemas.INT32_SCHEMA, 2147483647, true],
    ['int64 bigint', Schemas.INT64_SCHEMA, 2n ** 63n - 1n, true],
    ['int64 bigint overflow', Schemas.INT64_SCHEMA, 2n ** 63n, false],
    ['int64 number', Schemas.INT64_SCHEMA, 12, true],
    ['float string', Schemas.FLOAT64_SCHEMA, '1', false],
    ['boolean', Schemas.BOOLEAN_SCHEMA, false, true],
    ['string number', Schemas.STRING_SCHEMA, 1, false],
    ['bytes buffer', Schemas.BYTES_SCHEMA, Buffer.from('a'), true],
    ['bytes string', Schemas.BYTES_SCHEMA, 'a', false],
    ['array elements', SchemaBuilder.array(Schemas.INT8_SCHEMA).build(), [1, 'x'], false],
    [
      'map plain object',
      SchemaBuilder.map(Schemas.STRING_SCHEMA, Schemas.INT8_SCHEMA).build(),
      { a: 1 },
      true,
    ],
    [
      'map bad value',
      SchemaBuilder.map(Schemas.STRING_SCHEMA, Schemas.INT8_SCHEMA).build(),
      new Map([['a', 'b']]),
      false,
    ],
    ['null required', Schemas.STRING_SCHEMA, null, false],
    ['null optional', Schemas.OPTIONAL_STRING_SCHEMA, null, true],
    ['decimal BigDecimal', Decimal.schema(1), new BigDecimal(1n, 1), true],
    ['decimal bytes refused', Decimal.schema(1), new Uint8Array([1]), false],
    ['timestamp Date', Timestamp.SCHEMA, new Date(), true],
    ['timestamp number refused', Timestamp.SCHEMA, 5, false],
  ];
  for (const [name, schema, value, ok] of cases) {
    test(name, () => {
      if (ok) ConnectSchema.validateValue(schema, value);
      else assert.throws(() => ConnectSchema.validateValue(schema, value), DataError);
    });
  }
});

describe('Struct', () => {
  const schema = SchemaBuilder.struct()
    .field('id', Schemas.INT64_SCHEMA)
    .field('name', Schemas.OPTIONAL_STRING_SCHEMA)
    .field('n', SchemaBuilder.int32().defaultValue(9).build())
    .build();

  test('put validates and get applies defaults', () => {
    const s = new Struct(schema).put('id', 1);
    assert.equal(s.get('n'), 9);
    assert.equal(s.getWithoutDefault('n'), null);
    assert.equal(s.getInt64('id'), 1);
    assert.throws(() => s.put('id', 'x'), /field "id"/);
    assert.throws(() => s.put('nope', 1), /nope is not a valid field name/);
    assert.throws(() => s.getString('id'), /not of type STRING/);
  });

  test('validate requires required fields without defaults', () => {
    assert.throws(() => new Struct(schema).validate(), /required field: "id"/);
    new Struct(schema).put('id', 5).validate();
  });

  test('equality and toString', () => {
    const a = new Struct(schema).put('id', 1).put('name', 'x');
    const b = new Struct(schema).put('id', 1n).put('name', 'x');
    assert.ok(a.equals(b));
    assert.ok(!a.equals(new Struct(schema).put('id', 2)));
    assert.equal(a.toString(), 'Struct{id=1,name=x}');
  });

  test('a struct field must carry an equal schema', () => {
    const inner = SchemaBuilder.struct().field('a', Schemas.INT8_SCHEMA).build();
    const other = SchemaBuilder.struct().field('b', Schemas.INT8_SCHEMA).build();
    const outer = SchemaBuilder.struct().field('inner', inner).build();
    assert.throws(
      () => new Struct(outer).put('inner', new Struct(other).put('b', 1)),
      /schemas do not match/,
    );
    new Struct(outer).put('inner', new Struct(inner).put('a', 1));
  });

  test('withValues checks the count only', () => {
    assert.throws(() => Struct.withValues(schema, [1]), /3 fields but 1 values/);
    assert.equal(Struct.withValues(schema, [1, null, 2]).get('n'), 2);
  });
});

describe('BigDecimal', () => {
  test('parse and Java toString', () => {
    const cases: Array<[string, bigint, number, string]> = [
      ['123.45', 12345n, 2, '123.45'],
      ['-0.001', -1n, 3, '-0.001'],
      ['1E+3', 1n, -3, '1E+3'],
      ['0.0000001', 1n, 7, '1E-7'],
      ['0.000001', 1n, 6, '0.000001'],
      ['12.3e-10', 123n, 11, '1.23E-9'],
      ['.5', 5n, 1, '0.5'],
    ];
    for (const [text, unscaled, scale, printed] of cases) {
      const d = BigDecimal.parse(text);
      assert.equal(d.unscaled, unscaled, text);
      assert.equal(d.scale, scale, text);
      assert.equal(d.toString(), printed, text);
    }
    assert.throws(() => BigDecimal.parse('1.2.3'), DataError);
    assert.throws(() => BigDecimal.parse(''), DataError);
  });

  test('two’s complement bytes as Java BigInteger.toByteArray', () => {
    const hex = (n: bigint) => Buffer.from(new BigDecimal(n, 0).unscaledBytes()).toString('hex');
    assert.equal(hex(0n), '00');
    assert.equal(hex(127n), '7f');
    assert.equal(hex(128n), '0080');
    assert.equal(hex(-1n), 'ff');
    assert.equal(hex(-128n), '80');
    assert.equal(hex(-129n), 'ff7f');
    assert.equal(hex(65535n), '00ffff');
    for (const n of [0n, 1n, -1n, 255n, -256n, 2n ** 100n, -(2n ** 100n) + 7n]) {
      assert.equal(BigDecimal.fromUnscaledBytes(new BigDecimal(n, 0).unscaledBytes(), 0).unscaled, n);
    }
  });

  test('setScale and compare', () => {
    assert.ok(new BigDecimal(15n, 1).setScale(3).equals(new BigDecimal(1500n, 3)));
    assert.throws(() => new BigDecimal(15n, 1).setScale(0), /without rounding/);
    assert.equal(new BigDecimal(15n, 1).compareTo(new BigDecimal(150n, 2)), 0);
    assert.ok(!new BigDecimal(15n, 1).equals(new BigDecimal(150n, 2)));
  });
});

describe('logical types', () => {
  test('Decimal schema and conversions', () => {
    const s = Decimal.schema(2);
    assert.equal(s.name, 'org.apache.kafka.connect.data.Decimal');
    assert.equal(s.version, 1);
    assert.deepEqual(s.parameters, { scale: '2' });
    assert.equal(Decimal.scale(s), 2);
    assert.throws(() => Decimal.fromLogical(s, new BigDecimal(1n, 1)), /mismatching scale/);
    assert.ok(
      Decimal.toLogical(s, Decimal.fromLogical(s, new BigDecimal(-5n, 2))).equals(new BigDecimal(-5n, 2)),
    );
  });

  test('Date must be midnight UTC; Time must be within a day', () => {
    assert.equal(ConnectDate.fromLogical(ConnectDate.SCHEMA, new Date(86_400_000 * 3)), 3);
    assert.throws(() => ConnectDate.fromLogical(ConnectDate.SCHEMA, new Date(1)), /time fields/);
    assert.equal(Time.fromLogical(Time.SCHEMA, new Date(1000)), 1000);
    // Kafka's bound is inclusive (`unixMillis > MILLIS_PER_DAY` throws): 24:00:00 passes.
    assert.equal(Time.fromLogical(Time.SCHEMA, new Date(86_400_000)), 86_400_000);
    assert.throws(() => Time.fromLogical(Time.SCHEMA, new Date(86_400_001)), /date fields/);
    assert.equal(Timestamp.toLogical(Timestamp.SCHEMA, 5n).getTime(), 5);
    assert.throws(() => Timestamp.fromLogical(Schemas.INT64_SCHEMA, new Date()), /schema does not match/);
  });
});

describe('value helpers', () => {
  test('canonical INT64 form', () => {
    assert.equal(canonicalInt64(5n), 5);
    assert.equal(canonicalInt64(2n ** 60n), 2n ** 60n);
    assert.equal(canonicalInt64(2 ** 60), 2n ** 60n);
  });

  test('valueEquals across representations', () => {
    assert.ok(valueEquals(5, 5n));
    assert.ok(!valueEquals(5.5, 5n));
    assert.ok(
      valueEquals(
        { a: [1, Buffer.from('x')] },
        new Map<unknown, unknown>([['a', [1, new Uint8Array([120])]]]),
      ),
    );
    assert.ok(!valueEquals({ a: 1 }, { a: 1, b: 2 }));
    assert.ok(valueEquals(Number.NaN, Number.NaN));
    assert.ok(valueEquals(new Date(3), new Date(3)));
  });
});

describe('ConnectHeaders', () => {
  test('an ordered multimap', () => {
    const h = new ConnectHeaders().addString('a', 'x').addInt('b', 1).addString('a', 'y');
    assert.equal(h.size, 3);
    assert.equal(h.lastWithName('a')?.value, 'y');
    assert.deepEqual(
      h.allWithName('a').map((x) => x.value),
      ['x', 'y'],
    );
    h.retainLatest();
    assert.deepEqual(
      [...h].map((x) => `${x.key}=${String(x.value)}`),
      ['b=1', 'a=y'],
    );
    const d = h.duplicate();
    h.remove('a');
    assert.equal(h.size, 1);
    assert.equal(d.size, 2);
    assert.ok(!d.equals(h));
  });
});
