/**
 * `db.timezone`: the zone in which the database's date/time values without a zone of their own
 * (DATETIME, TIMESTAMP WITHOUT TIME ZONE, TIME) are read and written, as Confluent's connectors
 * read them with `getTimestamp(col, Calendar(tz))` and bind them with `setTimestamp(i, ts,
 * Calendar(tz))`. Values that carry an instant (MySQL TIMESTAMP, PostgreSQL TIMESTAMP WITH TIME
 * ZONE) are instants whatever the zone; the sessions stay in UTC.
 */

const DAY_MS = 86_400_000;
/** Offsets are looked up once per quarter hour of time (no zone changes offset more often). */
const BUCKET_MS = 900_000;

export class DbTimeZone {
  readonly id: string;
  readonly #format: Intl.DateTimeFormat;
  readonly #offsets = new Map<number, number>();

  /** Throws RangeError when the id is not a time zone this Node knows. */
  constructor(id: string) {
    this.#format = new Intl.DateTimeFormat('en-US', {
      timeZone: id,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    this.id = this.#format.resolvedOptions().timeZone;
  }

  /** The zone's offset from UTC (ms) at this instant. */
  offsetAt(epochMs: number): number {
    const bucket = Math.floor(epochMs / BUCKET_MS);
    let offset = this.#offsets.get(bucket);
    if (offset === undefined) {
      const at = bucket * BUCKET_MS;
      const parts: Record<string, number> = {};
      for (const p of this.#format.formatToParts(new Date(at))) {
        if (p.type !== 'literal' && p.type !== 'era') parts[p.type] = Number(p.value);
      }
      const wall = Date.UTC(
        parts.year!,
        parts.month! - 1,
        parts.day!,
        parts.hour!,
        parts.minute!,
        parts.second!,
      );
      // Years before 100 need setUTCFullYear (Date.UTC maps 0–99 to 1900–1999).
      const fixed = new Date(wall);
      if (parts.year! < 100) fixed.setUTCFullYear(parts.year!);
      offset = fixed.getTime() - at;
      if (this.#offsets.size > 10_000) this.#offsets.clear();
      this.#offsets.set(bucket, offset);
    }
    return offset;
  }

  /** The wall-clock time in this zone at an instant, as epoch ms read with UTC fields. */
  toWall(epochMs: number): number {
    return epochMs + this.offsetAt(epochMs);
  }

  /**
   * The instant at which the zone's clocks show this wall-clock time (epoch ms read with UTC
   * fields). In a gap (spring forward) the time after the gap; in an overlap the earlier instant,
   * as java.util.Calendar resolves them.
   */
  toEpoch(wallMs: number): number {
    const before = this.offsetAt(wallMs - DAY_MS);
    const after = this.offsetAt(wallMs + DAY_MS);
    if (before === after) {
      const guess = wallMs - before;
      if (this.toWall(guess) === wallMs) return guess;
    }
    // Near a change of offset: the earlier valid instant, else (a gap) the time after the gap.
    const valid = [wallMs - before, wallMs - after].filter((e) => this.toWall(e) === wallMs);
    if (valid.length > 0) return Math.min(...valid);
    return wallMs - Math.min(before, after);
  }

  /** A time of day (ms since midnight, wall clock on 1970-01-01) as Connect's Time (UTC). */
  timeToEpoch(wallMs: number): number {
    return (((wallMs - this.offsetAt(0)) % DAY_MS) + DAY_MS) % DAY_MS;
  }

  /** Connect's Time (ms since midnight UTC) as the wall-clock time of day in this zone on 1970-01-01. */
  timeToWall(epochMs: number): number {
    return (((epochMs + this.offsetAt(0)) % DAY_MS) + DAY_MS) % DAY_MS;
  }
}

/** `UTC`, `Z`, `GMT` and their Etc/ forms: no zone to apply. */
export function isUtc(id: string): boolean {
  return /^(?:Etc\/)?(?:UTC|UCT|GMT|Z|Zulu|Universal|Greenwich)(?:[+-]0{1,2}(?::?00)?)?$/i.test(id.trim());
}

/** The zone of a `db.timezone` value, or null for UTC (nothing to convert). */
export function dbTimeZone(id: string | null): DbTimeZone | null {
  if (id === null || isUtc(id)) return null;
  const zone = new DbTimeZone(id.trim());
  return isUtc(zone.id) ? null : zone;
}
