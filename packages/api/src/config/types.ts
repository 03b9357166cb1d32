/**
 * The enumerations of Kafka's `ConfigDef` (`Type`, `Importance`, `Width`) as string-literal unions
 * with a const object of the same name, and the shared value types.
 */

import type { Password } from './password.ts';

/**
 * A configuration type (`ConfigDef.Type`). The literal is the Java enum name, which is also what the
 * Connect REST API reports in `ConfigKeyInfo.type`.
 */
export type ConfigType =
  | 'BOOLEAN'
  | 'STRING'
  | 'INT'
  | 'SHORT'
  | 'LONG'
  | 'DOUBLE'
  | 'LIST'
  | 'CLASS'
  | 'PASSWORD';

/** The configuration types by name, e.g. `ConfigType.INT` (also reachable as `ConfigDef.Type`). */
export const ConfigType = {
  BOOLEAN: 'BOOLEAN',
  STRING: 'STRING',
  INT: 'INT',
  SHORT: 'SHORT',
  LONG: 'LONG',
  DOUBLE: 'DOUBLE',
  LIST: 'LIST',
  CLASS: 'CLASS',
  PASSWORD: 'PASSWORD',
} as const satisfies Record<ConfigType, ConfigType>;

/** How likely a user needs to change a configuration (`ConfigDef.Importance`), most important first. */
export type Importance = 'HIGH' | 'MEDIUM' | 'LOW';

/** The importance levels by name (also reachable as `ConfigDef.Importance`). */
export const Importance = {
  HIGH: 'HIGH',
  MEDIUM: 'MEDIUM',
  LOW: 'LOW',
} as const satisfies Record<Importance, Importance>;

/** The width of a configuration value in a UI (`ConfigDef.Width`). */
export type Width = 'NONE' | 'SHORT' | 'MEDIUM' | 'LONG';

/** The widths by name (also reachable as `ConfigDef.Width`). */
export const Width = {
  NONE: 'NONE',
  SHORT: 'SHORT',
  MEDIUM: 'MEDIUM',
  LONG: 'LONG',
} as const satisfies Record<Width, Width>;

/** True when values of `type` are secrets (`Type.isSensitive()`): only `PASSWORD`. */
export function isSensitive(type: ConfigType): boolean {
  return type === 'PASSWORD';
}

/**
 * Marks a configuration without a default value, i.e. a required one (`ConfigDef.NO_DEFAULT_VALUE`).
 * Note that `null` is a real default value (the key is optional and parses to `null`).
 */
export const NO_DEFAULT_VALUE: unique symbol = Symbol('ConfigDef.NO_DEFAULT_VALUE');

/**
 * A parsed configuration value. Per type: `BOOLEAN` boolean; `STRING` and `CLASS` string (`CLASS` is
 * the class name); `INT`, `SHORT`, `DOUBLE` number; `LONG` number when it is a safe integer, else
 * bigint; `LIST` string array; `PASSWORD` {@link Password}. Any type may be `null`.
 */
export type ParsedValue = boolean | string | number | bigint | readonly string[] | Password | null;

/** The parsed value type for a given {@link ConfigType} (excluding `null`). */
export interface ParsedValueOf {
  BOOLEAN: boolean;
  STRING: string;
  INT: number;
  SHORT: number;
  LONG: number | bigint;
  DOUBLE: number;
  LIST: readonly string[];
  CLASS: string;
  PASSWORD: Password;
}
