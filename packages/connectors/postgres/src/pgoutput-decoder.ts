/**
 * Decoding of the logical replication stream: the frames inside CopyData (XLogData `w`, primary
 * keepalive `k`), the standby status update we send back (`r`), and the messages of the
 * `pgoutput` plugin with `proto_version '1'` (Begin, Commit, Origin, Relation, Type, Insert,
 * Update, Delete, Truncate, Message). Pure functions over buffers, no I/O.
 *
 * Layouts (PostgreSQL's "Streaming Replication Protocol" and "Logical Replication Message Formats"):
 * integers are big-endian, LSNs are uint64, timestamps are int64 microseconds since 2000-01-01 UTC,
 * strings are NUL-terminated UTF-8. Column values stay in their text form ('t'); the type
 * converters turn them into Connect values.
 */

import { DataError } from '@sluice/api';

/** Microseconds between 1970-01-01 and 2000-01-01 (PostgreSQL's epoch). */
export const PG_EPOCH_OFFSET_MICROS = 946_684_800_000_000n;

/** A frame the server sent inside CopyData. */
export type ServerFrame =
  | { kind: 'xlogdata'; walStart: bigint; walEnd: bigint; sendTime: bigint; payload: Buffer }
  | { kind: 'keepalive'; walEnd: bigint; sendTime: bigint; replyRequested: boolean };

/** Decodes one CopyData payload from the server. @throws DataError on an unknown or short frame */
export function decodeServerFrame(frame: Buffer): ServerFrame {
  const tag = frame[0];
  if (tag === 0x77 /* w */) {
    need(frame, 25, 'XLogData');
    return {
      kind: 'xlogdata',
      walStart: frame.readBigUInt64BE(1),
      walEnd: frame.readBigUInt64BE(9),
      sendTime: frame.readBigInt64BE(17),
      payload: frame.subarray(25),
    };
  }
  if (tag === 0x6b /* k */) {
    need(frame, 18, 'Primary keepalive');
    return {
      kind: 'keepalive',
      walEnd: frame.readBigUInt64BE(1),
      sendTime: frame.readBigInt64BE(9),
      replyRequested: frame[17] === 1,
    };
  }
  throw new DataError(`Unknown replication frame type ${describeTag(tag)} (${frame.length} bytes)`);
}

/** The 34-byte standby status update (`r`): positions received, flushed, applied; our clock; reply flag. */
export function encodeStandbyStatusUpdate(
  written: bigint,
  flushed: bigint,
  applied: bigint,
  nowMicros: bigint,
  replyRequested = false,
): Buffer {
  const buf = Buffer.alloc(34);
  buf[0] = 0x72; // r
  buf.writeBigUInt64BE(written, 1);
  buf.writeBigUInt64BE(flushed, 9);
  buf.writeBigUInt64BE(applied, 17);
  buf.writeBigInt64BE(nowMicros - PG_EPOCH_OFFSET_MICROS, 25);
  buf[33] = replyRequested ? 1 : 0;
  return buf;
}

/** A PostgreSQL timestamp (µs since 2000-01-01) as µs since the Unix epoch. */
export function pgTimestampToUnixMicros(pgMicros: bigint): bigint {
  return pgMicros + PG_EPOCH_OFFSET_MICROS;
}

/** One column of a Relation message. */
export interface RelationColumn {
  /** Part of the replica identity (bit 1 of the flags). */
  isKey: boolean;
  name: string;
  typeOid: number;
  typeModifier: number;
}

/** `d` default, `n` nothing, `f` full, `i` index. */
export type ReplicaIdentity = 'd' | 'n' | 'f' | 'i';

/** A column value of a TupleData: null, unchanged TOAST (not sent), text, or binary. */
export type TupleValue =
  | { kind: 'null' }
  | { kind: 'unchanged' }
  | { kind: 'text'; text: string }
  | { kind: 'binary'; bytes: Buffer };

