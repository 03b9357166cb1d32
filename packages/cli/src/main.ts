import { SLUICE_VERSION } from '@sluice/runtime';
import { builtinPlugins } from './builtins.ts';
import { runDistributed } from './distributed.ts';
import { runRegistry } from './registry.ts';
import { runStandalone } from './standalone.ts';

export { builtinPlugins } from './builtins.ts';

const USAGE = `Usage: sluice <command> [options]

A Kafka Connect-compatible runtime for Node.js.

Commands:
  standalone <worker.properties> [<connector file> ...]
                     Run a standalone worker, like Kafka's connect-standalone.sh
  distributed <worker.properties>
                     Run a worker of a distributed cluster, like Kafka's connect-distributed.sh
  plugins [--json]   List the connectors, converters, transforms and predicates this worker can run
  registry [--port 8081] [--data <file>]
                     Run a Confluent Schema Registry-compatible registry alone
  version            Print the version

Options:
  -h, --help         Show this help
  -v, --version      Print the version
`;

/** Runs the command line; returns the process exit code. */
export async function main(
  argv: readonly string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      out.write(USAGE);
      return command === undefined ? 2 : 0;
    case '-v':
    case '--version':
    case 'version':
      out.write(`sluice ${SLUICE_VERSION} (Node.js ${process.version})\n`);
      return 0;
    case 'plugins':
      return listPlugins(rest, out, err);
    case 'standalone':
      return runStandalone(rest, err);
    case 'distributed':
      return runDistributed(rest, err);
    case 'registry':
      return runRegistry(rest, out, err);
    default:
      err.write(`sluice: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

function listPlugins(
  args: readonly string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): number {
  const unknown = args.filter((a) => a !== '--json');
  if (unknown.length > 0) {
    err.write(`sluice plugins: unknown option '${unknown[0]}'\n`);
    return 2;
  }
  const plugins = builtinPlugins(SLUICE_VERSION).list();
  if (args.includes('--json')) {
    // The shape of GET /connector-plugins?connectorsOnly=false.
    out.write(
      `${JSON.stringify(
        plugins.map((p) => ({ class: p.className, type: p.type, version: p.version })),
        null,
        2,
      )}\n`,
    );
    return 0;
  }
  const width = Math.max(...plugins.map((p) => p.type.length), 4);
  out.write(`${'TYPE'.padEnd(width)}  CLASS\n`);
  for (const p of plugins) out.write(`${p.type.padEnd(width)}  ${p.className}\n`);
  return 0;
}

/**
 * Started by bin/sluice.mjs, the CLI dies with its launcher: when the launcher is gone (killed
 * with SIGKILL, so it could not forward a signal) this process kills itself the same way.
 */
function dieWithLauncher(): void {
  const launcher = Number(process.env.SLUICE_LAUNCHER_PID);
  if (!Number.isInteger(launcher) || launcher <= 0 || process.ppid !== launcher) return;
  setInterval(() => {
    if (process.ppid !== launcher) process.kill(process.pid, 'SIGKILL');
  }, 200).unref();
}

if (import.meta.main) {
  dieWithLauncher();
  process.exitCode = await main(process.argv.slice(2));
}
