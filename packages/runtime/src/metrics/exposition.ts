/**
 * A small writer of the Prometheus text exposition format (0.0.4): samples are grouped by family
 * so each family's `# HELP`/`# TYPE` comes once, with all its samples after it.
 */

export type MetricType = 'counter' | 'gauge' | 'untyped';

interface Family {
  help: string;
  type: MetricType;
  lines: string[];
}

export type Labels = Readonly<Record<string, string | number>>;

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(v);
}

/** A metric or label name made valid as the JMX exporter does: every other character becomes `_`. */
export function safeName(name: string): string {
  const s = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[0-9]/.test(s) ? `_${s}` : s;
}

export class Exposition {
  readonly #families = new Map<string, Family>();

  add(name: string, type: MetricType, help: string, labels: Labels, value: number): void {
    let f = this.#families.get(name);
    if (f === undefined) {
      f = { help, type, lines: [] };
      this.#families.set(name, f);
    }
    const keys = Object.keys(labels);
    let line = name;
    if (keys.length > 0) {
      line += '{';
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        if (i > 0) line += ',';
        line += `${k}="${escapeLabelValue(String(labels[k]))}"`;
      }
      line += '}';
    }
    f.lines.push(`${line} ${formatValue(value)}`);
  }

  /** The names of the families written so far. */
  names(): string[] {
    return [...this.#families.keys()];
  }

  toString(): string {
    let out = '';
    for (const [name, f] of this.#families) {
      out += `# HELP ${name} ${escapeHelp(f.help)}\n# TYPE ${name} ${f.type}\n`;
      for (const l of f.lines) out += `${l}\n`;
    }
    return out;
  }
}
