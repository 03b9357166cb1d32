/**
 * Java's `java.text.SimpleDateFormat` in the UTC time zone and English locale, as Kafka's
 * TimestampRouter and TimestampConverter use it: the pattern is compiled once, then `format` and
 * `parse` run per record.
 *
 * Pattern letters: `G` era, `y`/`Y`/`u`-less years (`yy` two digits), `M`/`L` month (`M`, `MM`,
 * `MMM` short name, `MMMM` full name), `d` day of month, `D` day of year, `E` day name (`E`–`EEE`
 * short, `EEEE` full), `u` day number of week (1 = Monday), `a` AM/PM, `H` (0-23), `k` (1-24),
 * `K` (0-11), `h` (1-12), `m`, `s`, `S` milliseconds, `z`/`zzzz` (`UTC` / `Coordinated Universal Time`),
 * `Z` (`+0000`), `X`/`XX`/`XXX` (`Z`); text in single quotes, `''` for a quote.
 * Not supported (an error at compile time): `w`, `W`, `F` (week-based fields).
 *
 * Parsing is lenient like Java's default: out-of-range fields roll over (month 13 is January of
 * the next year), numeric fields take as many digits as are there unless the next field is numeric
 * too (then exactly the pattern width), trailing text after the pattern is ignored, and a zone
 * offset in the text (`Z`, `X`, `z` as `UTC`/`GMT±hh:mm`) is applied.
 */

type Token =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'field'; readonly letter: string; readonly count: number };

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const SUPPORTED = new Set('GyYMLdDEuaHkKhmsSzZX'.split(''));
const NUMERIC = new Set('yYdDuHkKhmsS'.split(''));
const MS_PER_DAY = 86_400_000;

function pad(n: number, width: number): string {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + (s.length >= width ? s : '0'.repeat(width - s.length) + s);
}

function isNumericToken(t: Token | undefined): boolean {
  if (t === undefined || t.kind !== 'field') return false;
  return NUMERIC.has(t.letter) || ((t.letter === 'M' || t.letter === 'L') && t.count <= 2);
}

/** A compiled SimpleDateFormat pattern (UTC). */
export class SimpleDateFormat {
  readonly pattern: string;
  readonly #tokens: readonly Token[];

  /** @throws Error `Illegal pattern character 'x'` or `Unterminated quote` for a bad pattern */
  constructor(pattern: string) {
    this.pattern = pattern;
    this.#tokens = tokenize(pattern);
  }

  /** The text of `date` (epoch millis or a Date) in UTC. */
  format(date: Date | number): string {
    const ms = typeof date === 'number' ? date : date.getTime();
    const d = new Date(ms);
    let out = '';
    for (const t of this.#tokens) {
      if (t.kind === 'literal') {
        out += t.text;
        continue;
      }
      const n = t.count;
      switch (t.letter) {
        case 'G':
          out += d.getUTCFullYear() > 0 ? 'AD' : 'BC';
          break;
        case 'y':
        case 'Y': {
          const y = d.getUTCFullYear();
          const year = y > 0 ? y : 1 - y;
          out += n === 2 ? pad(year % 100, 2) : pad(year, n);
          break;
        }
        case 'M':
        case 'L': {
          const m = d.getUTCMonth();
          out += n >= 4 ? MONTHS[m] : n === 3 ? MONTHS[m]!.slice(0, 3) : pad(m + 1, n);
          break;
        }
        case 'd':
          out += pad(d.getUTCDate(), n);
          break;
        case 'D': {
          const start = Date.UTC(d.getUTCFullYear(), 0, 1);
          out += pad(Math.floor((ms - start) / MS_PER_DAY) + 1, n);
          break;
        }
        case 'E': {
          const day = DAYS[d.getUTCDay()]!;
          out += n >= 4 ? day : day.slice(0, 3);
          break;
        }
        case 'u':
          out += pad(d.getUTCDay() === 0 ? 7 : d.getUTCDay(), n);
          break;
        case 'a':
          out += d.getUTCHours() < 12 ? 'AM' : 'PM';
          break;
        case 'H':
          out += pad(d.getUTCHours(), n);
          break;
        case 'k':
          out += pad(d.getUTCHours() === 0 ? 24 : d.getUTCHours(), n);
          break;
        case 'K':
          out += pad(d.getUTCHours() % 12, n);
          break;
        case 'h':
          out += pad(d.getUTCHours() % 12 === 0 ? 12 : d.getUTCHours() % 12, n);
          break;
        case 'm':
          out += pad(d.getUTCMinutes(), n);
          break;
        case 's':
          out += pad(d.getUTCSeconds(), n);
          break;
        case 'S':
          out += pad(d.getUTCMilliseconds(), n);
          break;
        case 'z':
          out += n >= 4 ? 'Coordinated Universal Time' : 'UTC';
          break;
        case 'Z':
          out += '+0000';
          break;
        case 'X':
          out += 'Z';
          break;
      }
    }
    return out;
  }

