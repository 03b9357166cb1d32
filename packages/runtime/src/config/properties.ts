/**
 * Reading the files `connect-standalone` takes on its command line: the worker's `.properties` file
 * and the connector files, which may be `.properties`, a flat JSON map, or a create-request JSON
 * (`{"name": ..., "config": {...}, "initial_state": ...}`).
 *
 * `.properties` files are parsed exactly as `java.util.Properties.load` does, and — like Kafka's
 * `Utils.loadProps`, which hands `Properties.load` an `InputStream` — their bytes are decoded as
 * ISO-8859-1, not UTF-8: a non-ASCII character must be written as a `\uXXXX` escape, and UTF-8 bytes
 * come through as one Latin-1 character each, exactly as Apache Kafka Connect reads them. JSON files
 * are UTF-8, as Jackson reads them.
 */

import { readFile } from 'node:fs/promises';
import { ConfigError } from '@sluice/api';

/** The `initial_state` of a create-request (KIP-980). */
export type InitialState = 'RUNNING' | 'PAUSED' | 'STOPPED';

/** A connector file read as `connect-standalone` reads it. */
export interface ConnectorConfigFile {
  /** The connector's name; always equal to `config.name`. */
  name: string;
  /** The connector configuration, `name` included. */
  config: Record<string, string>;
  /** Only from a create-request JSON that sets `initial_state`. */
  initialState?: InitialState;
}

/** Options for reading a `.properties` file. */
export interface PropertiesFileOptions {
  /**
   * How the file's bytes become characters. Default `latin1` (ISO-8859-1), as Kafka reads worker and
   * connector `.properties` files; `utf8` is offered for callers that want it, but differs from Kafka.
   */
  encoding?: 'latin1' | 'utf8';
}

// ---------------------------------------------------------------------------------------------
// java.util.Properties.load
// ---------------------------------------------------------------------------------------------

