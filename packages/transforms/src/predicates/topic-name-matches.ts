import {
  ConfigDef,
  ConfigError,
  type ConnectRecord,
  compileJavaRegex,
  type JavaPattern,
  NonEmptyString,
  type Predicate,
  tryCompileJavaRegex,
} from '@sluice/api';
import { Parsed } from '../util/config.ts';

const PATTERN_CONFIG = 'pattern';

const OVERVIEW_DOC =
  'A predicate which is true for records with a topic name that matches the configured regular expression.';

const PATTERN_VALIDATOR = {
  ensureValid(name: string, value: unknown): void {
    if (value === null || value === undefined) return;
    const compiled = tryCompileJavaRegex(String(value));
    if ('reason' in compiled) {
      throw ConfigError.invalidValue(
        name,
        value,
        `entry must be a Java-compatible regular expression: ${compiled.reason}`,
      );
    }
  },
  toString(): string {
    return 'A Java regular expression';
  },
};

const CONFIG_DEF: ConfigDef = new ConfigDef().define(
  PATTERN_CONFIG,
  'STRING',
  ConfigDef.NO_DEFAULT_VALUE,
  ConfigDef.CompositeValidator.of(new NonEmptyString(), PATTERN_VALIDATOR),
  'MEDIUM',
  "A Java regular expression for matching against the name of a record's topic.",
);

/**
 * Kafka's `TopicNameMatches` predicate: true when the record's topic matches `pattern` as a whole
 * (Java's `Matcher.matches()`). The pattern is Java regex syntax; see `compileJavaRegex` for what is
 * not supported.
 */
export class TopicNameMatches<R extends ConnectRecord<R>> implements Predicate<R> {
  static readonly javaClass = 'org.apache.kafka.connect.transforms.predicates.TopicNameMatches';
  static readonly aliases: readonly string[] = ['TopicNameMatches'];
  static readonly description: string = OVERVIEW_DOC;
  static readonly configDef: ConfigDef = CONFIG_DEF;
  #pattern: JavaPattern | null = null;

  configure(configs: Readonly<Record<string, unknown>>): void {
    this.#pattern = compileJavaRegex(
      new Parsed(CONFIG_DEF, configs).string(PATTERN_CONFIG) ?? '',
      PATTERN_CONFIG,
    );
  }

  test(record: R): boolean {
    return typeof record.topic === 'string' && this.#pattern!.whole.test(record.topic);
  }

  config(): ConfigDef {
    return CONFIG_DEF;
  }

  close(): void {}

  toString(): string {
    return `TopicNameMatches{pattern=${this.#pattern?.source ?? ''}}`;
  }
}
