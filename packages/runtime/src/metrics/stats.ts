/**
 * The measurable stats behind Kafka Connect's metrics, kept as plain numbers so the task loops pay
 * one addition or comparison per batch; everything derived (rates, averages, ratios) is computed
 * when `/metrics` is scraped.
 *
 * Windows follow Kafka's defaults (`metrics.sample.window.ms` = 30 s, `metrics.num.samples` = 2):
 * an average or maximum covers the current and the previous 30-second sample.
 */

/** Length of one sample (Kafka's `metrics.sample.window.ms` default). */
export const SAMPLE_WINDOW_MS = 30_000;

/**
 * The clock of the task metrics' windows and rates: monotonic milliseconds (`performance.now()`),
 * the clock the task loops already read to time `poll` and `put`, so they hand their reading over
 * instead of the recording reading a clock again (a clock read costs more than the recording).
 */
export const monotonicNow = (): number => performance.now();

/**
 * Kafka's `Avg` and `Max` over two samples: `record` is called once per batch, not per record.
 * `now` is any millisecond clock, the same for every call on one instance.
 */
export class WindowedStat {
  #start = 0;
  #count = 0;
  #sum = 0;
  #max = Number.NEGATIVE_INFINITY;
  #min = Number.POSITIVE_INFINITY;
  #prevCount = 0;
  #prevSum = 0;
  #prevMax = Number.NEGATIVE_INFINITY;
  #prevMin = Number.POSITIVE_INFINITY;

  record(value: number, now: number = monotonicNow()): void {
    if (now - this.#start >= SAMPLE_WINDOW_MS) this.#roll(now);
    this.#count++;
    this.#sum += value;
    if (value > this.#max) this.#max = value;
    if (value < this.#min) this.#min = value;
  }

  #roll(now: number): void {
    // A sample older than two windows is forgotten altogether.
    const recent = now - this.#start < 2 * SAMPLE_WINDOW_MS;
    this.#prevCount = recent ? this.#count : 0;
    this.#prevSum = recent ? this.#sum : 0;
    this.#prevMax = recent ? this.#max : Number.NEGATIVE_INFINITY;
    this.#prevMin = recent ? this.#min : Number.POSITIVE_INFINITY;
    this.#start = now;
    this.#count = 0;
    this.#sum = 0;
    this.#max = Number.NEGATIVE_INFINITY;
    this.#min = Number.POSITIVE_INFINITY;
  }

  /** The average over the window; NaN when nothing was recorded (Kafka reports NaN too). */
  avg(now: number = monotonicNow()): number {
    if (now - this.#start >= SAMPLE_WINDOW_MS) this.#roll(now);
    const n = this.#count + this.#prevCount;
    return n === 0 ? Number.NaN : (this.#sum + this.#prevSum) / n;
  }

  /** The minimum over the window; NaN when nothing was recorded (Kafka reports NaN too). */
  min(now: number = monotonicNow()): number {
    if (now - this.#start >= SAMPLE_WINDOW_MS) this.#roll(now);
    const m = Math.min(this.#min, this.#prevMin);
    return m === Number.POSITIVE_INFINITY ? Number.NaN : m;
  }

  /** The maximum over the window; NaN when nothing was recorded (Kafka reports NaN too). */
  max(now: number = monotonicNow()): number {
    if (now - this.#start >= SAMPLE_WINDOW_MS) this.#roll(now);
    const m = Math.max(this.#max, this.#prevMax);
    return m === Number.NEGATIVE_INFINITY ? Number.NaN : m;
  }
}

/**
 * A per-second rate of a running total, computed at scrape time from the totals seen at earlier
 * scrapes (and the total 0 at creation): the increase over the last one to two sample windows.
 */
export class ScrapeRate {
  #points: Array<{ t: number; total: number }>;

  constructor(now: number = monotonicNow()) {
    this.#points = [{ t: now, total: 0 }];
  }

  rate(total: number, now: number = monotonicNow()): number {
    const points = this.#points;
    // Keep the newest point older than the window as the base, drop those before it.
    while (points.length > 1 && now - points[1]!.t >= 2 * SAMPLE_WINDOW_MS) points.shift();
    const base = points[0]!;
    const last = points[points.length - 1]!;
    if (now - last.t >= 1000) points.push({ t: now, total });
    const seconds = (now - base.t) / 1000;
    return seconds <= 0 ? 0 : (total - base.total) / seconds;
  }
}
