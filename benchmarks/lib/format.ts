// Numbers as the drivers print them in tables and RESULTS.md sections, and the summary
// statistics they take over repeats. A value that is not a finite number prints as `n/a`.

/** Records or events per second, rounded, with thousands separators: `1,234,567`. */
export const fmtRate = (n: number): string =>
  Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a';

/** A ratio with two decimals: `1.23×`. */
export const fmtRatio = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)}×` : 'n/a');

/** Milliseconds as seconds with two decimals: `1.23 s`. */
export const fmtS = (ms: number | undefined): string =>
  ms === undefined || !Number.isFinite(ms) ? 'n/a' : `${(ms / 1000).toFixed(2)} s`;

/** Milliseconds, rounded: `12 ms`. */
export const fmtMs = (n: number): string => (Number.isFinite(n) ? `${Math.round(n)} ms` : 'n/a');

/** A count with thousands separators: `1,000,000`. */
export const fmtN = (n: number): string => n.toLocaleString('en-US');

/** A share as a percentage with one decimal: `12.3%`. */
export const fmtPct = (n: number): string => (Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : 'n/a');

/** Microseconds with two decimals: `1.23 µs`. */
export const fmtUs = (n: number): string => (Number.isFinite(n) ? `${n.toFixed(2)} µs` : 'n/a');

/** A load average triple (`os.loadavg()`): `0.12 / 0.34 / 0.56`. */
export const fmtLoad = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' / ');

/** Kilobytes as whole megabytes: `123 MB`. */
export const mb = (kb: number): string => `${(kb / 1024).toFixed(0)} MB`;

/** The median (the mean of the middle two for an even count); NaN for no values. */
export function median(xs: number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The nearest-rank `p`th percentile of ascending `sorted`; NaN for no values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
