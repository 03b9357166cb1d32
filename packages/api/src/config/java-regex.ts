import { ConfigError } from '../errors.ts';

/**
 * Java `java.util.regex.Pattern` syntax, as Kafka's RegexRouter and TopicNameMatches take it,
 * compiled to a JavaScript `RegExp` (with the `u` flag) once, at configure time.
 *
 * Translated: `\Q…\E` quoting; `\A`, `\z`, `\Z`; leading inline flags `(?i)`, `(?s)`, `(?m)` and
 * scoped ones `(?i:…)`; `\h`, `\v` (Java's vertical whitespace), `\e`, `\a`, `\0nn` octal, `\x{h…}`;
 * the POSIX classes `\p{Lower}`, `\p{Upper}`, `\p{ASCII}`, `\p{Alpha}`, `\p{Digit}`, `\p{Alnum}`,
 * `\p{Punct}`, `\p{Graph}`, `\p{Print}`, `\p{Blank}`, `\p{Cntrl}`, `\p{XDigit}`, `\p{Space}`
 * (and `\P{…}`); Unicode categories and scripts `\p{L}`, `\p{IsL}`, `\p{Lu}`, `\p{IsLatin}`,
 * `\p{IsAlphabetic}`; escaped punctuation that JavaScript's `u` mode would reject (`\-`, `\_`, `\@`).
 *
 * Not supported (a {@link ConfigError} names the construct): possessive quantifiers (`a*+`), atomic
 * groups `(?>…)`, inline flags other than at the very start or as `(?flags:…)`, the flags
 * `x`, `u`, `d`, `U`, `c`, nested classes and intersections in character classes (`[a-z&&[^e]]`,
 * `[a[b]]`), `\G`, `\R`, `\X`, `\b{g}`, `\H`, `\V`, `\p{java…}` and `\p{In…}` blocks.
 */
export interface JavaPattern {
  /** The original Java pattern. */
  readonly source: string;
  /** Matches the first occurrence anywhere (Java's `find()` / `replaceFirst`). */
  readonly find: RegExp;
  /** Matches only the whole input (Java's `matches()`). */
  readonly whole: RegExp;
  /** Number of capturing groups. */
  readonly groupCount: number;
  /** Names of the named groups. */
  readonly groupNames: ReadonlySet<string>;
}

const POSIX: Record<string, string> = {
  Lower: 'a-z',
  Upper: 'A-Z',
  ASCII: '\\x00-\\x7F',
  Alpha: 'a-zA-Z',
  Digit: '0-9',
  Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~',
  Graph: '!-~',
  Print: ' -~',
  Blank: ' \\t',
  Cntrl: '\\x00-\\x1F\\x7F',
  XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r',
};

const HORIZONTAL_WS = ' \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000';
const VERTICAL_WS = '\\n\\x0B\\f\\r\\x85\\u2028\\u2029';
/** Characters that may follow `\` in a `u`-mode RegExp as an identity escape. */
const JS_SYNTAX = new Set('^$\\.*+?()[]{}|/'.split(''));
const UNICODE_CATEGORIES = new Set([
  'L',
  'Lu',
  'Ll',
  'Lt',
  'Lm',
  'Lo',
  'M',
  'Mn',
  'Mc',
  'Me',
  'N',
  'Nd',
  'Nl',
  'No',
  'P',
  'Pc',
  'Pd',
  'Ps',
  'Pe',
  'Pi',
  'Pf',
  'Po',
  'S',
  'Sm',
  'Sc',
  'Sk',
  'So',
  'Z',
  'Zs',
  'Zl',
  'Zp',
  'C',
  'Cc',
  'Cf',
  'Cs',
  'Co',
  'Cn',
]);

class Unsupported extends Error {}

function escapeLiteral(ch: string): string {
  return JS_SYNTAX.has(ch) || ch === '-' ? `\\${ch}` : ch;
}

function quote(text: string, inClass: boolean): string {
  let out = '';
  for (const ch of text) out += inClass || JS_SYNTAX.has(ch) ? escapeLiteral(ch) : ch;
  return out;
}

function codePointEscape(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}

