/**
 * `sluice connectors ...`, `sluice offsets ...` and `sluice plugins --url`: a client of a running
 * worker's REST API (Kafka Connect's, so it drives a Java Kafka Connect worker as well).
 */
import { loadConnectorConfigFile } from '@sluice/runtime';
import {
  CommandError,
  didYouMean,
  type Io,
  intOption,
  parse,
  RestClient,
  runCommand,
  ServerError,
  UsageError,
  WORKER_OPTIONS,
  workerUrl,
} from './common.ts';
import { colourful, json, state, table } from './output.ts';

const WORKER_HELP = `Worker options:
  --url URL              The worker's REST API (default: from --worker-config, else $SLUICE_URL,
                         else http://127.0.0.1:8083)
  --worker-config FILE   Worker properties: the URL from rest.advertised.* or listeners
  --json                 Print the worker's JSON answer instead of a table
  -h, --help             Show this help
`;

export const CONNECTORS_USAGE = `Usage: sluice connectors <command> [options]

Drives the connectors of a running worker (standalone or distributed) through its REST API.

Commands:
  list                           Names, types, states and running tasks of all connectors
  status [NAME ...]              Connector and task states (all connectors without NAME), with
                                 the first line of each failure's trace
  describe NAME                  Type, state, config, tasks and active topics of a connector
  create -f FILE                 Create a connector from FILE: JSON {"name":..,"config":{..}}, a
                                 flat JSON map, or a .properties file (with name=...)
  update NAME -f FILE            Replace the config of connector NAME (created if missing)
  delete NAME ...                Delete connectors
  pause NAME ...                 Pause connectors
  resume NAME ...                Resume paused or stopped connectors
  stop NAME ...                  Stop connectors (tasks shut down, config kept; offsets can then
                                 be changed)
  restart NAME ... [--failed] [--include-tasks] [--task N]
                                 Restart a connector; --include-tasks its tasks too, --failed only
                                 the failed instances; --task N only task N
  wait NAME ... [--state RUNNING] [--timeout-ms 60000]
                                 Wait until the connector and its tasks are in the state (RUNNING,
                                 PAUSED, STOPPED or FAILED); exit 1 at once when one FAILED (with
                                 the first line of its trace), or at the time-out

With -e (--regexp), the NAMEs of status, pause, resume, stop, restart, delete and wait are
regular expressions matching whole connector names: sluice connectors pause -e 'orders-.*'

${WORKER_HELP}
Exit codes: 0 done, 1 the worker said no (its message is printed) or cannot be reached,
2 a bad command line.
`;

export const OFFSETS_USAGE = `Usage: sluice offsets <command> NAME [options]

Reads and changes the offsets of a connector (Kafka Connect's /connectors/NAME/offsets).

Commands:
  get NAME                 Source partitions and offsets (sink: topic partitions and offsets)
  reset NAME               Forget all offsets; the connector must be stopped ('sluice connectors stop')
  set NAME -f FILE         Alter offsets from FILE, JSON {"offsets":[{"partition":{..},"offset":{..}}]}
                           as for PATCH /connectors/NAME/offsets; the connector must be stopped

${WORKER_HELP}`;

interface ConnectorStatus {
  name: string;
  type?: string;
  connector: { state: string; worker_id: string; trace?: string };
  tasks: Array<{ id: number; state: string; worker_id: string; trace?: string }>;
}

interface ConnectorInfo {
  name: string;
  type?: string;
  config: Record<string, string>;
  tasks: Array<{ connector: string; task: number }>;
}

type Expanded = Record<string, { status?: ConnectorStatus; info?: ConnectorInfo }>;

const enc = encodeURIComponent;

function firstLine(trace: string | undefined): string {
  if (trace === undefined) return '';
  return trace.split('\n', 1)[0]!.trim();
}

function taskSummary(s: ConnectorStatus | undefined, colour: boolean): string {
  if (s === undefined) return '';
  const running = s.tasks.filter((t) => t.state === 'RUNNING').length;
  const failed = s.tasks.filter((t) => t.state === 'FAILED').length;
  const text = `${running}/${s.tasks.length}`;
  return failed > 0 ? `${text} (${state('FAILED', colour)}: ${failed})` : text;
}

