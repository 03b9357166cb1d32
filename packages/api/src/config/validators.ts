/**
 * Single-value validators (`ConfigDef.Validator` and its implementations). A validator receives the
 * parsed value (or `null`) and throws a {@link ConfigError} with Kafka's message when it is invalid.
 * Its `toString()` is the "Valid Values" text in generated documentation.
 */

import { ConfigError } from '../errors.ts';
import { javaHashSetOrder } from './java-collections.ts';
import { invalidValue } from './java-format.ts';

/** Checks one configuration value (`ConfigDef.Validator`). */
export interface Validator {
  /**
   * Throws a {@link ConfigError} when `value` (already parsed to the key's type, possibly `null`) is invalid.
   * @param name the configuration name, for the message
   */
  ensureValid(name: string, value: unknown): void;
  /** The valid values, as shown in documentation. */
  toString(): string;
}

function numberOf(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : (value as number);
}

/** An inclusive numeric range (`ConfigDef.Range`). Works for number and bigint values. */
export class Range implements Validator {
  readonly min: number | bigint | null;
  readonly max: number | bigint | null;

  private constructor(min: number | bigint | null, max: number | bigint | null) {
    this.min = min;
    this.max = max;
  }

  /** Values `>= min`. */
  static atLeast(min: number | bigint): Range {
    return new Range(min, null);
  }

  /** Values `>= min` and `<= max`. */
  static between(min: number | bigint, max: number | bigint): Range {
    return new Range(min, max);
  }

  ensureValid(name: string, value: unknown): void {
    if (value === null || value === undefined) throw invalidValue(name, null, 'Value must be non-null');
    const n = numberOf(value);
    if (this.min !== null && n < numberOf(this.min)) {
      throw invalidValue(name, value, `Value must be at least ${this.min}`);
    }
    if (this.max !== null && n > numberOf(this.max)) {
      throw invalidValue(name, value, `Value must be no more than ${this.max}`);
    }
  }

  toString(): string {
    if (this.min === null && this.max === null) return '[...]';
    if (this.min === null) return `[...,${this.max}]`;
    if (this.max === null) return `[${this.min},...]`;
    return `[${this.min},...,${this.max}]`;
  }
}

/** A string that must be one of a fixed set, case-sensitively (`ConfigDef.ValidString`). */
export class ValidString implements Validator {
  readonly validStrings: readonly string[];

  private constructor(validStrings: readonly string[]) {
    this.validStrings = validStrings;
  }

  /** Accepts exactly the given strings. */
  static in(...validStrings: string[]): ValidString {
    return new ValidString(validStrings);
  }

  ensureValid(name: string, value: unknown): void {
    if (typeof value !== 'string' || !this.validStrings.includes(value)) {
      throw invalidValue(name, value, `String must be one of: ${this.validStrings.join(', ')}`);
    }
  }

  toString(): string {
    return `[${this.validStrings.join(', ')}]`;
  }
}

/**
 * A string that must be one of a fixed set, ignoring case (`ConfigDef.CaseInsensitiveValidString`).
 * Like Kafka, it keeps the upper-cased strings in a hash set, and lists them in that set's order.
 */
export class CaseInsensitiveValidString implements Validator {
  readonly validStrings: readonly string[];

  private constructor(validStrings: readonly string[]) {
    this.validStrings = javaHashSetOrder(validStrings.map((s) => s.toUpperCase()));
  }

  /** Accepts the given strings in any case. */
  static in(...validStrings: string[]): CaseInsensitiveValidString {
    return new CaseInsensitiveValidString(validStrings);
  }

  ensureValid(name: string, value: unknown): void {
    if (typeof value !== 'string' || !this.validStrings.includes(value.toUpperCase())) {
      throw invalidValue(
        name,
        value,
        `String must be one of (case insensitive): ${this.validStrings.join(', ')}`,
      );
    }
  }

  toString(): string {
    return `(case insensitive) [${this.validStrings.join(', ')}]`;
  }
}

/**
 * A list whose items are non-empty and distinct, and, when valid strings are given, each one of them
 * (`ConfigDef.ValidList`, with the null/empty/duplicate rules of Kafka 4.2, KIP-1161).
 */
export class ValidList implements Validator {
  readonly validString: ValidString;
  readonly isEmptyAllowed: boolean;
  readonly isNullAllowed: boolean;

  private constructor(validStrings: readonly string[], isEmptyAllowed: boolean, isNullAllowed: boolean) {
    this.validString = ValidString.in(...validStrings);
    this.isEmptyAllowed = isEmptyAllowed;
    this.isNullAllowed = isNullAllowed;
  }

  /** Any distinct, non-empty items. */
  static anyNonDuplicateValues(isEmptyAllowed: boolean, isNullAllowed: boolean): ValidList {
    return new ValidList([], isEmptyAllowed, isNullAllowed);
  }

  /**
   * Items must be among `validStrings`; an empty list is allowed unless `isEmptyAllowed` is given as
   * `false`; `null` is not allowed.
   */
  static in(...validStrings: string[]): ValidList;
  static in(isEmptyAllowed: boolean, ...validStrings: string[]): ValidList;
  static in(...args: (string | boolean)[]): ValidList {
    let isEmptyAllowed = true;
    if (typeof args[0] === 'boolean') {
      isEmptyAllowed = args[0];
      args = args.slice(1);
    }
    const validStrings = args as string[];
    if (!isEmptyAllowed && validStrings.length === 0) {
      throw new Error('At least one valid string must be provided when empty values are not allowed');
    }
    return new ValidList(validStrings, isEmptyAllowed, false);
  }

