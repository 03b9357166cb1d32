/**
 * Kafka Connect's basic-auth REST extension, configured as Kafka users configure it:
 * `rest.extension.classes=org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension`
 * and a JAAS file (the `java.security.auth.login.config` system property, from `KAFKA_OPTS`, or the
 * worker key of the same name) whose `KafkaConnect` entry names `PropertyFileLoginModule` with
 * `file=` a properties file of `user=password` lines.
 *
 * As in Kafka: every request needs `Authorization: Basic ...` with a user and password of the file
 * (an empty file lets everyone in), except the internal worker-to-worker requests (`POST
 * /connectors/{name}/tasks`, `PUT /connectors/{name}/fence`), which carry a request signature
 * instead; a failure answers 401 `User cannot access the resource.`, the same for an unknown user
 * and a wrong password.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '@sluice/api';
import { parseProperties } from '../../config/properties.ts';
import { JAAS_CONFIG_PROPERTY } from '../../config/rest-security-config.ts';

export const BASIC_AUTH_EXTENSION_CLASS =
  'org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension';
export const PROPERTY_FILE_LOGIN_MODULE =
  'org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule';
/** The JAAS entry the extension logs in with. */
export const CONNECT_LOGIN_ENTRY = 'KafkaConnect';
/** The JVM system property (and worker key) naming the JAAS file. */
export { JAAS_CONFIG_PROPERTY };
/** Kafka's answer to a request that fails authentication. */
export const UNAUTHORIZED_MESSAGE = 'User cannot access the resource.';

/** One login module line of a JAAS entry. */
export interface JaasModule {
  loginModule: string;
  flag: 'required' | 'requisite' | 'sufficient' | 'optional';
  options: Record<string, string>;
}

/** Parses a JAAS configuration file: `Name { module flag key=value ...; ... };` entries. */
export function parseJaasFile(text: string, fileName = '<jaas>'): Map<string, JaasModule[]> {
  // Comments: // to the end of the line, /* ... */ (outside quoted values).
  let clean = '';
  for (let i = 0; i < text.length; ) {
    const c = text[i]!;
    if (c === '"') {
      const end = findQuoteEnd(text, i);
      clean += text.slice(i, end + 1);
      i = end + 1;
    } else if (text.startsWith('//', i)) {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? text.length : nl;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 2;
    } else {
      clean += c;
      i++;
    }
  }
  const entries = new Map<string, JaasModule[]>();
  const entryRe = /([\w.$-]+)\s*\{([\s\S]*?)\}\s*;/g;
  let consumed = 0;
  for (const m of clean.matchAll(entryRe)) {
    if (clean.slice(consumed, m.index).trim() !== '') break;
    consumed = m.index + m[0].length;
    const modules: JaasModule[] = [];
    for (const line of splitModules(m[2]!)) {
      const mm = /^\s*([\w.$]+)\s+(required|requisite|sufficient|optional)\b([\s\S]*)$/i.exec(line);
      if (mm === null) {
        throw new ConfigError(
          `${fileName}: entry ${m[1]}: expected '<LoginModule class> required key="value" ...;', got '${line.trim()}'`,
        );
      }
      const options: Record<string, string> = {};
      const optionRe = /([\w.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]+))/g;
      for (const o of mm[3]!.matchAll(optionRe)) {
        options[o[1]!] = o[2] !== undefined ? o[2].replace(/\\(.)/g, '$1') : o[3]!;
      }
      modules.push({ loginModule: mm[1]!, flag: mm[2]!.toLowerCase() as JaasModule['flag'], options });
    }
    entries.set(m[1]!, modules);
  }
  if (clean.slice(consumed).trim() !== '') {
    throw new ConfigError(
      `${fileName}: cannot parse the JAAS configuration after '${clean.slice(consumed).trim().slice(0, 40)}'`,
    );
  }
  return entries;
}

function findQuoteEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}

function splitModules(body: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"') {
      const end = findQuoteEnd(body, i);
      current += body.slice(i, end + 1);
      i = end;
    } else if (c === ';') {
      if (current.trim() !== '') out.push(current);
      current = '';
    } else current += c;
  }
  if (current.trim() !== '') out.push(current);
  return out;
}

/** The JAAS file named by `-Djava.security.auth.login.config=...` in a `KAFKA_OPTS`-style value. */
export function jaasFileFromJvmOptions(opts: string | undefined): string | undefined {
  if (opts === undefined) return undefined;
  const m = /-Djava\.security\.auth\.login\.config=(?:"([^"]*)"|'([^']*)'|(\S+))/.exec(opts);
  if (m === null) return undefined;
  // `==path` replaces rather than adds to the JVM's configuration; either way, this file.
  return (m[1] ?? m[2] ?? m[3]!).replace(/^=/, '');
}

