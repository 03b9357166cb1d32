/**
 * A secret configuration value (`org.apache.kafka.common.config.types.Password`). Every way of turning
 * it into text shows `[hidden]`: `toString()`, template literals, `JSON.stringify` and `util.inspect`
 * (so `console.log`). Only {@link Password.value} returns the secret.
 */
export class Password {
  /** The text shown in place of a secret. */
  static readonly HIDDEN = '[hidden]';

  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret itself. Never log it. */
  value(): string {
    return this.#value;
  }

  /** Equal when both hold the same secret. */
  equals(other: unknown): boolean {
    return other instanceof Password && other.#value === this.#value;
  }

  /** Always `[hidden]`. */
  toString(): string {
    return Password.HIDDEN;
  }

  /** `JSON.stringify` shows `"[hidden]"`. */
  toJSON(): string {
    return Password.HIDDEN;
  }

  /** `util.inspect` / `console.log` show `[hidden]`. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return Password.HIDDEN;
  }
}