async function readFileOption(
  values: Record<string, unknown>,
): Promise<Awaited<ReturnType<typeof loadConnectorConfigFile>>> {
  const file = values.file;
  if (typeof file !== 'string')
    throw new UsageError("missing '-f FILE' (the connector's JSON or .properties file)");
  try {
    return await loadConnectorConfigFile(file);
  } catch (e) {
    throw new CommandError(`${file}: ${(e as Error).message}`);
  }
}

function needNames(positionals: string[], command: string, many: boolean): string[] {
  if (positionals.length === 0) throw new UsageError(`${command}: missing the connector NAME`);
  if (!many && positionals.length > 1) {
    throw new UsageError(
      `${command}: expected one connector NAME, got ${positionals.length}: ${positionals.join(' ')}`,
    );
  }
  return positionals;
}

/** `sluice connectors <command>`. */
export function runConnectors(args: readonly string[], io: Io): Promise<number> {
  return runCommand('sluice connectors', io, async () => {
    const [command, ...rest] = args;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      (command === undefined ? io.err : io.out).write(CONNECTORS_USAGE);
      return command === undefined ? 2 : 0;
    }
    const parsed = parse(rest, {
      ...WORKER_OPTIONS,
      regexp: { type: 'boolean', short: 'e' },
      file: { type: 'string', short: 'f' },
      failed: { type: 'boolean' },
      'include-tasks': { type: 'boolean' },
      task: { type: 'string' },
      state: { type: 'string' },
      'timeout-ms': { type: 'string' },
    });
    const { values } = parsed;
    if (values.help === true) {
      io.out.write(CONNECTORS_USAGE);
      return 0;
    }
    const allowed: Record<string, string[]> = {
      create: ['file'],
      update: ['file'],
      restart: ['failed', 'include-tasks', 'task'],
      wait: ['state', 'timeout-ms'],
    };
    for (const flag of ['file', 'failed', 'include-tasks', 'task', 'state', 'timeout-ms']) {
      if (values[flag] !== undefined && !(allowed[command] ?? []).includes(flag)) {
        throw new UsageError(`option '--${flag}' does not apply to 'connectors ${command}'`);
      }
    }
    const asJson = values.json === true;
    const colour = colourful(io.out);
    const client = new RestClient(await workerUrl(values));
    const { out } = io;
    let positionals = parsed.positionals;
    if (values.regexp === true) {
      // -e: the NAMEs are regular expressions, each matching whole connector names (as kcctl's -e).
      if (!['status', 'delete', 'pause', 'resume', 'stop', 'restart', 'wait'].includes(command)) {
        throw new UsageError(`option '--regexp' does not apply to 'connectors ${command}'`);
      }
      if (positionals.length === 0) throw new UsageError(`${command} -e: missing a PATTERN`);
      const patterns = positionals.map((p) => {
        try {
          return new RegExp(`^(?:${p})$`);
        } catch (e) {
          throw new UsageError(`-e: not a regular expression: ${p} (${(e as Error).message})`);
        }
      });
      const all = ((await client.call('GET', '/connectors')) as string[]).sort();
      positionals = all.filter((n) => patterns.some((re) => re.test(n)));
      if (positionals.length === 0) {
        throw new CommandError(
          `no connector matches ${parsed.positionals.join(' ')} (connectors: ${all.join(', ') || 'none'})`,
        );
      }
    }

    switch (command) {
      case 'list':
      case 'ls': {
        if (positionals.length > 0) throw new UsageError(`list: unexpected argument '${positionals[0]}'`);
        const all = (await client.call('GET', '/connectors?expand=status&expand=info')) as Expanded;
        if (asJson) {
          json(out, all);
          return 0;
        }
        const names = Object.keys(all).sort();
        if (names.length === 0) {
          out.write(`No connectors on ${client.url}\n`);
          return 0;
        }
        table(
          out,
          ['NAME', 'TYPE', 'STATE', 'TASKS', 'CLASS'],
          names.map((n) => {
            const { status, info } = all[n]!;
            return [
              n,
              info?.type ?? status?.type ?? '',
              state(status?.connector.state ?? '', colour),
              taskSummary(status, colour),
              info?.config['connector.class'] ?? '',
            ];
          }),
        );
        return 0;
      }
      case 'status': {
        let statuses: ConnectorStatus[];
        if (positionals.length === 0) {
          const all = (await client.call('GET', '/connectors?expand=status')) as Expanded;
          statuses = Object.keys(all)
            .sort()
            .map((n) => all[n]!.status!)
            .filter((s) => s !== undefined);
        } else {
          statuses = [];
          for (const name of positionals) {
            statuses.push((await client.call('GET', `/connectors/${enc(name)}/status`)) as ConnectorStatus);
          }
        }
        if (asJson) {
          json(out, positionals.length === 1 ? statuses[0] : statuses);
          return 0;
        }
        if (statuses.length === 0) {
          out.write(`No connectors on ${client.url}\n`);
          return 0;
        }
        const rows: string[][] = [];
        for (const s of statuses) {
          rows.push([
            s.name,
            '',
            state(s.connector.state, colour),
            s.connector.worker_id,
            firstLine(s.connector.trace),
          ]);
          for (const t of [...s.tasks].sort((a, b) => a.id - b.id)) {
            rows.push(['', String(t.id), state(t.state, colour), t.worker_id, firstLine(t.trace)]);
          }
        }
        table(out, ['CONNECTOR', 'TASK', 'STATE', 'WORKER', 'TRACE'], rows);
        return 0;
      }
      case 'describe':
      case 'get': {
        const [name] = needNames(positionals, command, false) as [string];
        const info = (await client.call('GET', `/connectors/${enc(name)}`)) as ConnectorInfo;
        const status = (await client.call('GET', `/connectors/${enc(name)}/status`)) as ConnectorStatus;
        let topics: string[] | undefined;
        try {
          const answer = (await client.call('GET', `/connectors/${enc(name)}/topics`)) as Record<
            string,
            { topics: string[] }
          >;
          topics = answer[name]?.topics;
        } catch {
          topics = undefined; // topic tracking off
        }
        if (asJson) {
          json(out, { ...info, status, ...(topics === undefined ? {} : { topics }) });
          return 0;
        }
        const rows: string[][] = [
          ['Name:', info.name],
          ['Type:', info.type ?? status.type ?? ''],
          ['State:', state(status.connector.state, colour)],
          ['Worker:', status.connector.worker_id],
        ];
        if (status.connector.trace !== undefined) rows.push(['Trace:', firstLine(status.connector.trace)]);
        if (topics !== undefined)
          rows.push(['Topics:', topics.length === 0 ? '(none yet)' : topics.join(', ')]);
        for (const row of rows) out.write(`${row[0]!.padEnd(9)}${row[1]}\n`);
        out.write('Config:\n');
        const keys = Object.keys(info.config).sort();
        const keyWidth = Math.max(...keys.map((k) => k.length));
        for (const k of keys) out.write(`  ${k.padEnd(keyWidth)}  ${info.config[k]}\n`);
        out.write('Tasks:\n');
        if (status.tasks.length === 0) out.write('  (none)\n');
        else {
          const taskRows = [...status.tasks]
            .sort((a, b) => a.id - b.id)
            .map((t) => [`  ${t.id}`, state(t.state, colour), t.worker_id, firstLine(t.trace)]);
          table(out, ['  ID', 'STATE', 'WORKER', 'TRACE'], taskRows);
        }
        return 0;
      }
      case 'create': {
        if (positionals.length > 0) {
          throw new UsageError(
            `create: unexpected argument '${positionals[0]}' (the name comes from the file; to change a connector use 'connectors update NAME -f FILE')`,
          );
        }
        const file = await readFileOption(values);
        const body: Record<string, unknown> = { name: file.name, config: file.config };
        if (file.initialState !== undefined) body.initial_state = file.initialState;
        const created = (await client.call('POST', '/connectors', body)) as ConnectorInfo;
        if (asJson) {
          json(out, created);
          return 0;
        }
        out.write(`Created connector ${created.name}\n`);
        return 0;
      }
      case 'update':
      case 'apply': {
        const [name] = needNames(positionals, command, false) as [string];
        const file = await readFileOption(values);
        if (file.config.name !== undefined && file.config.name !== name) {
          throw new UsageError(
            `update: the file names connector '${file.config.name}', not '${name}' (rename by creating a new connector)`,
          );
        }
        const answer = (await client.call(
          'PUT',
          `/connectors/${enc(name)}/config`,
          file.config,
        )) as ConnectorInfo;
        if (asJson) {
          json(out, answer);
          return 0;
        }
        out.write(`Updated connector ${name}\n`);
        return 0;
      }
      case 'delete':
      case 'pause':
      case 'resume':
      case 'stop': {
        const names = needNames(positionals, command, true);
        const done: Record<string, string> = {
          delete: 'Deleted',
          pause: 'Paused',
          resume: 'Resumed',
          stop: 'Stopped',
        };
        for (const name of names) {
          if (command === 'delete') await client.call('DELETE', `/connectors/${enc(name)}`);
          else await client.call('PUT', `/connectors/${enc(name)}/${command}`);
          if (!asJson) out.write(`${done[command]} connector ${name}\n`);
        }
        if (asJson)
          json(out, {
            [command === 'delete' ? 'deleted' : command === 'stop' ? 'stopped' : `${command}d`]: names,
          });
        return 0;
      }
      case 'restart': {
        const names = needNames(positionals, command, true);
        const task = intOption(values, 'task');
        if (task !== undefined && (values.failed === true || values['include-tasks'] === true)) {
          throw new UsageError(
            "option '--task' restarts one task: it does not go with --failed or --include-tasks",
          );
        }
        const answers: unknown[] = [];
        for (const name of names) {
          if (task !== undefined) {
            await client.call('POST', `/connectors/${enc(name)}/tasks/${task}/restart`);
            answers.push({ name, task });
            if (!asJson) out.write(`Restarted task ${task} of connector ${name}\n`);
            continue;
          }
          const query = `includeTasks=${values['include-tasks'] === true}&onlyFailed=${values.failed === true}`;
          const answer = (await client.call('POST', `/connectors/${enc(name)}/restart?${query}`)) as
            | ConnectorStatus
            | undefined;
          answers.push(answer ?? { name });
          if (asJson) continue;
          if (answer === undefined) {
            out.write(`Restarted connector ${name}\n`);
          } else {
            const restarting = [
              ...(answer.connector.state === 'RESTARTING' ? ['connector'] : []),
              ...answer.tasks.filter((t) => t.state === 'RESTARTING').map((t) => `task ${t.id}`),
            ];
            out.write(
              restarting.length === 0
                ? `Nothing to restart in connector ${name}\n`
                : `Restarting ${restarting.join(', ')} of connector ${name}\n`,
            );
          }
        }
        if (asJson) json(out, names.length === 1 ? answers[0] : answers);
        return 0;
      }
      case 'wait': {
        const names = needNames(positionals, command, true);
        const target = typeof values.state === 'string' ? values.state.toUpperCase() : 'RUNNING';
        const states = ['RUNNING', 'PAUSED', 'STOPPED', 'FAILED'];
        if (!states.includes(target)) {
          throw new UsageError(`--state: one of ${states.join(', ')}, got '${String(values.state)}'`);
        }
        const timeoutMs = intOption(values, 'timeout-ms') ?? 60_000;
        const deadline = Date.now() + timeoutMs;
        for (const name of names) {
          for (;;) {
            let s: ConnectorStatus | undefined;
            try {
              s = (await client.call('GET', `/connectors/${enc(name)}/status`)) as ConnectorStatus;
            } catch (e) {
              // A distributed worker writes the status of a new connector a moment later.
              if (!(e instanceof ServerError && e.status === 404)) throw e;
            }
            if (s !== undefined) {
              const all = [s.connector.state, ...s.tasks.map((t) => t.state)];
              // STOPPED has no tasks; RUNNING and PAUSED wait for the tasks to exist.
              const tasksThere = target === 'STOPPED' || target === 'FAILED' || s.tasks.length > 0;
              const done =
                target === 'FAILED' ? all.includes('FAILED') : tasksThere && all.every((x) => x === target);
              if (done) {
                if (!asJson) out.write(`${name}: ${state(target, colour)}\n`);
                break;
              }
              if (target !== 'FAILED' && all.includes('FAILED')) {
                const task = s.tasks.find((t) => t.state === 'FAILED');
                const [what, trace] =
                  s.connector.state === 'FAILED'
                    ? ['the connector', s.connector.trace]
                    : [`task ${task?.id}`, task?.trace];
                throw new CommandError(`${name}: ${what} FAILED: ${firstLine(trace)}`);
              }
            }
            if (Date.now() >= deadline) {
              const now =
                s === undefined
                  ? 'no status yet'
                  : `connector ${s.connector.state}, tasks: ${s.tasks.map((t) => `${t.id} ${t.state}`).join(', ') || 'none'}`;
              throw new CommandError(`${name}: not ${target} after ${timeoutMs} ms (${now})`);
            }
            await new Promise((resolve) => setTimeout(resolve, 250));
          }
        }
        if (asJson) json(out, { [target.toLowerCase()]: names });
        return 0;
      }
      default: {
        const commands = [
          'list',
          'status',
          'describe',
          'create',
          'update',
          'delete',
          'pause',
          'resume',
          'stop',
          'restart',
          'wait',
        ];
        const hint = didYouMeanCommand(command, commands);
        throw new UsageError(`unknown command '${command}'${hint}`);
      }
    }
  });
}

