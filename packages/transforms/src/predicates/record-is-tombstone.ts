import { ConfigDef, type ConnectRecord, type Predicate } from '@sluice/api';

const OVERVIEW_DOC = 'A predicate which is true for records which are tombstones (i.e. have null value).';

const CONFIG_DEF: ConfigDef = new ConfigDef();

/** Kafka's `RecordIsTombstone` predicate: true when the record's value is null. No configuration. */
export class RecordIsTombstone<R extends ConnectRecord<R>> implements Predicate<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.predicates.RecordIsTombstone';
  static readonly aliases: readonly string[] = ['RecordIsTombstone'];
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;

  configure(configs: Readonly<Record<string, unknown>>): void {
    CONFIG_DEF.parse(configs);
  }

  test(record: R): boolean {
    return record.value === null;
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}

  toString(): string {
    return 'RecordIsTombstone{}';
  }
}
