import { formatJavaDouble, formatJavaFloat, isMapValue, mapEntries, type Schema } from '@sluice/api';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
let zoneFormat: Intl.DateTimeFormat | null = null;

/**
 * Java's `String.valueOf(value)` for a Connect value, which is what Kafka's FileStreamSinkTask
 * prints: `null` as `null`; strings as they are; integers in decimal; FLOAT32/FLOAT64 (and
 * non-integral numbers without a schema) as Java's `Float.toString`/`Double.toString`; Struct,
 * Decimal (BigDecimal) with their Java-like `toString`; lists as `[a, b]`; maps as `{k=v, k2=v2}` (in
 * insertion order where Java would use hash order); Date/Time/Timestamp values as
 * `java.util.Date.toString()` (`Thu Jan 01 00:00:00 UTC 1970`, local time zone).
 *
 * Bytes inside a list or map print as `[1, 2, 3]` (as `Struct.toString` does). A top-level bytes
 * value is not formatted here at all: the sink writes it raw (see {@link FileStreamSinkTask}).
 */
export function javaString(value: unknown, schema: Schema | null): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      if (schema?.type === 'FLOAT64') return formatJavaDouble(value);
      if (schema?.type === 'FLOAT32') return formatJavaFloat(value);
      return Number.isInteger(value) ? String(value) : formatJavaDouble(value);
    case 'bigint':
    case 'boolean':
      return String(value);
    default:
      break;
  }
  if (value instanceof Date) return javaDate(value);
  if (value instanceof Uint8Array) return `[${value.join(', ')}]`;
  if (Array.isArray(value)) {
    const element = schema?.type === 'ARRAY' ? schema.valueSchema : null;
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ', ';
      out += javaString(value[i], element);
    }
    return `${out}]`;
  }
  if (isMapValue(value)) {
    const keySchema = schema?.type === 'MAP' ? schema.keySchema : null;
    const valueSchema = schema?.type === 'MAP' ? schema.valueSchema : null;
    let out = '{';
    let first = true;
    for (const [k, v] of mapEntries(value)) {
      if (!first) out += ', ';
      first = false;
      out += `${javaString(k, keySchema)}=${javaString(v, valueSchema)}`;
    }
    return `${out}}`;
  }
  return String(value);
}

/** `java.util.Date.toString()`: `EEE MMM dd HH:mm:ss zzz yyyy` in the local time zone. */
export function javaDate(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) return 'Invalid Date';
  zoneFormat ??= new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' });
  const zone = zoneFormat.formatToParts(date).find((p) => p.type === 'timeZoneName')?.value ?? 'UTC';
  return (
    `${DAYS[date.getDay()]} ${MONTHS[date.getMonth()]} ${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())} ${zone} ${date.getFullYear()}`
  );
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
