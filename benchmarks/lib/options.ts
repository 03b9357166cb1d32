// Command-line options of the benchmark drivers: one declaration per driver gives the option
// names, their defaults and their checks, and returns the values typed and validated.
//
//   const opts = parseOptions({ lines: positiveInt(1_000_000), 'pause-ms': nonNegativeInt(3000),
//                               'jvm-args': words(), 'no-results': flag() });
//   opts.lines; // number
import { parseArgs } from 'node:util';

interface IntOption {
  kind: 'int';
  default: number;
  min: 0 | 1;
}
interface IntListOption {
  kind: 'ints';
  default: number[];
  min: 0 | 1;
}
interface TextOption {
  kind: 'text';
  default: string;
}
interface WordsOption {
  kind: 'words';
  default: string;
}
interface FlagOption {
  kind: 'flag';
}
export type OptionSpec = IntOption | IntListOption | TextOption | WordsOption | FlagOption;

type ValueOf<S extends OptionSpec> = S extends IntOption
  ? number
  : S extends IntListOption
    ? number[]
    : S extends TextOption
      ? string
      : S extends WordsOption
        ? string[]
        : boolean;

export type Options<T extends Record<string, OptionSpec>> = { [K in keyof T]: ValueOf<T[K]> };

/** An integer > 0. */
export const positiveInt = (defaultValue: number): IntOption => ({
  kind: 'int',
  default: defaultValue,
  min: 1,
});
/** An integer >= 0. */
export const nonNegativeInt = (defaultValue: number): IntOption => ({
  kind: 'int',
  default: defaultValue,
  min: 0,
});
/** A comma-separated list of integers > 0. */
export const positiveInts = (defaultValue: number[]): IntListOption => ({
  kind: 'ints',
  default: defaultValue,
  min: 1,
});
/** A comma-separated list of integers >= 0. */
export const nonNegativeInts = (defaultValue: number[]): IntListOption => ({
  kind: 'ints',
  default: defaultValue,
  min: 0,
});
/** Any text. */
export const text = (defaultValue = ''): TextOption => ({ kind: 'text', default: defaultValue });
/** Text split at white space into words (e.g. `--jvm-args "-Xms256M -Xmx2G"`); empty words dropped. */
export const words = (defaultValue = ''): WordsOption => ({ kind: 'words', default: defaultValue });
/** A boolean flag, false unless given. */
export const flag = (): FlagOption => ({ kind: 'flag' });

const range = (min: 0 | 1) => (min === 1 ? 'a positive integer' : 'an integer >= 0');

function integer(name: string, value: string, min: 0 | 1): number {
  const n = value.trim() === '' ? Number.NaN : Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be ${range(min)}, got '${value}'`);
  return n;
}

/**
 * Parses `args` (default: this process's arguments) against `spec`. Unknown options and
 * positional arguments are errors (node:util parseArgs, strict); a bad value is an error naming
 * the option, what it must be and what it got.
 */
export function parseOptions<T extends Record<string, OptionSpec>>(
  spec: T,
  args: string[] = process.argv.slice(2),
): Options<T> {
  const config: Record<string, { type: 'string'; default: string } | { type: 'boolean'; default: boolean }> =
    {};
  for (const [name, s] of Object.entries(spec)) {
    config[name] =
      s.kind === 'flag'
        ? { type: 'boolean', default: false }
        : { type: 'string', default: s.kind === 'ints' ? s.default.join(',') : String(s.default) };
  }
  const { values } = parseArgs({ args, options: config });
  const out: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(spec)) {
    const raw = values[name];
    if (s.kind === 'flag') {
      out[name] = raw === true;
      continue;
    }
    const value = String(raw);
    switch (s.kind) {
      case 'int':
        out[name] = integer(name, value, s.min);
        break;
      case 'ints':
        out[name] = value.split(',').map((part) => {
          const n = part.trim() === '' ? Number.NaN : Number(part);
          if (!Number.isSafeInteger(n) || n < s.min)
            throw new Error(
              `--${name} must be a comma-separated list of integers ${s.min === 1 ? '> 0' : '>= 0'}, got '${part}'`,
            );
          return n;
        });
        break;
      case 'text':
        out[name] = value;
        break;
      case 'words':
        out[name] = value.split(/\s+/).filter((w) => w !== '');
        break;
    }
  }
  return out as Options<T>;
}
