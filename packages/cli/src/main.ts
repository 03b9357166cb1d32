import { createLogger, loadPluginPath, SLUICE_VERSION } from '@sluice/runtime';
import { builtinPlugins } from './builtins.ts';
import {
  didYouMean,
  type Io,
  parse,
  runCommand,
  UsageError,
  WORKER_OPTIONS,
  workerProperties,
} from './client/common.ts';
import { remotePlugins, runConnectors, runLoggers, runOffsets } from './client/connectors.ts';
import { runGroups } from './client/groups.ts';
import { runTopics } from './client/topics.ts';
import { runDistributed } from './distributed.ts';
import { endProcess } from './process-exit.ts';
import { runRegistry } from './registry.ts';
import { runStandalone } from './standalone.ts';

export { builtinPlugins } from './builtins.ts';
export { EXIT_GRACE_MS, endProcess } from './process-exit.ts';

const USAGE = `Usage: sluice <command> [options]

A Kafka Connect-compatible runtime for Node.js.

Run:
  standalone <worker.properties> [<connector file> ...]
                     Run a standalone worker, like Kafka's connect-standalone.sh
  distributed <worker.properties>
                     Run a worker of a distributed cluster, like Kafka's connect-distributed.sh
  registry [--port 8081] [--data <file>]
                     Run a Confluent Schema Registry-compatible registry alone

Drive a running worker (its REST API at --url, default $SLUICE_URL or http://127.0.0.1:8083,
or the address in --worker-config FILE):
  connectors list | status [NAME] | describe NAME | create -f FILE | update NAME -f FILE
             | delete NAME | pause NAME | resume NAME | stop NAME
             | restart NAME [--failed] [--include-tasks] [--task N]
             | wait NAME [--state RUNNING] [--timeout-ms MS]
  offsets get NAME | reset NAME | set NAME -f FILE
  loggers list | get LOGGER | set LOGGER LEVEL [--cluster]
  plugins [--json] [--url URL | --worker-config FILE]
                     Connectors, converters, transforms and predicates: of a running worker with
                     --url, else those this installation (and the file's plugin.path) provides

Topics of Kafka (--bootstrap-server), of an embedded log directory (--dir, default ./sluice-data)
or of the embedded log of a running worker (--url):
  topics list | consume TOPIC [--from-beginning] [--max-messages N] [--partition P] [--key]
         | produce TOPIC [--key-separator SEP]   (lines from standard input)
  groups list | describe GROUP|--all-groups [--members [--verbose] | --state]
                     Consumer groups (a sink connector's connect-NAME): committed offsets, log
                     end offsets and lag per partition, as kafka-consumer-groups --describe

  version            Print the version

Options:
  -h, --help         Show this help (after a command: its options)
  -v, --version      Print the version

Worker logs: text on standard output, as Kafka Connect writes them; log.format=json in the worker
properties (or SLUICE_LOG_FORMAT=text|json, which wins) for JSON lines; SLUICE_LOG_LEVEL sets the
level (default INFO). Docs: docs/logging.md

Client commands print tables for people and JSON with --json; exit codes: 0 done, 1 the worker
or the log said no (its message is printed) or cannot be reached, 2 a bad command line.
Docs: docs/cli.md
`;

const COMMANDS = [
  'standalone',
  'distributed',
  'registry',
  'connectors',
  'offsets',
  'loggers',
  'plugins',
  'topics',
  'groups',
  'version',
  'help',
];

/** Runs the command line; returns the process exit code. */
export async function main(
  argv: readonly string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
  input: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  const [command, ...rest] = argv;
  const io: Io = { out, err, in: input };
  if (out === process.stdout && process.stdout.listenerCount('error') === 0) {
    // \`sluice topics consume ... | head\`: a closed pipe ends the command quietly, as in other tools.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
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
      return listPlugins(rest, io);
    case 'connectors':
    case 'connector':
      return runConnectors(rest, io);
    case 'offsets':
      return runOffsets(rest, io);
    case 'loggers':
      return runLoggers(rest, io);
    case 'topics':
    case 'topic':
      return runTopics(rest, io);
    case 'groups':
    case 'group':
      return runGroups(rest, io);
    case 'standalone':
      return runStandalone(rest, err);
    case 'distributed':
      return runDistributed(rest, err);
    case 'registry':
      return runRegistry(rest, out, err);
    default: {
      const hint = didYouMean(command, COMMANDS);
      err.write(
        `sluice: unknown command '${command}'${hint === undefined ? '' : ` (did you mean '${hint}'?)`}\n\n${USAGE}`,
      );
      return 2;
    }
  }
}

const PLUGINS_USAGE = `Usage: sluice plugins [--json] [--url URL | --worker-config FILE]

Lists connectors, converters, transforms and predicates (the shape of GET
/connector-plugins?connectorsOnly=false with --json).
  --url URL              Ask a running worker (Kafka Connect's REST API)
  --worker-config FILE   Without --url: also load the plugins of the file's plugin.path
  --json                 JSON for scripts
`;

function listPlugins(args: readonly string[], io: Io): Promise<number> {
  return runCommand('sluice plugins', io, async () => {
    const { values, positionals } = parse(args, WORKER_OPTIONS);
    if (values.help === true) {
      io.out.write(PLUGINS_USAGE);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (values.url !== undefined) return remotePlugins(values, io.out);
    const registry = builtinPlugins(SLUICE_VERSION);
    if (typeof values['worker-config'] === 'string') {
      const props = await workerProperties(values['worker-config']);
      const paths = (props['plugin.path'] ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p !== '');
      const result = await loadPluginPath(registry, paths, createLogger({ level: 'ERROR' }));
      for (const f of result.failed) io.err.write(`sluice plugins: plugin.path ${f.dir}: ${f.error}\n`);
    }
    const plugins = registry.list();
    if (values.json === true) {
      // The shape of GET /connector-plugins?connectorsOnly=false.
      io.out.write(
        `${JSON.stringify(
          plugins.map((p) => ({ class: p.className, type: p.type, version: p.version })),
          null,
          2,
        )}\n`,
      );
      return 0;
    }
    const width = Math.max(...plugins.map((p) => p.type.length), 4);
    io.out.write(`${'TYPE'.padEnd(width)}  CLASS\n`);
    for (const p of plugins) io.out.write(`${p.type.padEnd(width)}  ${p.className}\n`);
    return 0;
  });
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
  const argv = process.argv.slice(2);
  endProcess(argv, await main(argv));
}