  /**
   * Parses `text` from its start; returns epoch millis.
   * @throws Error `Unparseable date: "<text>"` when the text does not match
   */
  parse(text: string): number {
    let pos = 0;
    let year = 1970;
    let month = 0;
    let day = 1;
    let dayOfYear: number | null = null;
    let hour = 0;
    let minute = 0;
    let second = 0;
    let milli = 0;
    let pm: boolean | null = null;
    let hour12 = false;
    let offsetMinutes = 0;
    let bc = false;
    const fail = (): never => {
      throw new Error(`Unparseable date: "${text}"`);
    };
    const tokens = this.#tokens;
    for (let ti = 0; ti < tokens.length; ti++) {
      const t = tokens[ti]!;
      if (t.kind === 'literal') {
        if (!text.startsWith(t.text, pos)) fail();
        pos += t.text.length;
        continue;
      }
      const fixedWidth = isNumericToken(tokens[ti + 1]) ? t.count : 0;
      const readNumber = (): number => {
        let end = pos;
        if (text[end] === '-' || text[end] === '+') end++;
        const limit = fixedWidth > 0 ? pos + fixedWidth : text.length;
        while (end < limit && end < text.length && text.charCodeAt(end) >= 48 && text.charCodeAt(end) <= 57)
          end++;
        const digits = text.slice(pos, end);
        if (!/[0-9]/.test(digits)) fail();
        pos = end;
        return Number.parseInt(digits, 10);
      };
      const readName = (names: readonly string[]): number => {
        for (let i = 0; i < names.length; i++) {
          const full = names[i]!;
          for (const candidate of [full, full.slice(0, 3)]) {
            if (text.slice(pos, pos + candidate.length).toLowerCase() === candidate.toLowerCase()) {
              pos += candidate.length;
              return i;
            }
          }
        }
        return fail();
      };
      switch (t.letter) {
        case 'G': {
          const era = readName(['AD', 'BC']);
          bc = era === 1;
          break;
        }
        case 'y':
        case 'Y': {
          const start = pos;
          const y = readNumber();
          if (t.count <= 2 && pos - start === 2) {
            const now = new Date().getUTCFullYear();
            let candidate = Math.floor((now - 80) / 100) * 100 + y;
            if (candidate < now - 80) candidate += 100;
            year = candidate;
          } else year = y;
          break;
        }
        case 'M':
        case 'L':
          month = t.count >= 3 ? readName(MONTHS) : readNumber() - 1;
          break;
        case 'd':
          day = readNumber();
          break;
        case 'D':
          dayOfYear = readNumber();
          break;
        case 'E':
          readName(DAYS);
          break;
        case 'u':
          readNumber();
          break;
        case 'a':
          pm = readName(['AM', 'PM']) === 1;
          break;
        case 'H':
          hour = readNumber();
          break;
        case 'k': {
          const h = readNumber();
          hour = h === 24 ? 0 : h;
          break;
        }
        case 'K':
          hour = readNumber();
          hour12 = true;
          break;
        case 'h': {
          const h = readNumber();
          hour = h === 12 ? 0 : h;
          hour12 = true;
          break;
        }
        case 'm':
          minute = readNumber();
          break;
        case 's':
          second = readNumber();
          break;
        case 'S':
          milli = readNumber();
          break;
        case 'z':
        case 'Z':
        case 'X': {
          const rest = text.slice(pos);
          const named = /^(?:UTC|GMT|Coordinated Universal Time)/.exec(rest);
          if (named !== null) pos += named[0].length;
          const z = /^Z/.exec(text.slice(pos));
          if (z !== null && named === null) {
            pos += 1;
            offsetMinutes = 0;
            break;
          }
          const m = /^([+-])(\d{2}):?(\d{2})?/.exec(text.slice(pos));
          if (m !== null) {
            offsetMinutes = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
            pos += m[0].length;
          } else if (named === null) fail();
          break;
        }
      }
    }
    if (hour12 && pm === true) hour += 12;
    if (bc) year = 1 - year;
    const d = new Date(0);
    if (dayOfYear !== null) d.setUTCFullYear(year, 0, dayOfYear);
    else d.setUTCFullYear(year, month, day);
    d.setUTCHours(hour, minute, second, milli);
    return d.getTime() - offsetMinutes * 60_000;
  }
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  let literal = '';
  let i = 0;
  const flush = () => {
    if (literal !== '') tokens.push({ kind: 'literal', text: literal });
    literal = '';
  };
  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === "'") {
      if (pattern[i + 1] === "'") {
        literal += "'";
        i += 2;
        continue;
      }
      const close = pattern.indexOf("'", i + 1);
      if (close < 0) throw new Error('Unterminated quote');
      let j = i + 1;
      let quoted = '';
      // '' inside quotes is a quote
      while (j < pattern.length) {
        if (pattern[j] === "'") {
          if (pattern[j + 1] === "'") {
            quoted += "'";
            j += 2;
            continue;
          }
          break;
        }
        quoted += pattern[j];
        j++;
      }
      if (j >= pattern.length) throw new Error('Unterminated quote');
      literal += quoted;
      i = j + 1;
      continue;
    }
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) {
      if (!SUPPORTED.has(ch)) {
        if ('wWF'.includes(ch)) throw new Error(`Pattern character '${ch}' (week-based) is not supported`);
        throw new Error(`Illegal pattern character '${ch}'`);
      }
      let j = i;
      while (pattern[j] === ch) j++;
      flush();
      tokens.push({ kind: 'field', letter: ch, count: j - i });
      i = j;
      continue;
    }
    literal += ch;
    i++;
  }
  flush();
  return tokens;
}