function didYouMeanCommand(command: string, commands: string[]): string {
  const close = commands.find((c) => c.startsWith(command) || command.startsWith(c));
  return close === undefined ? ` (one of ${commands.join(', ')})` : ` (did you mean '${close}'?)`;
}

/** `sluice offsets <command>`. */
export function runOffsets(args: readonly string[], io: Io): Promise<number> {
  return runCommand('sluice offsets', io, async () => {
    const [command, ...rest] = args;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      (command === undefined ? io.err : io.out).write(OFFSETS_USAGE);
      return command === undefined ? 2 : 0;
    }
    const { values, positionals } = parse(rest, { ...WORKER_OPTIONS, file: { type: 'string', short: 'f' } });
    if (values.help === true) {
      io.out.write(OFFSETS_USAGE);
      return 0;
    }
    if (values.file !== undefined && command !== 'set') {
      throw new UsageError(`option '--file' does not apply to 'offsets ${command}'`);
    }
    const { out } = io;
    const asJson = values.json === true;
    switch (command) {
      case 'get': {
        const [name] = needNames(positionals, command, false) as [string];
        const client = new RestClient(await workerUrl(values));
        const answer = (await client.call('GET', `/connectors/${enc(name)}/offsets`)) as {
          offsets: Array<{ partition: Record<string, unknown>; offset: Record<string, unknown> | null }>;
        };
        if (asJson) {
          json(out, answer);
          return 0;
        }
        if (answer.offsets.length === 0) {
          out.write(`No offsets for connector ${name}\n`);
          return 0;
        }
        table(
          out,
          ['PARTITION', 'OFFSET'],
          answer.offsets.map((o) => [JSON.stringify(o.partition), JSON.stringify(o.offset)]),
        );
        return 0;
      }
      case 'reset':
      case 'set': {
        const [name] = needNames(positionals, command, false) as [string];
        let body: unknown;
        if (command === 'set') {
          const file = values.file;
          if (typeof file !== 'string')
            throw new UsageError('set: missing \'-f FILE\' (JSON {"offsets":[...]})');
          const { readFile } = await import('node:fs/promises');
          try {
            body = JSON.parse(await readFile(file, 'utf8'));
          } catch (e) {
            throw new CommandError(`${file}: ${(e as Error).message}`);
          }
        }
        const client = new RestClient(await workerUrl(values));
        const answer = (await client.call(
          command === 'reset' ? 'DELETE' : 'PATCH',
          `/connectors/${enc(name)}/offsets`,
          body,
        )) as { message?: string } | undefined;
        if (asJson) {
          json(out, answer ?? {});
          return 0;
        }
        out.write(`${answer?.message ?? `Offsets of connector ${name} changed`}\n`);
        return 0;
      }
      default:
        throw new UsageError(
          `unknown command '${command}'${didYouMeanCommand(command, ['get', 'reset', 'set'])}`,
        );
    }
  });
}