export type PgOutputMessage =
  | { type: 'begin'; finalLsn: bigint; commitTime: bigint; xid: number }
  | { type: 'commit'; flags: number; commitLsn: bigint; endLsn: bigint; commitTime: bigint }
  | { type: 'origin'; originLsn: bigint; name: string }
  | {
      type: 'relation';
      relationId: number;
      namespace: string;
      name: string;
      replicaIdentity: ReplicaIdentity;
      columns: RelationColumn[];
    }
  | { type: 'type'; typeOid: number; namespace: string; name: string }
  | { type: 'insert'; relationId: number; newTuple: TupleValue[] }
  | {
      type: 'update';
      relationId: number;
      /** `K`: the old replica-identity columns (others null); `O`: the whole old row; null when not sent. */
      oldKind: 'K' | 'O' | null;
      oldTuple: TupleValue[] | null;
      newTuple: TupleValue[];
    }
  | { type: 'delete'; relationId: number; oldKind: 'K' | 'O'; oldTuple: TupleValue[] }
  | { type: 'truncate'; cascade: boolean; restartIdentity: boolean; relationIds: number[] }
  | { type: 'message'; transactional: boolean; lsn: bigint; prefix: string; content: Buffer };

/** Decodes one pgoutput message (the XLogData payload). @throws DataError on a malformed or unknown message */
export function decodePgOutput(payload: Buffer): PgOutputMessage {
  const r = new Reader(payload);
  const tag = r.byte();
  switch (tag) {
    case 0x42 /* B */:
      return { type: 'begin', finalLsn: r.u64(), commitTime: r.i64(), xid: r.u32() };
    case 0x43 /* C */:
      return { type: 'commit', flags: r.byte(), commitLsn: r.u64(), endLsn: r.u64(), commitTime: r.i64() };
    case 0x4f /* O */:
      return { type: 'origin', originLsn: r.u64(), name: r.cstring() };
    case 0x52 /* R */:
      {
        const relationId = r.u32();
        const namespace = r.cstring();
        const name = r.cstring();
        const identity = String.fromCharCode(r.byte());
        if (identity !== 'd' && identity !== 'n' && identity !== 'f' && identity !== 'i') {
          throw new DataError(`Relation ${namespace}.${name}: unknown replica identity '${identity}'`);
        }
        const count = r.i16();
        const columns: RelationColumn[] = [];
        for (let i = 0; i < count; i++) {
          const flags = r.byte();
          columns.push({
            isKey: (flags & 1) === 1,
            name: r.cstring(),
            typeOid: r.u32(),
            typeModifier: r.i32(),
          });
        }
        return { type: 'relation', relationId, namespace, name, replicaIdentity: identity, columns };
      }
    case 0x59 /* Y */:
      return { type: 'type', typeOid: r.u32(), namespace: r.cstring(), name: r.cstring() };
    case 0x49 /* I */:
      {
        const relationId = r.u32();
        r.expect(0x4e, 'N', 'Insert');
        return { type: 'insert', relationId, newTuple: r.tuple() };
      }
    case 0x55 /* U */:
      {
        const relationId = r.u32();
        let oldKind: 'K' | 'O' | null = null;
        let oldTuple: TupleValue[] | null = null;
        let next = r.byte();
        if (next === 0x4b /* K */ || next === 0x4f /* O */) {
          oldKind = next === 0x4b ? 'K' : 'O';
          oldTuple = r.tuple();
          next = r.byte();
        }
        if (next !== 0x4e /* N */) throw new DataError(`Update: expected 'N' but found ${describeTag(next)}`);
        return { type: 'update', relationId, oldKind, oldTuple, newTuple: r.tuple() };
      }
    case 0x44 /* D */:
      {
        const relationId = r.u32();
        const kind = r.byte();
        if (kind !== 0x4b && kind !== 0x4f)
          throw new DataError(`Delete: expected 'K' or 'O' but found ${describeTag(kind)}`);
        return { type: 'delete', relationId, oldKind: kind === 0x4b ? 'K' : 'O', oldTuple: r.tuple() };
      }
    case 0x54 /* T */:
      {
        const count = r.u32();
        const options = r.byte();
        const relationIds: number[] = [];
        for (let i = 0; i < count; i++) relationIds.push(r.u32());
        return {
          type: 'truncate',
          cascade: (options & 1) !== 0,
          restartIdentity: (options & 2) !== 0,
          relationIds,
        };
      }
    case 0x4d /* M */:
      {
        const flags = r.byte();
        const lsn = r.u64();
        const prefix = r.cstring();
        const length = r.u32();
        return { type: 'message', transactional: (flags & 1) === 1, lsn, prefix, content: r.bytes(length) };
      }
    default:
      throw new DataError(`Unknown pgoutput message type ${describeTag(tag)}`);
  }
}