  ensureValid(name: string, value: unknown): void {
    if (value === null || value === undefined) {
      if (this.isNullAllowed) return;
      throw new ConfigError(`Configuration '${name}' values must not be null.`, { key: name, value: null });
    }
    const values = value as readonly unknown[];
    if (!this.isEmptyAllowed && values.length === 0) {
      const valid =
        this.validString.validStrings.length === 0 ? 'any non-empty value' : this.validString.toString();
      throw new ConfigError(`Configuration '${name}' must not be empty. Valid values include: ${valid}`, {
        key: name,
        value,
      });
    }
    if (new Set(values).size !== values.length) {
      throw new ConfigError(`Configuration '${name}' values must not be duplicated.`, { key: name, value });
    }
    const checkValid = this.validString.validStrings.length > 0;
    for (const item of values) {
      if (typeof item !== 'string') continue;
      if (item === '') {
        throw new ConfigError(`Configuration '${name}' values must not be empty.`, { key: name, value });
      }
      if (checkValid) this.validString.ensureValid(name, item);
    }
  }

  toString(): string {
    return (
      this.validString.toString() +
      (this.isEmptyAllowed ? ' (empty config allowed)' : ' (empty not allowed)') +
      (this.isNullAllowed ? ' (null config allowed)' : ' (null not allowed)')
    );
  }
}

/** Rejects `null` (`ConfigDef.NonNullValidator`). */
export class NonNullValidator implements Validator {
  ensureValid(name: string, value: unknown): void {
    if (value === null || value === undefined) throw invalidValue(name, 'null', 'entry must be non null');
  }

  toString(): string {
    return 'non-null string';
  }
}

/** Rejects the empty string; `null` passes (`ConfigDef.NonEmptyString`). */
export class NonEmptyString implements Validator {
  ensureValid(name: string, value: unknown): void {
    if (value === '') throw invalidValue(name, value, 'String must be non-empty');
  }

  toString(): string {
    return 'non-empty string';
  }
}

/**
 * Rejects the empty string and strings with ISO control characters (U+0000–U+001F, U+007F–U+009F);
 * `null` passes (`ConfigDef.NonEmptyStringWithoutControlChars`). Connect uses it for `name`.
 */
export class NonEmptyStringWithoutControlChars implements Validator {
  /** Same as `new NonEmptyStringWithoutControlChars()`. */
  static nonEmptyStringWithoutControlChars(): NonEmptyStringWithoutControlChars {
    return new NonEmptyStringWithoutControlChars();
  }

  ensureValid(name: string, value: unknown): void {
    if (value === null || value === undefined) return;
    const s = value as string;
    if (s.length === 0) throw invalidValue(name, value, 'String may not be empty');
    const found: number[] = [];
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) found.push(c);
    }
    if (found.length > 0) {
      throw invalidValue(
        name,
        value,
        `String may not contain control sequences but had the following ASCII chars: ${found.join(', ')}`,
      );
    }
  }

  toString(): string {
    return 'non-empty string without ISO control characters';
  }
}

/** A list with at most `maxSize` items (`ConfigDef.ListSize`). */
export class ListSize implements Validator {
  readonly maxSize: number;

  private constructor(maxSize: number) {
    this.maxSize = maxSize;
  }

  /** Lists of at most `maxSize` items. */
  static atMostOfSize(maxSize: number): ListSize {
    return new ListSize(maxSize);
  }

  ensureValid(name: string, value: unknown): void {
    if ((value as readonly unknown[]).length > this.maxSize) {
      throw invalidValue(name, value, `exceeds maximum list size of [${this.maxSize}].`);
    }
  }

  toString(): string {
    return `List containing maximum of ${this.maxSize} elements`;
  }
}

/** All validators in order; the first failure is thrown (`ConfigDef.CompositeValidator`). */
export class CompositeValidator implements Validator {
  readonly validators: readonly Validator[];

  private constructor(validators: readonly Validator[]) {
    this.validators = validators;
  }

  /** Combines `validators`; documentation joins their descriptions with `, `. */
  static of(...validators: Validator[]): CompositeValidator {
    return new CompositeValidator(validators);
  }

  ensureValid(name: string, value: unknown): void {
    for (const v of this.validators) v.ensureValid(name, value);
  }

  toString(): string {
    return this.validators.map((v) => String(v)).join(', ');
  }
}

/** A validator from a function and a description (`ConfigDef.LambdaValidator`). */
export class LambdaValidator implements Validator {
  readonly #ensureValid: (name: string, value: unknown) => void;
  readonly #describe: () => string;

  private constructor(ensureValid: (name: string, value: unknown) => void, describe: () => string) {
    this.#ensureValid = ensureValid;
    this.#describe = describe;
  }

  /**
   * @param ensureValid throws a {@link ConfigError} for an invalid value
   * @param describe returns the documentation text
   */
  static with(ensureValid: (name: string, value: unknown) => void, describe: () => string): LambdaValidator {
    return new LambdaValidator(ensureValid, describe);
  }

  ensureValid(name: string, value: unknown): void {
    this.#ensureValid(name, value);
  }

  toString(): string {
    return this.#describe();
  }
}
