/**
 * The result of validating one configuration (`org.apache.kafka.common.config.ConfigValue`) and a
 * connector's whole validation result (`org.apache.kafka.common.config.Config`).
 */

import { javaToString } from './java-format.ts';

/** The validation state of one configuration key. */
export class ConfigValue {
  /** The configuration name. */
  readonly name: string;
  /** The parsed value, or `null` when missing or unparsable. */
  value: unknown;
  /** Values a recommender suggests (typed like `value`). */
  recommendedValues: unknown[];
  /** Error messages; the key is valid when this is empty. */
  readonly errorMessages: string[];
  /** Whether a UI should show the key (decided by its recommender; default true). */
  visible: boolean;

  constructor(
    name: string,
    value: unknown = null,
    recommendedValues: unknown[] = [],
    errorMessages: string[] = [],
  ) {
    this.name = name;
    this.value = value;
    this.recommendedValues = recommendedValues;
    this.errorMessages = errorMessages;
    this.visible = true;
  }

  /** Records an error for this key. */
  addErrorMessage(message: string): void {
    this.errorMessages.push(message);
  }

  /** Java's form: `[name,value,[recommended],[errors],visible]` (passwords stay hidden). */
  toString(): string {
    return `[${this.name},${javaToString(this.value)},${javaToString(this.recommendedValues)},${javaToString(this.errorMessages)},${this.visible}]`;
  }
}

/** A connector's validation result: one {@link ConfigValue} per key (`Connector.validate` returns it). */
export class Config {
  readonly configValues: ConfigValue[];

  constructor(configValues: ConfigValue[]) {
    this.configValues = configValues;
  }
}