/** `\p{…}` / `\P{…}` at `pattern[i]` (the `p`/`P`); returns the JS text and the index after it. */
function property(pattern: string, i: number, inClass: boolean): [string, number] {
  const negated = pattern[i] === 'P';
  let name: string;
  let end: number;
  if (pattern[i + 1] === '{') {
    const close = pattern.indexOf('}', i + 2);
    if (close < 0) throw new SyntaxError(`Unclosed character family near index ${i}`);
    name = pattern.slice(i + 2, close);
    end = close + 1;
  } else {
    name = pattern[i + 1] ?? '';
    end = i + 2;
  }
  const posix = POSIX[name];
  if (posix !== undefined) {
    if (inClass) {
      if (negated) throw new Unsupported(`\\P{${name}} inside a character class`);
      return [posix, end];
    }
    return [`[${negated ? '^' : ''}${posix}]`, end];
  }
  const p = negated ? 'P' : 'p';
  let bare = name;
  if (bare.startsWith('Is')) bare = bare.slice(2);
  else if (bare.startsWith('general_category=') || bare.startsWith('gc='))
    bare = bare.slice(bare.indexOf('=') + 1);
  if (UNICODE_CATEGORIES.has(bare)) return [`\\${p}{${bare}}`, end];
  if (bare === 'Alphabetic') return [`\\${p}{Alphabetic}`, end];
  if (name.startsWith('Is') || name.startsWith('script=') || name.startsWith('sc=')) {
    const script = name.startsWith('Is') ? bare : name.slice(name.indexOf('=') + 1);
    try {
      new RegExp(`\\p{Script=${script}}`, 'u');
    } catch {
      throw new Unsupported(`\\${p}{${name}}`);
    }
    return [`\\${p}{Script=${script}}`, end];
  }
  throw new Unsupported(`\\${p}{${name}}`);
}

interface Translation {
  source: string;
  flags: string;
  groupCount: number;
  groupNames: Set<string>;
}

