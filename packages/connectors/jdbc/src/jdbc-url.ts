/**
 * JDBC connection URLs as users write them for Confluent's connectors, parsed into what the Node
 * drivers need: `jdbc:mysql://h:p/db?user=..&password=..`, `jdbc:mariadb://...`,
 * `jdbc:postgresql://h:p/db?...`, `jdbc:sqlite:<path>` (also `jdbc:sqlite::memory:`).
 */

export type DatabaseKind = 'mysql' | 'postgresql' | 'sqlite';

export interface JdbcUrl {
  kind: DatabaseKind;
  /** The sub-protocol as written: `mysql`, `mariadb`, `postgresql`, `sqlite`. */
  subprotocol: string;
  host: string;
  port: number;
  /** Database name (MySQL/PostgreSQL), or the file path for SQLite. */
  database: string;
  /** Query parameters (`?user=...&ssl=true`), decoded. */
  params: Record<string, string>;
}

export class JdbcUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JdbcUrlError';
  }
}

const DEFAULT_PORTS: Record<string, number> = { mysql: 3306, mariadb: 3306, postgresql: 5432 };

/** Parses a JDBC URL; throws {@link JdbcUrlError} saying what is wrong and what is expected. */
export function parseJdbcUrl(url: string): JdbcUrl {
  const text = url.trim();
  const m = /^jdbc:([a-zA-Z0-9]+):(.*)$/s.exec(text);
  if (m === null) {
    throw new JdbcUrlError(
      'not a JDBC URL; expected jdbc:mysql://host:port/db, jdbc:mariadb://host:port/db, jdbc:postgresql://host:port/db or jdbc:sqlite:<path>',
    );
  }
  const subprotocol = m[1]!.toLowerCase();
  const rest = m[2]!;
  if (subprotocol === 'sqlite') {
    const [pathPart, query] = splitOnce(rest, '?');
    const path = pathPart.startsWith('//') ? pathPart.slice(2) : pathPart;
    if (path === '') throw new JdbcUrlError('jdbc:sqlite: needs a database file path (or :memory:)');
    return { kind: 'sqlite', subprotocol, host: '', port: 0, database: path, params: parseQuery(query) };
  }
  const defaultPort = DEFAULT_PORTS[subprotocol];
  if (defaultPort === undefined) {
    throw new JdbcUrlError(
      `unsupported database '${subprotocol}'; Sluice's JDBC connectors speak mysql, mariadb, postgresql and sqlite`,
    );
  }
  if (!rest.startsWith('//')) throw new JdbcUrlError(`expected jdbc:${subprotocol}://host[:port]/database`);
  const [authorityAndPath, query] = splitOnce(rest.slice(2), '?');
  const slash = authorityAndPath.indexOf('/');
  const authority = slash < 0 ? authorityAndPath : authorityAndPath.slice(0, slash);
  const database = slash < 0 ? '' : decodeURIComponent(authorityAndPath.slice(slash + 1));
  const params = parseQuery(query);
  // user:password@host is accepted by MySQL Connector/J and MariaDB's driver.
  let hostPort = authority;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const [user, password] = splitOnce(authority.slice(0, at), ':');
    if (user !== '') params.user ??= decodeURIComponent(user);
    if (password !== '') params.password ??= decodeURIComponent(password);
    hostPort = authority.slice(at + 1);
  }
  // Several hosts (failover lists): the first one is used.
  hostPort = hostPort.split(',')[0] ?? '';
  let host = hostPort;
  let port = defaultPort;
  const bracket = /^\[([^\]]+)\](?::(\d*))?$/.exec(hostPort);
  if (bracket !== null) {
    host = bracket[1]!;
    if (bracket[2]) port = Number(bracket[2]);
  } else {
    const colon = hostPort.lastIndexOf(':');
    if (colon >= 0) {
      host = hostPort.slice(0, colon);
      const p = hostPort.slice(colon + 1);
      if (!/^\d+$/.test(p)) throw new JdbcUrlError(`port '${p}' is not a number`);
      port = Number(p);
    }
  }
  if (host === '') host = 'localhost';
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new JdbcUrlError(`port ${port} is out of range`);
  return {
    kind: subprotocol === 'postgresql' ? 'postgresql' : 'mysql',
    subprotocol,
    host,
    port,
    database,
    params,
  };
}

function splitOnce(text: string, sep: string): [string, string] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i + 1)];
}

function parseQuery(query: string): Record<string, string> {
  const params: Record<string, string> = {};
  if (query === '') return params;
  // Both & and ; separate parameters in JDBC URLs.
  for (const part of query.split(/[&;]/)) {
    if (part === '') continue;
    const [k, v] = splitOnce(part, '=');
    params[decodeURIComponent(k)] = decodeURIComponent(v);
  }
  return params;
}

/** The URL with any password (`password=` parameter or `user:password@`) masked, for messages. */
export function redactUrl(url: string): string {
  return url
    .replace(/([?&;]password=)[^&;]*/gi, '$1********')
    .replace(/(\/\/[^/@:]*:)[^/@]*@/, '$1********@');
}
