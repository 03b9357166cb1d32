/** The client's tables: columns padded to their widest cell, an all-empty last column left out. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { table } from '../src/client/output.ts';

function render(header: string[], rows: string[][]): string {
  let text = '';
  table(
    {
      write(chunk: string) {
        text += chunk;
        return true;
      },
    } as NodeJS.WritableStream,
    header,
    rows,
  );
  return text;
}

test('columns are padded to the widest cell, the last one is not', () => {
  assert.equal(
    render(['NAME', 'STATE'], [['a-long-name', 'RUNNING']]),
    'NAME         STATE\na-long-name  RUNNING\n',
  );
});

test('a last column empty in every row is left out', () => {
  assert.equal(render(['NAME', 'STATE', 'TRACE'], [['a', 'RUNNING', '']]), 'NAME  STATE\na     RUNNING\n');
});

test('with no rows, the whole header is printed', () => {
  assert.equal(render(['GROUP', 'TOPIC', 'PARTITION'], []), 'GROUP  TOPIC  PARTITION\n');
});