function translate(pattern: string): Translation {
  let out = '';
  let flags = '';
  let i = 0;
  let groupCount = 0;
  const groupNames = new Set<string>();
  let inClass = false;
  let classStart = -1;
  /** True when the previous token can take a quantifier and a `+` after a quantifier would be possessive. */
  let afterQuantifier = false;

  const lead = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  if (lead !== null) {
    for (const f of lead[1]!) {
      if (f === 'i' || f === 's' || f === 'm') {
        if (!flags.includes(f)) flags += f;
      } else throw new Unsupported(`inline flag (?${f})`);
    }
    i = lead[0].length;
  }

  while (i < pattern.length) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) throw new SyntaxError(`Unexpected internal error near index ${i}`);
      afterQuantifier = false;
      if (next === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const text = end < 0 ? pattern.slice(i + 2) : pattern.slice(i + 2, end);
        out += inClass ? quote(text, true) : text.length > 0 ? `(?:${quote(text, false)})` : '';
        i = end < 0 ? pattern.length : end + 2;
        continue;
      }
      if (/[0-9]/.test(next)) {
        if (next === '0') {
          const m = /^0([0-3]?[0-7]{1,2})/.exec(pattern.slice(i + 1));
          if (m === null) throw new SyntaxError(`Illegal octal escape sequence near index ${i}`);
          out += codePointEscape(Number.parseInt(m[1]!, 8));
          i += 1 + m[0].length;
        } else {
          if (inClass) throw new SyntaxError(`Illegal back reference inside a class near index ${i}`);
          const m = /^[1-9][0-9]*/.exec(pattern.slice(i + 1))!;
          out += `\\${m[0]}`;
          i += 1 + m[0].length;
        }
        continue;
      }
      switch (next) {
        case 'd':
        case 'D':
        case 's':
        case 'S':
        case 'w':
        case 'W':
        case 'n':
        case 't':
        case 'r':
        case 'f':
          out += `\\${next}`;
          break;
        case 'b':
        case 'B':
          if (pattern[i + 2] === '{') throw new Unsupported('\\b{g}');
          if (inClass) throw new Unsupported(`\\${next} inside a character class`);
          out += `\\${next}`;
          break;
        case 'A':
          if (inClass) throw new SyntaxError(`Illegal escape \\A in a class near index ${i}`);
          out += '(?<![\\s\\S])';
          break;
        case 'z':
          out += '(?![\\s\\S])';
          break;
        case 'Z':
          out += '(?=(?:\\r\\n|[\\n\\r\\u0085\\u2028\\u2029])?(?![\\s\\S]))';
          break;
        case 'e':
          out += '\\x1B';
          break;
        case 'a':
          out += '\\x07';
          break;
        case 'h':
          out += inClass ? HORIZONTAL_WS : `[${HORIZONTAL_WS}]`;
          break;
        case 'v':
          out += inClass ? VERTICAL_WS : `[${VERTICAL_WS}]`;
          break;
        case 'x': {
          if (pattern[i + 2] === '{') {
            const close = pattern.indexOf('}', i + 3);
            const hex = close < 0 ? '' : pattern.slice(i + 3, close);
            if (!/^[0-9a-fA-F]+$/.test(hex))
              throw new SyntaxError(`Illegal hexadecimal escape near index ${i}`);
            out += codePointEscape(Number.parseInt(hex, 16));
            i = close + 1;
            continue;
          }
          const hex = pattern.slice(i + 2, i + 4);
          if (!/^[0-9a-fA-F]{2}$/.test(hex))
            throw new SyntaxError(`Illegal hexadecimal escape near index ${i}`);
          out += `\\x${hex}`;
          i += 4;
          continue;
        }
        case 'u': {
          const hex = pattern.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new SyntaxError(`Illegal Unicode escape near index ${i}`);
          out += `\\u${hex}`;
          i += 6;
          continue;
        }
        case 'c': {
          const c = pattern[i + 2];
          if (c === undefined) throw new SyntaxError(`Illegal control escape near index ${i}`);
          out += codePointEscape(c.charCodeAt(0) ^ 64);
          i += 3;
          continue;
        }
        case 'k': {
          const m = /^k<([a-zA-Z][a-zA-Z0-9]*)>/.exec(pattern.slice(i + 1));
          if (m === null)
            throw new SyntaxError(`\\k is not followed by '<' for named capturing group near index ${i}`);
          out += `\\k<${m[1]}>`;
          i += 1 + m[0].length;
          continue;
        }
        case 'p':
        case 'P': {
          const [text, end] = property(pattern, i + 1, inClass);
          out += text;
          i = end;
          continue;
        }
        default:
          if (/[a-zA-Z]/.test(next)) {
            if ('GRXHVEN'.includes(next)) throw new Unsupported(`\\${next}`);
            throw new SyntaxError(`Illegal/unsupported escape sequence \\${next} near index ${i + 1}`);
          }
          out += inClass ? escapeLiteral(next) : JS_SYNTAX.has(next) ? `\\${next}` : next;
      }
      i += 2;
      continue;
    }

    if (inClass) {
      if (ch === '[') throw new Unsupported('nested character class');
      if (ch === '&' && pattern[i + 1] === '&') throw new Unsupported('character class intersection (&&)');
      if (ch === ']' && i >= classStart) {
        inClass = false;
        out += ']';
        afterQuantifier = false;
      } else if (ch === ']') {
        out += '\\]';
      } else {
        out += ch === '/' ? '\\/' : ch;
      }
      i++;
      continue;
    }

    switch (ch) {
      case '[': {
        inClass = true;
        out += '[';
        i++;
        if (pattern[i] === '^') {
          out += '^';
          i++;
        }
        // Java takes a `]` right after `[` or `[^` literally.
        classStart = i + 1;
        afterQuantifier = false;
        continue;
      }
      case '(': {
        afterQuantifier = false;
        if (pattern[i + 1] !== '?') {
          groupCount++;
          out += '(';
          i++;
          continue;
        }
        const rest = pattern.slice(i + 2);
        const named = /^<([a-zA-Z][a-zA-Z0-9]*)>/.exec(rest);
        if (named !== null) {
          groupCount++;
          groupNames.add(named[1]!);
          out += `(?<${named[1]}>`;
          i += 2 + named[0].length;
          continue;
        }
        if (rest.startsWith(':') || rest.startsWith('=') || rest.startsWith('!')) {
          out += `(?${rest[0]}`;
          i += 3;
          continue;
        }
        if (rest.startsWith('<=') || rest.startsWith('<!')) {
          out += `(?${rest.slice(0, 2)}`;
          i += 4;
          continue;
        }
        if (rest.startsWith('>')) throw new Unsupported('atomic group (?>…)');
        const scoped = /^([a-zA-Z]*)(?:-([a-zA-Z]*))?:/.exec(rest);
        if (scoped !== null) {
          for (const f of `${scoped[1]}${scoped[2] ?? ''}`) {
            if (f !== 'i' && f !== 's' && f !== 'm') throw new Unsupported(`inline flag (?${f}:…)`);
          }
          out += `(?${scoped[0]}`;
          i += 2 + scoped[0].length;
          continue;
        }
        throw new Unsupported('inline flags (?…) other than at the start of the pattern');
      }
      case '*':
      case '+':
      case '?':
        if (afterQuantifier && ch === '+') throw new Unsupported('possessive quantifier');
        if (afterQuantifier && ch === '?') {
          out += '?';
          afterQuantifier = false;
          i++;
          if (pattern[i] === '+') throw new Unsupported('possessive quantifier');
          continue;
        }
        out += ch;
        afterQuantifier = true;
        i++;
        continue;
      case '{': {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
        if (m === null) throw new SyntaxError(`Illegal repetition near index ${i}`);
        out += m[0];
        afterQuantifier = true;
        i += m[0].length;
        continue;
      }
      case '/':
      case ']':
      case '}':
        out += `\\${ch}`;
        break;
      default:
        out += ch;
    }
    afterQuantifier = false;
    i++;
  }
  if (inClass) throw new SyntaxError(`Unclosed character class near index ${pattern.length - 1}`);
  return { source: out, flags, groupCount, groupNames };
}

