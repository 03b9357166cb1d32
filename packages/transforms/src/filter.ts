import { ConfigDef, type ConnectRecord, type Transformation } from '@sluice/api';

const OVERVIEW_DOC =
  'Drops all records, filtering them from subsequent transformations in the chain. ' +
  'This is intended to be used conditionally to filter out records matching (or not matching) ' +
  'a particular Predicate.';

const CONFIG_DEF: ConfigDef = new ConfigDef();

/**
 * Kafka's `Filter` (`org.apache.kafka.connect.transforms.Filter`): drops every record it sees; use
 * it with a predicate (`transforms.<name>.predicate`, optionally `negate`). No configuration.
 */
export class Filter<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.Filter';
  static readonly aliases: readonly string[] = ['Filter'];
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;

  configure(configs: Readonly<Record<string, unknown>>): void {
    CONFIG_DEF.parse(configs);
  }

  apply(_record: R): R | null {
    return null;
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}
}