class Reader {
  readonly #buf: Buffer;
  #pos = 0;

  constructor(buf: Buffer) {
    this.#buf = buf;
  }

  #need(n: number): void {
    if (this.#pos + n > this.#buf.length) {
      throw new DataError(
        `Truncated pgoutput message: needed ${n} bytes at offset ${this.#pos} of ${this.#buf.length}`,
      );
    }
  }

  byte(): number {
    this.#need(1);
    return this.#buf[this.#pos++]!;
  }

  expect(value: number, name: string, what: string): void {
    const b = this.byte();
    if (b !== value) throw new DataError(`${what}: expected '${name}' but found ${describeTag(b)}`);
  }

  i16(): number {
    this.#need(2);
    const v = this.#buf.readInt16BE(this.#pos);
    this.#pos += 2;
    return v;
  }

  i32(): number {
    this.#need(4);
    const v = this.#buf.readInt32BE(this.#pos);
    this.#pos += 4;
    return v;
  }

  u32(): number {
    this.#need(4);
    const v = this.#buf.readUInt32BE(this.#pos);
    this.#pos += 4;
    return v;
  }

  u64(): bigint {
    this.#need(8);
    const v = this.#buf.readBigUInt64BE(this.#pos);
    this.#pos += 8;
    return v;
  }

  i64(): bigint {
    this.#need(8);
    const v = this.#buf.readBigInt64BE(this.#pos);
    this.#pos += 8;
    return v;
  }

  cstring(): string {
    const end = this.#buf.indexOf(0, this.#pos);
    if (end < 0) throw new DataError(`Unterminated string at offset ${this.#pos} of a pgoutput message`);
    const s = this.#buf.toString('utf8', this.#pos, end);
    this.#pos = end + 1;
    return s;
  }

  bytes(n: number): Buffer {
    this.#need(n);
    const b = this.#buf.subarray(this.#pos, this.#pos + n);
    this.#pos += n;
    return b;
  }

  tuple(): TupleValue[] {
    const count = this.i16();
    const values: TupleValue[] = new Array(count);
    for (let i = 0; i < count; i++) {
      const kind = this.byte();
      switch (kind) {
        case 0x6e /* n */:
          values[i] = NULL_VALUE;
          break;
        case 0x75 /* u */:
          values[i] = UNCHANGED_VALUE;
          break;
        case 0x74 /* t */:
          {
            const len = this.i32();
            this.#need(len);
            values[i] = { kind: 'text', text: this.#buf.toString('utf8', this.#pos, this.#pos + len) };
            this.#pos += len;
            break;
          }
        case 0x62 /* b */:
          {
            const len = this.i32();
            values[i] = { kind: 'binary', bytes: Buffer.from(this.bytes(len)) };
            break;
          }
        default:
          throw new DataError(`Unknown tuple column kind ${describeTag(kind)} in column ${i}`);
      }
    }
    return values;
  }
}

const NULL_VALUE: TupleValue = Object.freeze({ kind: 'null' });
const UNCHANGED_VALUE: TupleValue = Object.freeze({ kind: 'unchanged' });

function need(frame: Buffer, n: number, what: string): void {
  if (frame.length < n) throw new DataError(`Truncated ${what} frame: ${frame.length} bytes, expected ${n}`);
}

function describeTag(tag: number | undefined): string {
  if (tag === undefined) return '(none)';
  const ch = tag >= 0x20 && tag < 0x7f ? `'${String.fromCharCode(tag)}' ` : '';
  return `${ch}(0x${tag.toString(16).padStart(2, '0')})`;
}
