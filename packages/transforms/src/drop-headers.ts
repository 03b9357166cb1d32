import { ConfigDef, ConnectHeaders, type ConnectRecord, type Transformation } from '@sluice/api';
import { NON_EMPTY_LIST, Parsed } from './util/config.ts';

const HEADERS_FIELD = 'headers';

const OVERVIEW_DOC = 'Removes one or more headers from each record.';

const CONFIG_DEF: ConfigDef = new ConfigDef().define(
  HEADERS_FIELD,
  'LIST',
  ConfigDef.NO_DEFAULT_VALUE,
  NON_EMPTY_LIST,
  'HIGH',
  'The name of the headers to be removed.',
);

/**
 * Kafka's `DropHeaders` (`org.apache.kafka.connect.transforms.DropHeaders`): removes every header
 * whose key is one of `headers`; the others keep their order.
 */
export class DropHeaders<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.DropHeaders';
  static readonly aliases: readonly string[] = ['DropHeaders'];
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  #headers: ReadonlySet<string> = new Set();

  configure(configs: Readonly<Record<string, unknown>>): void {
    this.#headers = new Set(new Parsed(CONFIG_DEF, configs).list(HEADERS_FIELD));
  }

  apply(record: R): R | null {
    const kept = new ConnectHeaders();
    for (const h of record.headers) if (!this.#headers.has(h.key)) kept.addHeader(h);
    return record.newRecord({ headers: kept });
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}
}
