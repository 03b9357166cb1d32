import {
  ConfigDef,
  type ConnectRecord,
  compileJavaRegex,
  type JavaPattern,
  JavaReplacement,
  REGEX_VALIDATOR,
  type Transformation,
} from '@sluice/api';
import { Parsed } from './util/config.ts';

const REGEX = 'regex';
const REPLACEMENT = 'replacement';

const OVERVIEW_DOC =
  'Update the record topic using the configured regular expression and replacement string.' +
  '<p/>Under the hood, the regex is compiled to a <code>java.util.regex.Pattern</code>. ' +
  'If the pattern matches the input topic, <code>java.util.regex.Matcher#replaceFirst()</code> is used with the replacement string to obtain the new topic.';

const CONFIG_DEF: ConfigDef = new ConfigDef()
  .define(
    REGEX,
    'STRING',
    ConfigDef.NO_DEFAULT_VALUE,
    REGEX_VALIDATOR,
    'HIGH',
    'Regular expression to use for matching.',
  )
  .define(REPLACEMENT, 'STRING', ConfigDef.NO_DEFAULT_VALUE, 'HIGH', 'Replacement string.');

/**
 * Kafka's `RegexRouter` (`org.apache.kafka.connect.transforms.RegexRouter`): when the whole topic
 * matches `regex` (Java's `Matcher.matches()`), the topic becomes the topic with the first match
 * replaced by `replacement` (Java's `replaceFirst`: `$1` / `${name}` are groups, `\$` a literal `$`);
 * otherwise the record is unchanged. The regex is Java syntax, translated once to a JavaScript
 * RegExp; see `compileJavaRegex` for what Java-only syntax is not supported. A replacement that
 * refers to a group the regex does not have is rejected at configure time.
 */
export class RegexRouter<R extends ConnectRecord<R>> implements Transformation<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.RegexRouter';
  static readonly aliases: readonly string[] = ['RegexRouter'];
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  #pattern: JavaPattern | null = null;
  #lastTopic: string | null = null;
  #lastRouted: string | null = null;
  #replacement: JavaReplacement | null = null;

  configure(configs: Readonly<Record<string, unknown>>): void {
    const c = new Parsed(CONFIG_DEF, configs);
    const pattern = compileJavaRegex(c.string(REGEX) ?? '', REGEX);
    this.#replacement = new JavaReplacement(c.string(REPLACEMENT) ?? '', pattern, REPLACEMENT);
    this.#pattern = pattern;
    this.#lastTopic = null;
  }

  apply(record: R): R | null {
    const topic = record.topic;
    // Records of one topic come in runs: the last answer is remembered (null: no match).
    let routed: string | null;
    if (topic === this.#lastTopic) routed = this.#lastRouted;
    else {
      const pattern = this.#pattern!;
      routed = pattern.whole.test(topic) ? this.#replacement!.replaceFirst(topic, pattern) : null;
      this.#lastTopic = topic;
      this.#lastRouted = routed;
    }
    return routed === null ? record : record.newRecord({ topic: routed });
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}
}