export const LOGGERS_USAGE = `Usage: sluice loggers <command> [options]

Reads and sets a worker's log levels (Kafka Connect's /admin/loggers).

Commands:
  list                       Loggers with an explicit level, and when it was set
  get LOGGER                 The level of one logger
  set LOGGER LEVEL           Set the level (TRACE, DEBUG, INFO, WARN, ERROR, FATAL, OFF) of
                             LOGGER and the loggers below it, on this worker; --cluster on
                             every worker of a distributed cluster

${WORKER_HELP}`;

/** \`sluice loggers <command>\`. */
export function runLoggers(args: readonly string[], io: Io): Promise<number> {
  return runCommand('sluice loggers', io, async () => {
    const [command, ...rest] = args;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      (command === undefined ? io.err : io.out).write(LOGGERS_USAGE);
      return command === undefined ? 2 : 0;
    }
    const { values, positionals } = parse(rest, { ...WORKER_OPTIONS, cluster: { type: 'boolean' } });
    if (values.help === true) {
      io.out.write(LOGGERS_USAGE);
      return 0;
    }
    if (values.cluster !== undefined && command !== 'set') {
      throw new UsageError(`option '--cluster' does not apply to 'loggers ${command}'`);
    }
    const { out } = io;
    const asJson = values.json === true;
    switch (command) {
      case 'list': {
        if (positionals.length > 0) throw new UsageError(`list: unexpected argument '${positionals[0]}'`);
        const client = new RestClient(await workerUrl(values));
        const all = (await client.call('GET', '/admin/loggers')) as Record<
          string,
          { level: string; last_modified?: number | null }
        >;
        if (asJson) {
          json(out, all);
          return 0;
        }
        table(
          out,
          ['LOGGER', 'LEVEL', 'SET AT'],
          Object.keys(all)
            .sort()
            .map((name) => {
              const at = all[name]!.last_modified;
              return [name, all[name]!.level, typeof at === 'number' ? new Date(at).toISOString() : ''];
            }),
        );
        return 0;
      }
      case 'get': {
        if (positionals.length !== 1) throw new UsageError('get: expected one LOGGER');
        const client = new RestClient(await workerUrl(values));
        const answer = (await client.call('GET', `/admin/loggers/${enc(positionals[0]!)}`)) as {
          level: string;
        };
        if (asJson) json(out, answer);
        else out.write(`${answer.level}\n`);
        return 0;
      }
      case 'set': {
        if (positionals.length !== 2) throw new UsageError('set: expected LOGGER and LEVEL');
        const [name, level] = positionals as [string, string];
        const levels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL', 'OFF'];
        if (!levels.includes(level.toUpperCase())) {
          const hint = didYouMean(level.toUpperCase(), levels);
          throw new UsageError(
            `set: '${level}' is not a level${hint === undefined ? '' : ` (did you mean '${hint}'?)`}; one of ${levels.join(', ')}`,
          );
        }
        const client = new RestClient(await workerUrl(values));
        const answer = (await client.call(
          'PUT',
          `/admin/loggers/${enc(name)}${values.cluster === true ? '?scope=cluster' : ''}`,
          { level: level.toUpperCase() },
        )) as string[] | undefined;
        if (asJson) {
          json(out, answer ?? []);
          return 0;
        }
        out.write(
          values.cluster === true
            ? `Setting ${name} to ${level.toUpperCase()} on every worker\n`
            : `Set ${(answer ?? [name]).join(', ')} to ${level.toUpperCase()}\n`,
        );
        return 0;
      }
      default:
        throw new UsageError(
          `unknown command '${command}'${didYouMeanCommand(command, ['list', 'get', 'set'])}`,
        );
    }
  });
}

/** `sluice plugins --url URL`: the plugins of a running worker. */
export async function remotePlugins(
  values: Record<string, unknown>,
  out: NodeJS.WritableStream,
): Promise<number> {
  const client = new RestClient(await workerUrl(values));
  const plugins = (await client.call('GET', '/connector-plugins?connectorsOnly=false')) as Array<{
    class: string;
    type: string;
    version?: string;
  }>;
  if (values.json === true) {
    json(out, plugins);
    return 0;
  }
  table(
    out,
    ['TYPE', 'CLASS', 'VERSION'],
    plugins.map((p) => [p.type, p.class, p.version ?? '']),
  );
  return 0;
}
