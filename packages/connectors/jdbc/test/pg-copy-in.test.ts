/**
 * PgCopyIn (the PostgreSQL sink's COPY, whose data goes out right behind the statement) against
 * the real server: its error paths leave nothing of the COPY in the table and the connection
 * usable, and the data of a COPY that failed never reaches the statement after it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { CopyNotSent, PgCopyIn } from '../src/pg-copy-in.ts';
import { postgresDb, type TestDb } from './helpers.ts';

/** Lines `i\tname-i\n` for ids from..to (inclusive). */
function lines(from: number, to: number): string[] {
  const out: string[] = [];
  for (let i = from; i <= to; i++) out.push(`${i}\tname-${i}\n`);
  return out;
}

/** The lines in pieces of `per` lines. */
function* pieces(all: readonly string[], per: number): Generator<string> {
  for (let i = 0; i < all.length; i += per) yield all.slice(i, i + per).join('');
}

describe('PgCopyIn on postgresql', () => {
  let db: TestDb;
  let client: pg.Client;
  let config: pg.ClientConfig;
  let table = '';
  let n = 0;

  const copy = (sql: string, data: Iterable<string>, options = {}): Promise<number> => {
    const c = new PgCopyIn(sql, data, options);
    client.query(c);
    return c.done;
  };
  const count = async (): Promise<number> => {
    const r = await client.query(`SELECT count(*)::int AS n FROM ${table}`);
    return (r.rows[0] as { n: number }).n;
  };
  /** A fresh table (id, name) for each test. */
  const fresh = async (): Promise<void> => {
    table = `copy_t${++n}`;
    await client.query(`CREATE TABLE ${table} (id INT PRIMARY KEY, name TEXT NOT NULL)`);
  };

  before(async () => {
    db = await testDb();
    const jdbc = new URL(db.url.slice('jdbc:'.length));
    config = {
      host: jdbc.hostname,
      port: Number(jdbc.port),
      user: db.user,
      database: jdbc.pathname.slice(1),
    };
    client = new pg.Client(config);
    await client.connect();
  });
  after(async () => {
    await client?.end().catch(() => {});
    await db?.cleanup();
  });

  test('copies every piece, in order, and answers with the row count', async () => {
    await fresh();
    const all = lines(1, 20_000);
    assert.equal(await copy(`COPY ${table} (id, name) FROM STDIN`, pieces(all, 700)), 20_000);
    const r = await client.query(
      `SELECT count(*)::int AS n, sum(id)::int8::text AS s, max(name) AS m FROM ${table}`,
    );
    assert.deepEqual(r.rows[0], { n: 20_000, s: String((20_000 * 20_001) / 2), m: 'name-9999' });
  });

  test('more data than the socket takes at once (back-pressure) arrives whole', async () => {
    await fresh();
    // ~40 MB in 1 MB pieces: the socket asks to wait (drain) many times.
    const big = 'x'.repeat(200);
    const gen = function* (): Generator<string> {
      let piece = '';
      for (let i = 1; i <= 200_000; i++) {
        piece += `${i}\t${big}\n`;
        if (piece.length >= 1 << 20) {
          yield piece;
          piece = '';
        }
      }
      if (piece !== '') yield piece;
    };
    assert.equal(await copy(`COPY ${table} (id, name) FROM STDIN`, gen()), 200_000);
    assert.equal(await count(), 200_000);
  });

  test('a COPY into a missing table fails with the server error; its data is dropped, the connection stays usable', async () => {
    await fresh();
    await assert.rejects(
      copy('COPY no_such_table (id, name) FROM STDIN', pieces(lines(1, 50_000), 1000)),
      (err: Error & { code?: string }) => err.code === '42P01' && /no_such_table/.test(err.message),
    );
    // The next COPY on the same connection gets its own data only.
    assert.equal(await copy(`COPY ${table} (id, name) FROM STDIN`, pieces(lines(1, 10), 3)), 10);
    assert.equal(await count(), 10);
  });

  test('a bad value mid-stream fails the COPY with the server message; nothing of it stays; a COPY queued behind it gets only its own rows', async () => {
    await fresh();
    // ~40 MB with a bad id at row 1,000: much of it is still to be written when the error
    // arrives (the socket makes the COPY wait); from then on nothing more of it is written.
    const long = 'z'.repeat(400);
    let pulled = 0;
    let pulledAtError = -1;
    const gen = function* (): Generator<string> {
      for (let p = 0; p < 1000; p++) {
        let piece = '';
        for (let i = p * 100 + 1; i <= p * 100 + 100; i++)
          piece += i === 1000 ? 'x\tbad\n' : `${i}\t${long}\n`;
        pulled++;
        yield piece;
      }
    };
    const failing = copy(`COPY ${table} (id, name) FROM STDIN`, gen());
    failing.catch(() => {
      pulledAtError = pulled;
    });
    // Queued on the same client at once: sent after the failed COPY's answer.
    const next = copy(`COPY ${table} (id, name) FROM STDIN`, pieces(lines(100_001, 100_005), 2));
    await assert.rejects(
      failing,
      (err: Error & { code?: string }) =>
        err.code === '22P02' && /invalid input syntax for type integer: "x"/.test(err.message),
    );
    assert.equal(await next, 5);
    // Once the error had arrived, no more of the data was made (nor written).
    assert.equal(pulled, pulledAtError);
    const r = await client.query(`SELECT min(id) AS lo, max(id) AS hi, count(*)::int AS n FROM ${table}`);
    assert.deepEqual(r.rows[0], { lo: 100_001, hi: 100_005, n: 5 });
    assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1);
  });

  test('data that ends early (failure) sends CopyFail: it resolves for the caller to report, nothing is written', async () => {
    await fresh();
    let stopped: Error | null = null;
    const gen = function* (): Generator<string> {
      yield* pieces(lines(1, 5000), 500);
      stopped = new Error('value 5001 cannot be encoded');
    };
    assert.equal(await copy(`COPY ${table} (id, name) FROM STDIN`, gen(), { failure: () => stopped }), 0);
    assert.equal(await count(), 0);
    assert.equal(await copy(`COPY ${table} (id, name) FROM STDIN`, pieces(lines(1, 3), 1)), 3);
    assert.equal(await count(), 3);
  });

  test('data that ends early inside a transaction: the transaction is aborted, ROLLBACK ends it', async () => {
    await fresh();
    await client.query('BEGIN');
    await client.query(`INSERT INTO ${table} VALUES (0, 'zero')`);
    assert.equal(
      await copy(`COPY ${table} (id, name) FROM STDIN`, pieces(lines(1, 100), 10), {
        failure: () => new Error('stop'),
      }),
      0,
    );
    await assert.rejects(client.query('SELECT 1'), /current transaction is aborted/);
    await client.query('ROLLBACK');
    assert.equal(await count(), 0);
  });

  test('an iterator that throws fails the COPY (CopyFail) with its own error; nothing is written', async () => {
    await fresh();
    const gen = function* (): Generator<string> {
      yield* pieces(lines(1, 2000), 100);
      throw new TypeError('broken record');
    };
    await assert.rejects(copy(`COPY ${table} (id, name) FROM STDIN`, gen()), /broken record/);
    assert.equal(await count(), 0);
    assert.equal(await copy(`COPY ${table} (id, name) FROM STDIN`, pieces(lines(7, 8), 1)), 2);
  });

  test('a closed gate sends nothing: CopyNotSent, and the statements queued behind it run', async () => {
    await fresh();
    let asked = 0;
    const gated = copy(`COPY ${table} (id, name) FROM STDIN`, pieces(lines(1, 100), 10), {
      gate: () => {
        asked++;
        return 'the batch before it failed';
      },
    });
    const behind = client.query(`INSERT INTO ${table} VALUES (500, 'after') RETURNING id`);
    await assert.rejects(
      gated,
      (err: Error) => err instanceof CopyNotSent && err.cause === 'the batch before it failed',
    );
    assert.equal(asked, 1);
    assert.equal((await behind).rows[0].id, 500);
    assert.equal(await count(), 1);
    // An open gate: the COPY runs.
    assert.equal(
      await copy(`COPY ${table} (id, name) FROM STDIN`, pieces(lines(1, 4), 2), { gate: () => null }),
      4,
    );
  });

  test('the connection dying mid-COPY rejects it (no hang)', async () => {
    await fresh();
    const other = new pg.Client(config);
    await other.connect();
    try {
      const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
      // Data that waits on the socket's drain: the server is killed while it comes.
      let kill: Promise<unknown> | null = null;
      const gen = function* (): Generator<string> {
        for (let i = 0; i < 400; i++) {
          yield `${i}\t${'y'.repeat(100_000)}\n`;
          if (i === 5) kill ??= other.query('SELECT pg_terminate_backend($1)', [pid]);
        }
      };
      client.on('error', () => {}); // the socket's end, after the COPY's rejection
      await assert.rejects(
        copy(`COPY ${table} (id, name) FROM STDIN`, gen()),
        // The server's FATAL, the driver's end of the connection, or (when the server closed
        // the socket while data was still being written) the write's ECONNRESET / EPIPE.
        /terminating connection due to administrator command|Connection terminated|ECONNRESET|EPIPE/,
      );
      assert.ok(kill !== null);
      await kill;
    } finally {
      await other.end();
    }
    // A new connection sees nothing of it.
    await client.end().catch(() => {});
    client = new pg.Client(config);
    await client.connect();
    assert.equal(await count(), 0);
  });
});

async function testDb(): Promise<TestDb> {
  return await postgresDb();
}
