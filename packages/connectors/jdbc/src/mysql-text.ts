/**
 * MySQL/MariaDB multi-row INSERT (and upsert) statements written as SQL text, the values as
 * literals, instead of `?` placeholders that mysql2 substitutes on the client: the server receives
 * the same statement (mysql2 sends placeholder values as literals too), but the text is built in
 * one pass with each column's encoder chosen once, rather than by mysql2 scanning a statement of
 * thousands of placeholders and escaping each value by its JavaScript type.
 *
 * The literals are those mysql2 (sql-escaper) writes for the values the column binders return:
 * NULL, numbers and bigints as digits, booleans as true/false, buffers as X'hex', strings quoted
 * with the session's escaping (backslash escapes, or only doubled quotes under the
 * NO_BACKSLASH_ESCAPES SQL mode).
 */

import type { Schema } from '@sluice/api';
import type { Binder } from './sink-writer.ts';

/** Writes a text as a quoted SQL string literal. */
export type StringLiteral = (text: string) => string;

// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters mysql2 escapes (\0 \b \t \n \r \x1a)
const BACKSLASH_SPECIAL = /[\0\b\t\n\r\x1a"'\\]/;

/** A string literal with backslash escapes (MySQL's default SQL mode), as mysql2 escapes strings. */
export const backslashLiteral: StringLiteral = (text) => {
  if (!BACKSLASH_SPECIAL.test(text)) return `'${text}'`;
  let out = "'";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    let escaped: string;
    switch (text.charCodeAt(i)) {
      case 0:
        escaped = '\\0';
        break;
      case 8:
        escaped = '\\b';
        break;
      case 9:
        escaped = '\\t';
        break;
      case 10:
        escaped = '\\n';
        break;
      case 13:
        escaped = '\\r';
        break;
      case 26:
        escaped = '\\Z';
        break;
      case 34:
        escaped = '\\"';
        break;
      case 39:
        escaped = "\\'";
        break;
      case 92:
        escaped = '\\\\';
        break;
      default:
        continue;
    }
    out += text.slice(from, i) + escaped;
    from = i + 1;
  }
  return `${out}${text.slice(from)}'`;
};

/** A string literal under NO_BACKSLASH_ESCAPES: a backslash is an ordinary character, quotes are doubled. */
export const doublingLiteral: StringLiteral = (text) =>
  text.includes("'") ? `'${text.replaceAll("'", "''")}'` : `'${text}'`;

/** A column's Connect values (through the column's binder) as SQL literals. */
export type LiteralEncoder = (value: unknown) => string;

const DECIMAL = 'org.apache.kafka.connect.data.Decimal';

/** The literal of a value a binder returned (what mysql2 writes for it). */
function literalOf(v: unknown, quote: StringLiteral): string {
  if (v === null || v === undefined) return 'NULL';
  switch (typeof v) {
    case 'number':
    case 'bigint':
      return String(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'string':
      return quote(v);
  }
  if (v instanceof Uint8Array)
    return `X'${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex')}'`;
  return quote(String(v));
}

/**
 * The encoder of a column's values to SQL literals, chosen once per column: decimals, dates and
 * times are quoted without escaping (their binders write only digits and `-:. `), numbers are
 * written as they are, strings are quoted, anything else goes through the general path.
 */
export function literalEncoder(schema: Schema, bind: Binder, quote: StringLiteral): LiteralEncoder {
  switch (schema.name) {
    case DECIMAL:
    case 'org.apache.kafka.connect.data.Date':
    case 'org.apache.kafka.connect.data.Time':
    case 'org.apache.kafka.connect.data.Timestamp':
      return (v) => (v == null ? 'NULL' : `'${bind(v) as string}'`);
  }
  switch (schema.type) {
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'INT64':
      return (v) => {
        if (v == null) return 'NULL';
        const b = bind(v);
        return typeof b === 'number' ? String(b) : literalOf(b, quote);
      };
    case 'STRING':
      return (v) => (v == null ? 'NULL' : typeof v === 'string' ? quote(v) : literalOf(bind(v), quote));
  }
  return (v) => literalOf(bind(v), quote);
}

/** `(a,b,c)`: one row's literals, key columns first. */
export function literalRow(
  encoders: readonly LiteralEncoder[],
  keyCount: number,
  keys: readonly unknown[],
  values: readonly unknown[],
): string {
  let row = '(';
  for (let i = 0; i < encoders.length; i++) {
    if (i > 0) row += ',';
    row += encoders[i]!(i < keyCount ? keys[i] : values[i - keyCount]);
  }
  return `${row})`;
}
