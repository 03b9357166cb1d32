import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodePgOutput,
  decodeServerFrame,
  encodeStandbyStatusUpdate,
  PG_EPOCH_OFFSET_MICROS,
} from '../src/pgoutput-decoder.ts';

/** Builds byte fixtures the way the server lays them out (big-endian, NUL-terminated strings). */
class Bytes {
  readonly parts: Buffer[] = [];
  u8(v: number): this {
    this.parts.push(Buffer.from([v]));
    return this;
  }
  ch(c: string): this {
    return this.u8(c.charCodeAt(0));
  }
  i16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.parts.push(b);
    return this;
  }
  i32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.parts.push(b);
    return this;
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    this.parts.push(b);
    return this;
  }
  u64(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(v);
    this.parts.push(b);
    return this;
  }
  str(s: string): this {
    this.parts.push(Buffer.from(`${s}\0`, 'utf8'));
    return this;
  }
  text(s: string): this {
    const b = Buffer.from(s, 'utf8');
    return this.ch('t').i32(b.length).raw(b);
  }
  raw(b: Buffer): this {
    this.parts.push(b);
    return this;
  }
  build(): Buffer {
    return Buffer.concat(this.parts);
  }
}

test('XLogData and keepalive frames', () => {
  const payload = new Bytes().ch('B').u64(0x156dc48n).u64(1000n).u32(737).build();
  const frame = new Bytes().ch('w').u64(0x156db50n).u64(0x156dc78n).u64(42n).raw(payload).build();
  const x = decodeServerFrame(frame);
  assert.equal(x.kind, 'xlogdata');
  if (x.kind !== 'xlogdata') return;
  assert.equal(x.walStart, 0x156db50n);
  assert.equal(x.walEnd, 0x156dc78n);
  assert.equal(x.sendTime, 42n);
  assert.deepEqual(decodePgOutput(x.payload), {
    type: 'begin',
    finalLsn: 0x156dc48n,
    commitTime: 1000n,
    xid: 737,
  });

  const k = decodeServerFrame(new Bytes().ch('k').u64(0x200n).u64(7n).u8(1).build());
  assert.deepEqual(k, { kind: 'keepalive', walEnd: 0x200n, sendTime: 7n, replyRequested: true });
  assert.throws(() => decodeServerFrame(new Bytes().ch('k').u64(1n).build()), /Truncated Primary keepalive/);
  assert.throws(() => decodeServerFrame(Buffer.from('z')), /Unknown replication frame type 'z'/);
});

test('standby status update layout', () => {
  const now = PG_EPOCH_OFFSET_MICROS + 5n;
  const b = encodeStandbyStatusUpdate(0x30n, 0x20n, 0x10n, now, true);
  assert.equal(b.length, 34);
  assert.equal(String.fromCharCode(b[0]!), 'r');
  assert.equal(b.readBigUInt64BE(1), 0x30n);
  assert.equal(b.readBigUInt64BE(9), 0x20n);
  assert.equal(b.readBigUInt64BE(17), 0x10n);
  assert.equal(b.readBigInt64BE(25), 5n, 'client time counts from 2000-01-01');
  assert.equal(b[33], 1);
});

test('Relation, Commit, Origin and Type messages', () => {
  const relation = new Bytes()
    .ch('R')
    .u32(16388)
    .str('public')
    .str('smoke')
    .ch('f')
    .i16(2)
    .u8(1)
    .str('id')
    .u32(23)
    .i32(-1)
    .u8(0)
    .str('n')
    .u32(1700)
    .i32(655366)
    .build();
  assert.deepEqual(decodePgOutput(relation), {
    type: 'relation',
    relationId: 16388,
    namespace: 'public',
    name: 'smoke',
    replicaIdentity: 'f',
    columns: [
      { isKey: true, name: 'id', typeOid: 23, typeModifier: -1 },
      { isKey: false, name: 'n', typeOid: 1700, typeModifier: 655366 },
    ],
  });
  assert.deepEqual(decodePgOutput(new Bytes().ch('C').u8(0).u64(10n).u64(20n).u64(30n).build()), {
    type: 'commit',
    flags: 0,
    commitLsn: 10n,
    endLsn: 20n,
    commitTime: 30n,
  });
  assert.deepEqual(decodePgOutput(new Bytes().ch('O').u64(99n).str('node_a').build()), {
    type: 'origin',
    originLsn: 99n,
    name: 'node_a',
  });
  assert.deepEqual(decodePgOutput(new Bytes().ch('Y').u32(16400).str('public').str('mood').build()), {
    type: 'type',
    typeOid: 16400,
    namespace: 'public',
    name: 'mood',
  });
});

test('Insert, Update (with and without old tuple), Delete, Truncate tuples', () => {
  const insert = new Bytes().ch('I').u32(5).ch('N').i16(3).text('1').ch('n').text('é').build();
  assert.deepEqual(decodePgOutput(insert), {
    type: 'insert',
    relationId: 5,
    newTuple: [{ kind: 'text', text: '1' }, { kind: 'null' }, { kind: 'text', text: 'é' }],
  });
  const update = new Bytes()
    .ch('U')
    .u32(5)
    .ch('K')
    .i16(2)
    .text('1')
    .ch('n')
    .ch('N')
    .i16(2)
    .text('2')
    .ch('u')
    .build();
  assert.deepEqual(decodePgOutput(update), {
    type: 'update',
    relationId: 5,
    oldKind: 'K',
    oldTuple: [{ kind: 'text', text: '1' }, { kind: 'null' }],
    newTuple: [{ kind: 'text', text: '2' }, { kind: 'unchanged' }],
  });
  const plain = decodePgOutput(new Bytes().ch('U').u32(5).ch('N').i16(1).text('x').build());
  assert.deepEqual(plain, {
    type: 'update',
    relationId: 5,
    oldKind: null,
    oldTuple: null,
    newTuple: [{ kind: 'text', text: 'x' }],
  });
  assert.deepEqual(decodePgOutput(new Bytes().ch('D').u32(5).ch('O').i16(1).text('9').build()), {
    type: 'delete',
    relationId: 5,
    oldKind: 'O',
    oldTuple: [{ kind: 'text', text: '9' }],
  });
  assert.deepEqual(decodePgOutput(new Bytes().ch('T').u32(2).u8(3).u32(5).u32(6).build()), {
    type: 'truncate',
    cascade: true,
    restartIdentity: true,
    relationIds: [5, 6],
  });
});

test('malformed messages are refused with the reason', () => {
  assert.throws(
    () => decodePgOutput(new Bytes().ch('I').u32(5).ch('X').build()),
    /Insert: expected 'N' but found 'X'/,
  );
  assert.throws(
    () => decodePgOutput(new Bytes().ch('I').u32(5).ch('N').i16(1).ch('t').i32(10).build()),
    /Truncated/,
  );
  assert.throws(
    () => decodePgOutput(new Bytes().ch('I').u32(5).ch('N').i16(1).ch('q').build()),
    /Unknown tuple column kind 'q'/,
  );
  assert.throws(() => decodePgOutput(Buffer.from('S')), /Unknown pgoutput message type 'S'/);
  assert.throws(
    () => decodePgOutput(new Bytes().ch('R').u32(1).str('s').build()),
    /Unterminated string|Truncated/,
  );
});