/** True when `rest.extension.classes` names Kafka's basic-auth extension. */
export function basicAuthExtensionEnabled(worker: Readonly<Record<string, string>>): boolean {
  return (worker['rest.extension.classes'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .includes(BASIC_AUTH_EXTENSION_CLASS);
}

/** A request as the authentication layers see it. */
export interface AuthRequest {
  method: string;
  /** The path, without the query string. */
  path: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Kafka's internal worker-to-worker endpoints, signed instead of authenticated (KIP-507). */
export function isInternalRequest(method: string, path: string): boolean {
  return (
    (method === 'POST' && /^\/?connectors\/[^/]+\/tasks\/?$/.test(path)) ||
    (method === 'PUT' && /^\/?connectors\/[^/]+\/fence\/?$/.test(path))
  );
}

/** The user and password of an `Authorization: Basic` header, or undefined. */
export function basicCredentials(
  header: string | string[] | undefined,
): { user: string; password: string } | undefined {
  if (typeof header !== 'string') return undefined;
  const space = header.indexOf(' ');
  if (space <= 0 || header.slice(0, space).toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(header.slice(space + 1).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  // Compare in constant time for equal lengths; a length difference is no hint about the user.
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The users of one `PropertyFileLoginModule` (its `file=`), read once as Kafka reads them. */
class PropertyFileUsers {
  readonly #users: Map<string, string>;
  constructor(file: string) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(`Error loading Property Credentials file ${file}: ${(err as Error).message}`);
    }
    this.#users = new Map(Object.entries(parseProperties(text, file)));
  }
  /** Kafka's rule: an empty file admits everyone; else the password must match the user's. */
  check(user: string | undefined, password: string | undefined): boolean {
    if (this.#users.size === 0) return true;
    if (user === undefined || password === undefined) return false;
    // Same work for an unknown user as for a known one.
    const stored = this.#users.get(user);
    return sameSecret(stored ?? `\u0000${password}`, password) && stored !== undefined;
  }
}

/** Kafka's `JaasBasicAuthFilter` over a `KafkaConnect` JAAS entry of `PropertyFileLoginModule`s. */
export class JaasBasicAuth {
  readonly #modules: { flag: JaasModule['flag']; users: PropertyFileUsers }[];

  /**
   * @throws ConfigError when the entry is missing, names another login module, or a users file cannot be read
   */
  constructor(jaasFile: string) {
    let text: string;
    try {
      text = readFileSync(jaasFile, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `Cannot read the JAAS file ${jaasFile} (${JAAS_CONFIG_PROPERTY}): ${(err as Error).message}`,
        {
          key: JAAS_CONFIG_PROPERTY,
          value: jaasFile,
        },
      );
    }
    const entry = parseJaasFile(text, jaasFile).get(CONNECT_LOGIN_ENTRY);
    if (entry === undefined || entry.length === 0) {
      throw new ConfigError(
        `${jaasFile}: no '${CONNECT_LOGIN_ENTRY} { ... };' entry: the basic-auth extension logs in with it`,
        {
          key: JAAS_CONFIG_PROPERTY,
        },
      );
    }
    this.#modules = entry.map((m) => {
      if (m.loginModule !== PROPERTY_FILE_LOGIN_MODULE) {
        throw new ConfigError(
          `${jaasFile}: login module ${m.loginModule} is not available in Sluice; use ${PROPERTY_FILE_LOGIN_MODULE}, or bearer tokens (docs/security.md)`,
          { key: JAAS_CONFIG_PROPERTY },
        );
      }
      const file = m.options.file;
      if (file === undefined || file.trim() === '') {
        throw new ConfigError(`${jaasFile}: Property Credentials file must be specified (file="...")`, {
          key: JAAS_CONFIG_PROPERTY,
        });
      }
      return { flag: m.flag, users: new PropertyFileUsers(file) };
    });
  }

  /** The user name when the request's basic credentials log in, else undefined. */
  login(header: string | string[] | undefined): string | undefined {
    const creds = basicCredentials(header);
    // JAAS: required/requisite modules must all succeed; a sufficient one that succeeds ends the
    // login (when no required one failed before it); optional ones count only when alone.
    let failed = false;
    let succeeded = false;
    for (const { flag, users } of this.#modules) {
      const ok = users.check(creds?.user, creds?.password);
      if (flag === 'required' || flag === 'requisite') {
        if (!ok) {
          failed = true;
          if (flag === 'requisite') break;
        } else succeeded = true;
      } else if (flag === 'sufficient') {
        if (ok && !failed) return creds?.user ?? '';
      } else if (ok) succeeded = true;
    }
    return !failed && succeeded ? (creds?.user ?? '') : undefined;
  }
}

/** The JAAS file the worker uses: the worker key, else `-Djava.security.auth.login.config` in `KAFKA_OPTS`. */
export function jaasFileOf(
  worker: Readonly<Record<string, string>>,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const key = worker[JAAS_CONFIG_PROPERTY];
  if (key !== undefined && key.trim() !== '') return key.trim();
  return jaasFileFromJvmOptions(env.KAFKA_OPTS);
}
