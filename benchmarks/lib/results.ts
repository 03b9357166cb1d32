// Checks and RESULTS.md sections. A section is built by its driver from these pieces:
//
//   ## <date> — <what>[ — CHECK FAILED]          sectionTitle()
//
//   - Machine: ...                               machineLines()
//   - Load average (1/5/15 min) before ...
//   ... the driver's own lines ...
//   - Checks: ...                                checksLine()
//
// and appended with appendSection(), which never rewrites what is there.
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resultsFile, root } from './bench-util.ts';
import { fmtLoad } from './format.ts';
import { machineDescription } from './machine.ts';

/** One correctness check of a run. */
export interface Check {
  what: string;
  ok: boolean;
  /** What was seen. Without it, `what` itself says the outcome. */
  detail?: string;
}

/** `Check passed: <what> (<detail>)`, as a driver prints it at the end. */
export const checkLine = (c: Check): string =>
  `Check ${c.ok ? 'passed' : 'FAILED'}: ${c.what}${c.detail === undefined ? '' : ` (${c.detail})`}`;

/** `- Checks: <what>: passed (<detail>); ...`: a check without detail is listed as its `what` alone. */
export const checksLine = (checks: Check[]): string =>
  `- Checks: ${checks
    .map((c) => (c.detail === undefined ? c.what : `${c.what}: ${c.ok ? 'passed' : 'FAILED'} (${c.detail})`))
    .join('; ')}`;

/** `## <UTC date to the second> — <what>`, plus ` — <failed>` when not `ok`. */
export function sectionTitle(what: string, ok: boolean, failed = 'CHECK FAILED'): string {
  const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return `## ${date} — ${what}${ok ? '' : ` — ${failed}`}`;
}

/** The machine line and the load averages (`os.loadavg()`) before and after the run. */
export function machineLines(loadBefore: number[], loadAfter: number[]): string[] {
  return [
    `- Machine: ${machineDescription()}`,
    `- Load average (1/5/15 min) before the run: ${fmtLoad(loadBefore)}; after: ${fmtLoad(loadAfter)} (other work on the machine adds noise)`,
  ];
}

/** What RESULTS.md starts with when a driver creates it. */
export const RESULTS_HEADER = `# Benchmark results

Every number in this file was produced by a run of the scripts in \`benchmarks/\` (see
\`benchmarks/README.md\`); no number is typed in by hand. Each section is appended by the script
that measured it, newest last, and names the machine, the date and the versions it ran with.
Ratios are Sluice / peer measured in the same run on the same machine: for throughput above 1×
means Sluice is faster; for memory below 1× means Sluice uses less.
`;

/**
 * Appends `section` (after a blank line) to `file`, RESULTS.md unless told otherwise, creating it
 * with RESULTS_HEADER when missing. `skip`: why not to write (e.g. `--no-results`); it is said on
 * stderr instead.
 */
export function appendSection(section: string, skip: string | undefined, file = resultsFile): void {
  if (skip !== undefined) {
    console.error(`\n${skip}: ${path.relative(root, file)} not written`);
    return;
  }
  if (!existsSync(file)) writeFileSync(file, RESULTS_HEADER);
  appendFileSync(file, `\n${section}`);
  console.error(`\nAppended a section to ${path.relative(root, file)}`);
}

/** When not `ok`: says `FAILED: <why>` on stderr and exits 1. */
export function exitIfFailed(ok: boolean, why = 'a correctness check failed (see above).'): void {
  if (ok) return;
  console.error(`\nFAILED: ${why}`);
  process.exit(1);
}
