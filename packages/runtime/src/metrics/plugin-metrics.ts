import {
  ConnectError,
  type MetricTags,
  type PluginCounter,
  type PluginGauge,
  type PluginMetrics,
} from '@sluice/api';
import type { Exposition, MetricType } from './exposition.ts';

interface Entry {
  name: string;
  type: MetricType;
  description: string;
  labels: Record<string, string>;
  read: () => number;
}

const VALID = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

class Cell implements PluginCounter, PluginGauge {
  value = 0;
  inc(by = 1): void {
    this.value += by;
  }
  set(value: number): void {
    this.value = value;
  }
}

/**
 * A connector's or task's own metrics (KIP-877): every metric carries the `connector` (and
 * `task`) label of its owner besides the plugin's tags; written after the worker's metrics.
 */
export class PluginMetricsRegistry implements PluginMetrics {
  readonly #owner: Record<string, string>;
  readonly #entries = new Map<string, Entry>();

  constructor(connector: string, task?: number) {
    this.#owner = task === undefined ? { connector } : { connector, task: String(task) };
  }

  #name(name: string): string {
    const n = String(name).replace(/-/g, '_');
    if (!VALID.test(n))
      throw new ConnectError(
        `Invalid plugin metric name '${name}': use letters, digits, '_', ':' or '-', not starting with a digit`,
      );
    const reserved = ['kafka_connect_', 'kafka_consumer_', 'process_', 'nodejs_'].find((p) =>
      n.startsWith(p),
    );
    if (reserved !== undefined)
      throw new ConnectError(
        `Invalid plugin metric name '${name}': the ${reserved} prefix is the worker's own`,
      );
    return n;
  }

  #labels(tags: MetricTags | undefined): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(tags ?? {})) {
      const key = k.replace(/-/g, '_');
      if (!VALID.test(key) || key.includes(':'))
        throw new ConnectError(`Invalid plugin metric tag '${k}': use letters, digits, '_' or '-'`);
      if (key in this.#owner)
        throw new ConnectError(`Invalid plugin metric tag '${k}': the worker sets '${key}' itself`);
      labels[key] = String(v);
    }
    return { ...this.#owner, ...labels };
  }

  #key(name: string, labels: Record<string, string>): string {
    return `${name}${JSON.stringify(Object.entries(labels).sort())}`;
  }

  #add(
    name: string,
    type: MetricType,
    description: string,
    tags: MetricTags | undefined,
    read: () => number,
  ): void {
    const n = this.#name(name);
    const labels = this.#labels(tags);
    const clash = [...this.#entries.values()].find((e) => e.name === n && e.type !== type);
    if (clash !== undefined)
      throw new ConnectError(`Plugin metric '${name}' is already registered as a ${clash.type}`);
    this.#entries.set(this.#key(n, labels), { name: n, type, description, labels, read });
  }

  counter(name: string, description: string, tags?: MetricTags): PluginCounter {
    const cell = new Cell();
    this.#add(name, 'counter', description, tags, () => cell.value);
    return cell;
  }

  gauge(name: string, description: string, tags?: MetricTags): PluginGauge {
    const cell = new Cell();
    this.#add(name, 'gauge', description, tags, () => cell.value);
    return cell;
  }

  gaugeFn(name: string, description: string, measure: () => number, tags?: MetricTags): void {
    this.#add(name, 'gauge', description, tags, measure);
  }

  remove(name: string, tags?: MetricTags): void {
    this.#entries.delete(this.#key(this.#name(name), this.#labels(tags)));
  }

  /** Writes the current values; a measure that throws is written as NaN. */
  write(out: Exposition): void {
    for (const e of this.#entries.values()) {
      let v: number;
      try {
        v = Number(e.read());
      } catch {
        v = Number.NaN;
      }
      out.add(e.name, e.type, e.description, e.labels, v);
    }
  }
}