/** Offsets at which each natural line starts (terminators: `\n`, `\r\n`, `\r`). */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) starts.push(i + 1);
    else if (c === 0x0d) {
      if (text.charCodeAt(i + 1) === 0x0a) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/** The 1-based line number holding `offset`. */
function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

const SPACE = 0x20;
const TAB = 0x09;
const FORM_FEED = 0x0c;
const LF = 0x0a;
const CR = 0x0d;
const BACKSLASH = 0x5c;

function isPropertiesWhitespace(c: number): boolean {
  return c === SPACE || c === TAB || c === FORM_FEED;
}

/** One logical line: its characters and, for each, the offset in the text it came from. */
interface LogicalLine {
  chars: string[];
  offsets: number[];
}

/**
 * Java's `Properties.LineReader.readLine` over a string: returns the next logical line (comments and
 * blank lines skipped, continuation backslashes removed with the following line's leading
 * whitespace), or `null` at the end.
 */
class LineReader {
  readonly #text: string;
  #off = 0;

  constructor(text: string) {
    this.#text = text;
  }

  readLine(): LogicalLine | null {
    const text = this.#text;
    const chars: string[] = [];
    const offsets: number[] = [];
    let skipWhiteSpace = true;
    let appendedLineBegin = false;
    let precedingBackslash = false;
    const done = (): LogicalLine => {
      if (precedingBackslash) {
        chars.pop();
        offsets.pop();
      }
      return { chars, offsets };
    };
    while (true) {
      if (this.#off >= text.length) {
        if (chars.length === 0) return null;
        return done();
      }
      const at = this.#off++;
      const c = text.charCodeAt(at);
      if (skipWhiteSpace) {
        if (isPropertiesWhitespace(c)) continue;
        if (!appendedLineBegin && (c === CR || c === LF)) continue;
        skipWhiteSpace = false;
        appendedLineBegin = false;
      }
      if (chars.length === 0 && (c === 0x23 || c === 0x21)) {
        // '#' or '!' first on a (still empty) logical line: a comment up to the end of the natural line.
        while (true) {
          if (this.#off >= text.length) return null;
          const b = text.charCodeAt(this.#off++);
          if (b === CR || b === LF) break;
        }
        skipWhiteSpace = true;
        continue;
      }
      if (c !== LF && c !== CR) {
        chars.push(text[at]!);
        offsets.push(at);
        precedingBackslash = c === BACKSLASH ? !precedingBackslash : false;
        continue;
      }
      // End of a natural line.
      if (chars.length === 0) {
        skipWhiteSpace = true;
        continue;
      }
      if (this.#off >= text.length) return done();
      if (!precedingBackslash) return { chars, offsets };
      // A continuation: drop the backslash, skip the next line's leading whitespace.
      chars.pop();
      offsets.pop();
      skipWhiteSpace = true;
      appendedLineBegin = true;
      precedingBackslash = false;
      if (c === CR && text.charCodeAt(this.#off) === LF) this.#off++;
    }
  }
}

function isHexDigit(ch: string | undefined): boolean {
  return ch !== undefined && /^[0-9a-fA-F]$/.test(ch);
}

/**
 * Java's `Properties.loadConvert`: resolves the escapes in `chars[from, to)`.
 * @throws ConfigError `<file>:<line>: malformed \uXXXX escape`
 */
function loadConvert(
  line: LogicalLine,
  from: number,
  to: number,
  fileName: string,
  starts: readonly number[],
): string {
  const { chars, offsets } = line;
  let out = '';
  let i = from;
  while (i < to) {
    const ch = chars[i++]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    const escapeAt = i - 1;
    const next = chars[i++];
    if (next === 'u') {
      const hex = chars.slice(i, i + 4);
      if (i > to - 4 || !hex.every(isHexDigit)) {
        const lineNo = lineOf(starts, offsets[escapeAt]!);
        throw new ConfigError(`${fileName}:${lineNo}: malformed \\uXXXX escape`);
      }
      out += String.fromCharCode(Number.parseInt(hex.join(''), 16));
      i += 4;
    } else if (next === 't') out += '\t';
    else if (next === 'r') out += '\r';
    else if (next === 'n') out += '\n';
    else if (next === 'f') out += '\f';
    else if (next !== undefined) out += next;
  }
  return out;
}

/**
 * Parses the text of a `.properties` file exactly as `java.util.Properties.load`:
 *
 * - natural lines end at `\n`, `\r\n` or `\r`; a line ending in an odd number of backslashes continues
 *   on the next one, whose leading whitespace (space, tab, form feed) is skipped;
 * - a natural line whose first non-whitespace character is `#` or `!` is a comment (also when it
 *   follows a continuation that contributed nothing); comments never continue;
 * - the key ends at the first unescaped `=`, `:` or whitespace; whitespace around it, and one `=` or
 *   `:` after whitespace, are skipped; `key value`, `key:value`, `key = value` all give `value`, and
 *   a key alone gives `""`;
 * - escapes: `\t \n \r \f`, `\uXXXX`, and `\` before any other character stands for that character
 *   (`\\ \= \: \# \! \ `); a malformed `\uXXXX` is an error;
 * - a later duplicate key replaces the earlier value.
 *
 * @param fileName used in error messages
 * @throws ConfigError `<fileName>:<line>: malformed \uXXXX escape`
 */
export function parseProperties(text: string, fileName = '<properties>'): Record<string, string> {
  const reader = new LineReader(text);
  const starts = lineStarts(text);
  const result = new Map<string, string>();
  for (let line = reader.readLine(); line !== null; line = reader.readLine()) {
    const { chars } = line;
    const limit = chars.length;
    let keyLen = 0;
    let valueStart = limit;
    let hasSep = false;
    let precedingBackslash = false;
    while (keyLen < limit) {
      const c = chars[keyLen]!;
      if ((c === '=' || c === ':') && !precedingBackslash) {
        valueStart = keyLen + 1;
        hasSep = true;
        break;
      }
      if ((c === ' ' || c === '\t' || c === '\f') && !precedingBackslash) {
        valueStart = keyLen + 1;
        break;
      }
      precedingBackslash = c === '\\' ? !precedingBackslash : false;
      keyLen++;
    }
    while (valueStart < limit) {
      const c = chars[valueStart]!;
      if (c !== ' ' && c !== '\t' && c !== '\f') {
        if (!hasSep && (c === '=' || c === ':')) hasSep = true;
        else break;
      }
      valueStart++;
    }
    const key = loadConvert(line, 0, keyLen, fileName, starts);
    const value = loadConvert(line, valueStart, limit, fileName, starts);
    result.set(key, value);
  }
  return Object.fromEntries(result);
}

async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ConfigError(`${path}: cannot read the file: ${reason}`, { cause: e });
  }
}

/**
 * Reads a `.properties` file (e.g. the worker's) as Kafka's `Utils.loadProps` does: bytes decoded
 * as ISO-8859-1 unless `options.encoding` says otherwise, then {@link parseProperties}.
 * @throws ConfigError when the file cannot be read or has a malformed `\uXXXX` escape
 */
export async function loadPropertiesFile(
  path: string,
  options: PropertiesFileOptions = {},
): Promise<Record<string, string>> {
  const bytes = await readBytes(path);
  return parseProperties(bytes.toString(options.encoding ?? 'latin1'), path);
}

// ---------------------------------------------------------------------------------------------
// JSON with positions (as strict as Jackson's defaults)
// ---------------------------------------------------------------------------------------------

type JsonNode =
  | { kind: 'string'; value: string; line: number; column: number }
  | { kind: 'number'; text: string; line: number; column: number }
  | { kind: 'boolean'; value: boolean; line: number; column: number }
  | { kind: 'null'; line: number; column: number }
  | { kind: 'array'; line: number; column: number }
  | { kind: 'object'; entries: JsonEntry[]; line: number; column: number };

interface JsonEntry {
  key: string;
  value: JsonNode;
}

/**
 * A small JSON reader that keeps each value's position and a number's source text (Jackson turns a
 * number into a string by its text: `4` ⇒ `"4"`, `1.50` ⇒ `"1.50"`). It accepts what Jackson's
 * default `ObjectMapper` accepts: no comments, no trailing commas, no single quotes, no leading zeros,
 * no unescaped control characters in strings; anything after the top-level value is ignored.
 */
class JsonReader {
  readonly #text: string;
  readonly #fileName: string;
  #pos = 0;
  #line = 1;
  #lineStart = 0;

  constructor(text: string, fileName: string) {
    this.#text = text;
    this.#fileName = fileName;
  }

  error(message: string, line = this.#line, column = this.#pos - this.#lineStart + 1): ConfigError {
    return new ConfigError(`${this.#fileName}:${line}:${column}: ${message}`);
  }

  #describe(): string {
    if (this.#pos >= this.#text.length) return 'end of file';
    const cp = this.#text.codePointAt(this.#pos)!;
    if (cp < 0x20) return `control character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    return `'${String.fromCodePoint(cp)}'`;
  }

  #skipWhitespace(): void {
    const text = this.#text;
    while (this.#pos < text.length) {
      const c = text.charCodeAt(this.#pos);
      if (c === SPACE || c === TAB) this.#pos++;
      else if (c === LF) this.#newLine(this.#pos + 1);
      else if (c === CR) this.#newLine(text.charCodeAt(this.#pos + 1) === LF ? this.#pos + 2 : this.#pos + 1);
      else break;
    }
  }

  #newLine(next: number): void {
    this.#pos = next;
    this.#line++;
    this.#lineStart = next;
  }

  /** Reads the top-level value, which must be an object. */
  readTopLevelObject(): Extract<JsonNode, { kind: 'object' }> {
    if (this.#text.charCodeAt(0) === 0xfeff) {
      this.#pos = 1;
      this.#lineStart = 1;
    }
    this.#skipWhitespace();
    if (this.#text[this.#pos] !== '{') {
      throw this.error(`expected a JSON object ('{') but found ${this.#describe()}`);
    }
    const node = this.#readValue();
    return node as Extract<JsonNode, { kind: 'object' }>;
  }

  #readValue(): JsonNode {
    this.#skipWhitespace();
    const line = this.#line;
    const column = this.#pos - this.#lineStart + 1;
    const ch = this.#text[this.#pos];
    switch (ch) {
      case '{':
        return this.#readObject(line, column);
      case '[':
        this.#skipArray();
        return { kind: 'array', line, column };
      case '"':
        return { kind: 'string', value: this.#readString(), line, column };
      case 't':
      case 'f':
      case 'n':
        return this.#readLiteral(line, column);
      default:
        if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) {
          return { kind: 'number', text: this.#readNumber(), line, column };
        }
        throw this.error(`expected a JSON value but found ${this.#describe()}`);
    }
  }

  #readObject(line: number, column: number): JsonNode {
    this.#pos++; // '{'
    const entries: JsonEntry[] = [];
    this.#skipWhitespace();
    if (this.#text[this.#pos] === '}') {
      this.#pos++;
      return { kind: 'object', entries, line, column };
    }
    while (true) {
      this.#skipWhitespace();
      if (this.#text[this.#pos] !== '"') {
        throw this.error(`expected a field name in double quotes but found ${this.#describe()}`);
      }
      const key = this.#readString();
      this.#skipWhitespace();
      if (this.#text[this.#pos] !== ':') throw this.error(`expected ':' but found ${this.#describe()}`);
      this.#pos++;
      entries.push({ key, value: this.#readValue() });
      this.#skipWhitespace();
      const next = this.#text[this.#pos];
      if (next === ',') {
        this.#pos++;
        continue;
      }
      if (next === '}') {
        this.#pos++;
        return { kind: 'object', entries, line, column };
      }
      throw this.error(`expected ',' or '}' but found ${this.#describe()}`);
    }
  }

  #skipArray(): void {
    this.#pos++; // '['
    this.#skipWhitespace();
    if (this.#text[this.#pos] === ']') {
      this.#pos++;
      return;
    }
    while (true) {
      this.#readValue();
      this.#skipWhitespace();
      const next = this.#text[this.#pos];
      if (next === ',') {
        this.#pos++;
        continue;
      }
      if (next === ']') {
        this.#pos++;
        return;
      }
      throw this.error(`expected ',' or ']' but found ${this.#describe()}`);
    }
  }

  #readString(): string {
    const text = this.#text;
    this.#pos++; // opening quote
    let out = '';
    while (true) {
      if (this.#pos >= text.length) throw this.error('unterminated string');
      const c = text.charCodeAt(this.#pos);
      if (c === 0x22) {
        this.#pos++;
        return out;
      }
      if (c < 0x20) throw this.error(`${this.#describe()} must be escaped in a string`);
      if (c !== BACKSLASH) {
        out += text[this.#pos++];
        continue;
      }
      const e = text[this.#pos + 1];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = text.slice(this.#pos + 2, this.#pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.error('malformed \\uXXXX escape in a string');
          out += String.fromCharCode(Number.parseInt(hex, 16));
          this.#pos += 4;
          break;
        }
        default:
          throw this.error(
            e === undefined ? 'unterminated string' : `unrecognized escape '\\${e}' in a string`,
          );
      }
      this.#pos += 2;
    }
  }

  #readLiteral(line: number, column: number): JsonNode {
    for (const [word, node] of [
      ['true', { kind: 'boolean', value: true, line, column }],
      ['false', { kind: 'boolean', value: false, line, column }],
      ['null', { kind: 'null', line, column }],
    ] as const) {
      if (
        this.#text.startsWith(word, this.#pos) &&
        !/^[A-Za-z0-9_$]/.test(this.#text[this.#pos + word.length] ?? '')
      ) {
        this.#pos += word.length;
        return node;
      }
    }
    const token = /^[A-Za-z0-9_$]+/.exec(this.#text.slice(this.#pos))?.[0] ?? '';
    throw this.error(`unrecognized token '${token}': expected true, false or null`);
  }

  #readNumber(): string {
    const m = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(this.#text.slice(this.#pos));
    const matched = m?.[0] ?? '';
    const after = this.#text[this.#pos + matched.length];
    if (matched === '' || matched === '-' || (after !== undefined && /[0-9.eE+\-A-Za-z]/.test(after))) {
      const token = /^[-+0-9.eEA-Za-z]+/.exec(this.#text.slice(this.#pos))?.[0] ?? '';
      throw this.error(`malformed number '${token}'`);
    }
    this.#pos += matched.length;
    return matched;
  }
}

/**
 * A JSON value as a connector config value, as Jackson's `Map<String, String>` binding gives it:
 * strings as they are, numbers by their source text, booleans as `true`/`false`.
 */
function configValue(reader: JsonReader, key: string, node: JsonNode, where: string): string {
  switch (node.kind) {
    case 'string':
      return node.value;
    case 'number':
      return node.text;
    case 'boolean':
      return String(node.value);
    case 'null':
      throw reader.error(
        `the value of '${key}'${where} is null; connector configuration values must be strings, numbers or booleans`,
        node.line,
        node.column,
      );
    default:
      throw reader.error(
        `the value of '${key}'${where} is a JSON ${node.kind}; connector configuration values must be strings, numbers or booleans`,
        node.line,
        node.column,
      );
  }
}

function isScalar(node: JsonNode): boolean {
  return node.kind !== 'object' && node.kind !== 'array';
}

function missingName(fileName: string): ConfigError {
  return new ConfigError(
    `Connector configuration at '${fileName}' is missing the mandatory 'name' configuration`,
    { key: 'name' },
  );
}

const INITIAL_STATES: readonly InitialState[] = ['RUNNING', 'PAUSED', 'STOPPED'];

function parseConnectorJson(text: string, fileName: string): ConnectorConfigFile {
  const reader = new JsonReader(text, fileName);
  const root = reader.readTopLevelObject();
  // Kafka first binds the file to Map<String, String> (every value a scalar); failing that, to a
  // create request {name, config, initial_state} with unknown fields ignored.
  const flat = root.entries.every((e) => isScalar(e.value));
  const configEntry = root.entries.findLast((e) => e.key === 'config');
  if (flat || configEntry === undefined) {
    const config = new Map<string, string>();
    for (const { key, value } of root.entries) config.set(key, configValue(reader, key, value, ''));
    const name = config.get('name');
    if (name === undefined) throw missingName(fileName);
    return { name, config: Object.fromEntries(config) };
  }

  const configNode = configEntry.value;
  if (configNode.kind !== 'object') {
    throw reader.error(
      `'config' must be a JSON object of connector configuration values, not a JSON ${configNode.kind}`,
      configNode.line,
      configNode.column,
    );
  }
  const config = new Map<string, string>();
  for (const { key, value } of configNode.entries) {
    config.set(key, configValue(reader, key, value, " in 'config'"));
  }

  let name: string | undefined;
  const nameNode = root.entries.findLast((e) => e.key === 'name')?.value;
  if (nameNode !== undefined && nameNode.kind !== 'null') name = configValue(reader, 'name', nameNode, '');

  let initialState: InitialState | undefined;
  const stateNode = root.entries.findLast((e) => e.key === 'initial_state')?.value;
  if (stateNode !== undefined && stateNode.kind !== 'null') {
    const raw = configValue(reader, 'initial_state', stateNode, '');
    const upper = raw.toUpperCase() as InitialState;
    if (!INITIAL_STATES.includes(upper)) {
      throw reader.error(
        `invalid initial_state '${raw}': must be one of ${INITIAL_STATES.join(', ')}`,
        stateNode.line,
        stateNode.column,
      );
    }
    initialState = upper;
  }

  const configName = config.get('name');
  if (configName !== undefined) {
    if (configName !== name) {
      throw new ConfigError(
        `Connector name configuration in 'config' doesn't match the one specified in 'name' at '${fileName}'`,
        { key: 'name' },
      );
    }
  } else {
    if (name === undefined) throw missingName(fileName);
    config.set('name', name);
  }
  const result: ConnectorConfigFile = { name: name!, config: Object.fromEntries(config) };
  if (initialState !== undefined) result.initialState = initialState;
  return result;
}

function decodeUtf8(bytes: Uint8Array, fileName: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (e) {
    throw new ConfigError(`${fileName}: the JSON file is not valid UTF-8`, { cause: e });
  }
}

/** True when the content, after an optional UTF-8 byte order mark and whitespace, starts with `{`. */
function startsWithBrace(content: string | Uint8Array): boolean {
  let i = 0;
  if (typeof content === 'string') {
    if (content.charCodeAt(0) === 0xfeff) i = 1;
    while (i < content.length && /[ \t\r\n]/.test(content[i]!)) i++;
    return content[i] === '{';
  }
  if (content[0] === 0xef && content[1] === 0xbb && content[2] === 0xbf) i = 3;
  while (i < content.length && [SPACE, TAB, CR, LF].includes(content[i]!)) i++;
  return content[i] === 0x7b;
}

/**
 * Parses a connector configuration file given to `connect-standalone`. The file is JSON when its
 * name ends in `.json` or its content starts with `{` (after whitespace); otherwise it is a
 * `.properties` file (decoded as ISO-8859-1 when given as bytes, as Kafka does). JSON is either
 *
 * - a flat map of configuration values (every value a string, number or boolean; numbers keep their
 *   source text, as Jackson's binding does: `"tasks.max": 4` gives `"4"`), or
 * - a create request `{"name": ..., "config": {...}, "initial_state": ...}` (other fields, such as
 *   the `tasks` and `type` of a `GET /connectors/{name}` reply, are ignored); `config.name`, when
 *   given, must equal `name`, and is set from it otherwise; `initial_state` is `RUNNING`, `PAUSED`
 *   or `STOPPED` in any case.
 *
 * Every form must name the connector.
 *
 * @param content the file's bytes, or its text
 * @param fileName the file's path, for messages and the `.json` check
 * @throws ConfigError for JSON syntax errors (`<file>:<line>:<column>: ...`), a null, object or array
 *   value (naming the key), a bad `initial_state`, a missing or mismatched name, or a malformed
 *   `\uXXXX` escape in a `.properties` file (`<file>:<line>: ...`)
 */
export function parseConnectorConfigFile(
  content: string | Uint8Array,
  fileName: string,
): ConnectorConfigFile {
  if (fileName.toLowerCase().endsWith('.json') || startsWithBrace(content)) {
    const text = typeof content === 'string' ? content : decodeUtf8(content, fileName);
    return parseConnectorJson(text, fileName);
  }
  const text = typeof content === 'string' ? content : Buffer.from(content).toString('latin1');
  const config = parseProperties(text, fileName);
  const name = config.name;
  if (name === undefined) throw missingName(fileName);
  return { name, config };
}

/**
 * Reads and parses a connector configuration file; see {@link parseConnectorConfigFile}.
 * @throws ConfigError when the file cannot be read or is not a valid connector configuration
 */
export async function loadConnectorConfigFile(path: string): Promise<ConnectorConfigFile> {
  return parseConnectorConfigFile(await readBytes(path), path);
}

/** The keys with `prefix`, stripped of it. */
export function withPrefix(props: Readonly<Record<string, string>>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out;
}
