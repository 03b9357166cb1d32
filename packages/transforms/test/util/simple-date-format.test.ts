import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SimpleDateFormat } from '../../src/util/simple-date-format.ts';

const T = Date.UTC(2024, 2, 5, 14, 7, 9, 45); // 2024-03-05T14:07:09.045Z, a Tuesday

describe('SimpleDateFormat (UTC)', () => {
  test('format', () => {
    assert.equal(new SimpleDateFormat('yyyyMMdd').format(T), '20240305');
    assert.equal(new SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").format(T), '2024-03-05T14:07:09.045Z');
    assert.equal(new SimpleDateFormat('EEE, d MMM yy hh:mm a z').format(T), 'Tue, 5 Mar 24 02:07 PM UTC');
    assert.equal(new SimpleDateFormat('EEEE MMMM D Z').format(T), 'Tuesday March 65 +0000');
    assert.equal(new SimpleDateFormat("'it''s' k K").format(Date.UTC(2024, 0, 1, 0)), "it's 24 0");
  });

  test('parse round-trips and is lenient like Java', () => {
    for (const pattern of [
      'yyyyMMdd',
      "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
      'yyyy-MM-dd HH:mm:ss.SSS',
      'dd MMM yyyy HH:mm:ss.SSS',
    ]) {
      const f = new SimpleDateFormat(pattern);
      const text = f.format(T);
      const back = f.parse(text);
      assert.equal(f.format(back), text, pattern);
    }
    assert.equal(new SimpleDateFormat('yyyy-MM-dd').parse('2024-13-01'), Date.UTC(2025, 0, 1));
    assert.equal(new SimpleDateFormat('yyyy-MM-dd').parse('2024-03-05 trailing'), Date.UTC(2024, 2, 5));
    assert.equal(
      new SimpleDateFormat('yyyy-MM-dd HH:mmZ').parse('2024-03-05 10:00+0200'),
      Date.UTC(2024, 2, 5, 8),
    );
    assert.equal(
      new SimpleDateFormat('yyyy').parse('0050'),
      Date.UTC(2000, 0, 1) - Date.UTC(2000, 0, 1) + new Date('0050-01-01T00:00:00Z').getTime(),
    );
  });

  test('errors', () => {
    assert.throws(() => new SimpleDateFormat('yyyy-q'), /Illegal pattern character 'q'/);
    assert.throws(() => new SimpleDateFormat("yyyy 'x"), /Unterminated quote/);
    assert.throws(() => new SimpleDateFormat('yyyy-MM-dd').parse('nope'), /Unparseable date: "nope"/);
  });
});
