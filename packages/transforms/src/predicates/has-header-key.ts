import { ConfigDef, type ConnectRecord, NonEmptyString, type Predicate } from '@sluice/api';
import { Parsed } from '../util/config.ts';

const NAME_CONFIG = 'name';

const OVERVIEW_DOC =
  'A predicate which is true for records with at least one header with the configured name.';

const CONFIG_DEF: ConfigDef = new ConfigDef().define(
  NAME_CONFIG,
  'STRING',
  ConfigDef.NO_DEFAULT_VALUE,
  new NonEmptyString(),
  'MEDIUM',
  'The header name.',
);

/** Kafka's `HasHeaderKey` predicate: true when the record has at least one header named `name`. */
export class HasHeaderKey<R extends ConnectRecord<R>> implements Predicate<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.predicates.HasHeaderKey';
  static readonly aliases: readonly string[] = ['HasHeaderKey'];
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  #name = '';

  configure(configs: Readonly<Record<string, unknown>>): void {
    this.#name = new Parsed(CONFIG_DEF, configs).string(NAME_CONFIG) ?? '';
  }

  test(record: R): boolean {
    for (const h of record.headers) if (h.key === this.#name) return true;
    return false;
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}

  toString(): string {
    return `HasHeaderKey{name='${this.#name}'}`;
  }
}
