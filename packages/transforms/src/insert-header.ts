import {
  ConfigDef,
  type ConnectRecord,
  NonNullValidator,
  type SchemaAndValue,
  type Transformation,
  Values,
} from '@sluice/api';
import { Parsed } from './util/config.ts';

const HEADER_FIELD = 'header';
const VALUE_LITERAL_FIELD = 'value.literal';

const OVERVIEW_DOC = 'Add a header to each record.';

const CONFIG_DEF: ConfigDef = new ConfigDef()
  .define(
    HEADER_FIELD,
    'STRING',
    ConfigDef.NO_DEFAULT_VALUE,
    new NonNullValidator(),
    'HIGH',
    'The name of the header.',
  )
  .define(
    VALUE_LITERAL_FIELD,
    'STRING',
    ConfigDef.NO_DEFAULT_VALUE,
    new NonNullValidator(),
    'HIGH',
    'The literal value that is to be set as the header value on all records.',
  );

/**
 * Kafka's `InsertHeader` (`org.apache.kafka.connect.transforms.InsertHeader`): adds a header
 * `header` to every record, whose schema and value come from parsing `value.literal` as
 * SimpleHeaderConverter does (`Values.parseString`: `42` is INT8 42, `true` a BOOLEAN, `[1,2]` an
 * array, anything else a STRING). Existing headers with the same key are kept.
 */
export class InsertHeader<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.InsertHeader';
  static readonly aliases: readonly string[] = ['InsertHeader'];
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  #header = '';
  #literal: SchemaAndValue | null = null;

  configure(configs: Readonly<Record<string, unknown>>): void {
    const c = new Parsed(CONFIG_DEF, configs);
    this.#header = c.string(HEADER_FIELD) ?? '';
    this.#literal = Values.parseString(c.string(VALUE_LITERAL_FIELD) ?? '');
  }

  apply(record: R): R | null {
    const headers = record.headers.duplicate();
    headers.add(this.#header, this.#literal!.value, this.#literal!.schema);
    return record.newRecord({ headers });
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}
}