/** Compiles a Java regular expression, or returns why it cannot be. */
export function tryCompileJavaRegex(pattern: string): JavaPattern | { readonly reason: string } {
  try {
    const t = translate(pattern);
    const flags = `u${t.flags}`;
    return {
      source: pattern,
      find: new RegExp(t.source, flags),
      whole: new RegExp(`(?<![\\s\\S])(?:${t.source})(?![\\s\\S])`, flags),
      groupCount: t.groupCount,
      groupNames: t.groupNames,
    };
  } catch (e) {
    return {
      reason:
        e instanceof Unsupported
          ? `Java regex construct not supported: ${e.message}`
          : `Invalid regex: ${(e as Error).message}`,
    };
  }
}

/**
 * Compiles a Java regular expression.
 * @param key the configuration key, for the error
 * @throws ConfigError `Invalid value <pattern> for configuration <key>: Invalid regex: <reason>`
 */
export function compileJavaRegex(pattern: string, key: string): JavaPattern {
  const compiled = tryCompileJavaRegex(pattern);
  if ('reason' in compiled) throw ConfigError.invalidValue(key, pattern, compiled.reason);
  return compiled;
}

/** One piece of a parsed Java replacement string. */
type ReplacementPart = string | number | { readonly name: string };

/**
 * A Java `Matcher.replaceFirst` replacement string, parsed once: `$n` and `${name}` refer to groups
 * (Java reads further digits of `$nn` only while the number stays a valid group), `\x` is the
 * literal `x`; any other `$` is an error.
 */
export class JavaReplacement {
  readonly #parts: readonly ReplacementPart[];

  /**
   * @throws ConfigError naming `key` for a dangling `\`, a `$` not followed by a group, or a group the pattern lacks
   */
  constructor(replacement: string, pattern: JavaPattern, key: string) {
    const parts: ReplacementPart[] = [];
    let literal = '';
    let i = 0;
    const fail = (reason: string): never => {
      throw ConfigError.invalidValue(key, replacement, reason);
    };
    while (i < replacement.length) {
      const ch = replacement[i]!;
      if (ch === '\\') {
        if (i + 1 >= replacement.length) fail('character to be escaped is missing');
        literal += replacement[i + 1];
        i += 2;
      } else if (ch === '$') {
        if (i + 1 >= replacement.length) fail('Illegal group reference: group index is missing');
        if (literal !== '') parts.push(literal);
        literal = '';
        if (replacement[i + 1] === '{') {
          const close = replacement.indexOf('}', i + 2);
          const name = close < 0 ? '' : replacement.slice(i + 2, close);
          if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(name)) fail("named capturing group is missing trailing '}'");
          if (!pattern.groupNames.has(name)) fail(`No group with name {${name}}`);
          parts.push({ name });
          i = close + 1;
        } else {
          const first = replacement.charCodeAt(i + 1) - 48;
          if (first < 0 || first > 9) fail('Illegal group reference');
          let group = first;
          i += 2;
          while (i < replacement.length) {
            const d = replacement.charCodeAt(i) - 48;
            if (d < 0 || d > 9) break;
            const candidate = group * 10 + d;
            if (candidate > pattern.groupCount) break;
            group = candidate;
            i++;
          }
          if (group > pattern.groupCount) fail(`No group ${group}`);
          parts.push(group);
        }
      } else {
        literal += ch;
        i++;
      }
    }
    if (literal !== '') parts.push(literal);
    this.#parts = parts;
  }

  /** Replaces the first match of `pattern.find` in `input` (Java's `replaceFirst`). */
  replaceFirst(input: string, pattern: JavaPattern): string {
    const m = pattern.find.exec(input);
    if (m === null) return input;
    let out = input.slice(0, m.index);
    for (const part of this.#parts) {
      if (typeof part === 'string') out += part;
      else if (typeof part === 'number') out += m[part] ?? '';
      else out += m.groups?.[part.name] ?? '';
    }
    return out + input.slice(m.index + m[0].length);
  }
}

/** A ConfigDef validator: the value must be a Java regex this module can compile (Kafka's `RegexValidator`). */
export const REGEX_VALIDATOR = {
  ensureValid(name: string, value: unknown): void {
    if (value === null || value === undefined) return;
    compileJavaRegex(String(value), name);
  },
  toString(): string {
    return 'valid regex';
  },
};
