/** Output for people (aligned tables, states coloured on a terminal) and for scripts (JSON). */
import { stripVTControlCharacters } from 'node:util';

const COLOURS: Record<string, string> = {
  RUNNING: '32', // green
  FAILED: '31', // red
  PAUSED: '33', // yellow
  STOPPED: '33',
  UNASSIGNED: '90', // grey
  RESTARTING: '36', // cyan
};

/** True when `out` is a terminal that takes colours (not with NO_COLOR set, per no-color.org). */
export function colourful(out: NodeJS.WritableStream): boolean {
  const noColor = process.env.NO_COLOR;
  if (noColor !== undefined && noColor !== '') return false;
  return (out as { isTTY?: boolean }).isTTY === true;
}

/** A connector or task state, coloured when `colour`. */
export function state(value: string, colour: boolean): string {
  const code = COLOURS[value];
  return colour && code !== undefined ? `\u001b[${code}m${value}\u001b[0m` : value;
}

function width(text: string): number {
  return stripVTControlCharacters(text).length;
}

/** Writes rows under a header, columns aligned (colour codes not counted), two spaces apart. */
export function table(
  out: NodeJS.WritableStream,
  header: readonly string[],
  rows: readonly string[][],
): void {
  // A last column that is empty in every row (no trace, say) is left out; with no rows at all,
  // the whole header stays.
  const last = header.length - 1;
  if (last > 0 && rows.length > 0 && rows.every((r) => (r[last] ?? '') === '')) {
    table(
      out,
      header.slice(0, last),
      rows.map((r) => r.slice(0, last)),
    );
    return;
  }
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c))))
      .join('  ')
      .trimEnd();
  out.write(`${line(header)}\n`);
  for (const r of rows) out.write(`${line(r)}\n`);
}

/** Writes a value as indented JSON. */
export function json(out: NodeJS.WritableStream, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}
