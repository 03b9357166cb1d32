import { ConfigDef, ConfigError, type ConnectRecord, DataError, type Transformation } from '@sluice/api';
import { Parsed } from './util/config.ts';
import { SimpleDateFormat } from './util/simple-date-format.ts';

const TOPIC_FORMAT = 'topic.format';
/** Kafka's placeholders: `${topic}` and `${timestamp}` (built so they are not mistaken for template strings). */
const TOPIC = '$' + '{topic}';
const TIMESTAMP = '$' + '{timestamp}';
const DEFAULT_TOPIC_FORMAT = `${TOPIC}-${TIMESTAMP}`;
const TIMESTAMP_FORMAT = 'timestamp.format';

const OVERVIEW_DOC =
  "Update the record's topic field as a function of the original topic value and the record timestamp." +
  '<p/>' +
  'This is mainly useful for sink connectors, since the topic field is often used to determine the equivalent entity name in the destination system' +
  '(e.g. database table or search index name).';

const CONFIG_DEF: ConfigDef = new ConfigDef()
  .define(
    TOPIC_FORMAT,
    'STRING',
    DEFAULT_TOPIC_FORMAT,
    'HIGH',
    `Format string which can contain <code>${TOPIC}</code> and <code>${TIMESTAMP}</code> as placeholders for the topic and timestamp, respectively.`,
  )
  .define(
    TIMESTAMP_FORMAT,
    'STRING',
    'yyyyMMdd',
    'HIGH',
    'Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>.',
  );

/**
 * Kafka's `TimestampRouter` (`org.apache.kafka.connect.transforms.TimestampRouter`): the topic
 * becomes `topic.format` with `${topic}` replaced by the topic and then `${timestamp}` by the
 * record timestamp formatted with `timestamp.format` (SimpleDateFormat syntax, UTC). A record
 * without a timestamp is an error.
 */
export class TimestampRouter<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.TimestampRouter';
  static readonly aliases: readonly string[] = ['TimestampRouter'];
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  #topicFormat = DEFAULT_TOPIC_FORMAT;
  #format = new SimpleDateFormat('yyyyMMdd');

  /** @throws ConfigError naming `timestamp.format` when the pattern is not a valid SimpleDateFormat pattern */
  configure(configs: Readonly<Record<string, unknown>>): void {
    const c = new Parsed(CONFIG_DEF, configs);
    this.#topicFormat = c.string(TOPIC_FORMAT) ?? '';
    const pattern = c.string(TIMESTAMP_FORMAT) ?? '';
    try {
      this.#format = new SimpleDateFormat(pattern);
    } catch (e) {
      throw ConfigError.invalidValue(TIMESTAMP_FORMAT, pattern, (e as Error).message);
    }
  }

  apply(record: R): R | null {
    const timestamp = record.timestamp;
    if (timestamp === null) throw new DataError(`Timestamp missing on record: ${record.toString()}`);
    const formatted = this.#format.format(timestamp);
    const topic = this.#topicFormat.split(TOPIC).join(record.topic).split(TIMESTAMP).join(formatted);
    return record.newRecord({ topic });
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}
}
