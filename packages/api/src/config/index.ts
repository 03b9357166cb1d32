/**
 * Configuration definitions for plugins: {@link ConfigDef} (Kafka's `ConfigDef`), typed access
 * ({@link AbstractConfig}), validators, secrets ({@link Password}), the REST validation shapes,
 * documentation rendering, and the config provider contract ({@link ConfigProvider}).
 */

export { AbstractConfig } from './abstract-config.ts';
export type { ConfigKeyOptions, ParsedConfig, Recommender } from './config-def.ts';
export { ConfigDef, ConfigKey } from './config-def.ts';
export type {
  ConfigInfo,
  ConfigInfos,
  ConfigKeyInfo,
  ConfigValueInfo,
  ValidateToConfigInfosOptions,
} from './config-infos.ts';
export {
  generateConfigInfos,
  mergeConfigInfos,
  NULL_VALUE_MESSAGE,
  prefixedConfigInfos,
  toConfigKeyInfo,
  toConfigValueInfo,
  validateToConfigInfos,
} from './config-infos.ts';
export type { ConfigData, ConfigProvider, ConfigProviderClass } from './config-provider.ts';
export { Config, ConfigValue } from './config-value.ts';
export { configKeysToMarkdown, documentedDefault } from './docs.ts';
export { javaHashMapEntries, javaHashMapOrder, javaHashSetOrder } from './java-collections.ts';
export { javaStringHash, javaTrim } from './java-format.ts';
export {
  compileJavaRegex,
  type JavaPattern,
  JavaReplacement,
  REGEX_VALIDATOR,
  tryCompileJavaRegex,
} from './java-regex.ts';
export { convertToString, convertToStringMapWithPasswordValues, parseType } from './parse.ts';
export { Password } from './password.ts';
export type { ParsedValue, ParsedValueOf } from './types.ts';
export { ConfigType, Importance, isSensitive, NO_DEFAULT_VALUE, Width } from './types.ts';
export type { Validator } from './validators.ts';
export {
  CaseInsensitiveValidString,
  CompositeValidator,
  LambdaValidator,
  ListSize,
  NonEmptyString,
  NonEmptyStringWithoutControlChars,
  NonNullValidator,
  Range,
  ValidList,
  ValidString,
} from './validators.ts';
