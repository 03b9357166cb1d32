/**
 * CORS (`access.control.allow.origin`, `access.control.allow.methods`) and extra response headers
 * (`response.http.headers.config`), as Kafka Connect configures Jetty's `CrossOriginFilter` and
 * `HeaderFilter`.
 */

/** One `response.http.headers.config` entry. */
export interface HeaderRule {
  action: 'set' | 'add' | 'setDate' | 'addDate';
  name: string;
  /** The value; for the date actions, milliseconds added to the current time. */
  value: string;
}

/** Splits on commas outside double quotes, dropping the quotes (Jetty's `QuotedStringTokenizer`). */
function splitQuoted(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && quoted && i + 1 < text.length) {
      current += text[++i];
    } else if (ch === '"') {
      quoted = !quoted;
    } else if (ch === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

const ACTIONS: Record<string, HeaderRule['action']> = {
  set: 'set',
  add: 'add',
  setdate: 'setDate',
  adddate: 'addDate',
};

/**
 * Parses `response.http.headers.config`: comma-separated `<action> <Header-Name>: <value>`
 * entries (an entry holding commas goes in double quotes), action one of set, add, setDate,
 * addDate. Throws on a malformed entry, with Kafka's message.
 */
export function parseResponseHeaders(config: string): HeaderRule[] {
  return splitQuoted(config).map((entry) => {
    const match = /^(\S+)\s+([^:\s]+)\s*:\s*(.*)$/.exec(entry);
    const action = match === null ? undefined : ACTIONS[match[1]!.toLowerCase()];
    if (match === null || action === undefined) {
      throw new Error(
        `Invalid format of header config '${entry}'. Expected: '[action] [header name]:[header value]'`,
      );
    }
    return { action, name: match[2]!, value: match[3]!.trim() };
  });
}

/** Headers as `reply.headers()` sees them. */
export type HeaderBag = Record<string, string | number | string[] | undefined>;

/** Applies header rules to the headers of a response about to be sent. */
export function applyHeaderRules(
  rules: readonly HeaderRule[],
  headers: HeaderBag,
  now = Date.now(),
): HeaderBag {
  const out: HeaderBag = {};
  for (const rule of rules) {
    const value =
      rule.action === 'setDate' || rule.action === 'addDate'
        ? new Date(now + Number(rule.value || 0)).toUTCString()
        : rule.value;
    const key = rule.name.toLowerCase();
    if (rule.action === 'set' || rule.action === 'setDate') {
      out[rule.name] = value;
    } else {
      const existing = out[rule.name] ?? headers[key];
      out[rule.name] =
        existing === undefined
          ? value
          : Array.isArray(existing)
            ? [...existing, value]
            : [String(existing), value];
    }
  }
  return out;
}

/** CORS settings; `allowOrigin` empty or undefined disables CORS (same origin only). */
export interface CorsConfig {
  /** Comma-separated origins; `*` allows all, and `*` inside an origin matches any text. */
  allowOrigin?: string;
  /** Comma-separated methods allowed in preflight answers; default `GET,POST,HEAD`. */
  allowMethods?: string;
}

const DEFAULT_METHODS = 'GET,POST,HEAD';
const ALLOWED_HEADERS = 'X-Requested-With,Content-Type,Accept,Origin';

export class Cors {
  readonly #any: boolean;
  readonly #origins: RegExp[];
  readonly #methods: string[];

  constructor(config: CorsConfig) {
    const origins = (config.allowOrigin ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== '');
    this.#any = origins.includes('*');
    this.#origins = origins.map(
      (o) => new RegExp(`^${o.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`),
    );
    const methods = config.allowMethods?.trim() ? config.allowMethods : DEFAULT_METHODS;
    this.#methods = methods
      .split(',')
      .map((m) => m.trim().toUpperCase())
      .filter((m) => m !== '');
  }

  /** True when CORS is configured at all. */
  get enabled(): boolean {
    return this.#origins.length > 0;
  }

  #allowed(origin: string): boolean {
    return this.#any || this.#origins.some((re) => re.test(origin));
  }

  /** Headers for an ordinary request from `origin` (empty when not allowed). */
  simpleHeaders(origin: string | undefined): Record<string, string> {
    if (!this.enabled || origin === undefined || !this.#allowed(origin)) return {};
    return {
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
    };
  }

  /** Headers for a preflight `OPTIONS` (empty when the origin or method is not allowed). */
  preflightHeaders(origin: string | undefined, requestMethod: string | undefined): Record<string, string> {
    const simple = this.simpleHeaders(origin);
    if (Object.keys(simple).length === 0 || requestMethod === undefined) return {};
    if (!this.#methods.includes(requestMethod.trim().toUpperCase())) return {};
    return {
      ...simple,
      'access-control-allow-methods': this.#methods.join(','),
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': '1800',
    };
  }
}
