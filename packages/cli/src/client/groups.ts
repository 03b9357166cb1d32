/**
 * `sluice groups list | describe GROUP [--members | --state]`: the consumer groups of a Kafka
 * cluster or of Sluice's embedded log (a sink connector's `connect-<name>` group), with the
 * columns and meaning of Kafka's `kafka-consumer-groups.sh --list / --describe`. Where the log
 * is found as for `sluice topics` (topics.ts): --bootstrap-server, --dir, --worker-config, --url,
 * else ./sluice-data or the worker holding it. A running worker's embedded log is read through
 * its /sluice/groups endpoint (the runtime's rest/groups-endpoint.ts).
 */
import {
  type ConsumerGroupDescription,
  type ConsumerGroupListing,
  type ConsumerGroupsSource,
  describeConsumerGroup,
  embeddedConsumerGroupsSource,
  kafkaConsumerGroupsSource,
} from '@sluice/runtime';
import {
  CommandError,
  didYouMean,
  type Io,
  parse,
  RestClient,
  runCommand,
  ServerError,
  UsageError,
} from './common.ts';
import { json, table } from './output.ts';
import { openEmbedded, type Where, where, withKafkaSettings } from './topics.ts';

export const GROUPS_USAGE = `Usage: sluice groups <command> [options]

Consumer groups (a sink connector's is connect-<name>) of a Kafka cluster or of Sluice's embedded
log, as Kafka's kafka-consumer-groups.sh shows them.

Commands:
  list                       The groups with their state
  describe GROUP             Per partition: the committed offset, the log end offset, the lag
                             (log end - committed) and the member that has it ("-" for none),
                             as kafka-consumer-groups --describe
    --all-groups             Every group, one table each
    --members                The members instead: CONSUMER-ID HOST CLIENT-ID #PARTITIONS
    --verbose                With --members: each member's assignment too (topic:p,p;topic:p)
    --state                  The group instead: COORDINATOR ASSIGNMENT-STRATEGY STATE #MEMBERS

Where the groups are (as for sluice topics):
  --bootstrap-server HOSTS   A Kafka cluster, host:port[,host:port...]
  --command-config FILE      With --bootstrap-server: client properties (security.protocol,
                             sasl.*, ssl.*), as Kafka's tools take
  --dir DIR                  An embedded log directory (a standalone worker's embedded.log.dir),
                             default ./sluice-data, when no worker runs on it
  --worker-config FILE       Worker properties: bootstrap.servers (with the worker's security
                             settings), else embedded.log.dir, through the worker while it runs
  --url URL                  A running standalone worker on the embedded log: through its REST
                             listener (Sluice's /sluice/groups endpoint)
  (none of these)            ./sluice-data, or while a worker holds it, through the worker at
                             $SLUICE_URL or http://127.0.0.1:8083

  --json                     JSON for scripts
  -h, --help                 Show this help
`;

const OPTIONS = {
  'bootstrap-server': { type: 'string' },
  'command-config': { type: 'string' },
  dir: { type: 'string' },
  'worker-config': { type: 'string' },
  url: { type: 'string' },
  members: { type: 'boolean' },
  'all-groups': { type: 'boolean' },
  verbose: { type: 'boolean' },
  state: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const COMMANDS = ['list', 'describe'];

/** What the commands need: the list of groups and one group described. */
interface Groups {
  list(): Promise<ConsumerGroupListing[]>;
  describe(group: string): Promise<ConsumerGroupDescription | null>;
  close(): Promise<void>;
}

function workerGroups(url: string): Groups {
  const client = new RestClient(url);
  const call = async (path: string): Promise<unknown> => {
    try {
      return await client.call('GET', `/sluice/groups${path}`);
    } catch (e) {
      if (e instanceof ServerError && e.status === 404 && path === '') {
        throw new CommandError(
          `the worker at ${url} does not serve groups: it runs on Kafka (use --bootstrap-server), or is not a Sluice standalone worker on the embedded log`,
        );
      }
      throw e;
    }
  };
  return {
    list: async () => (await call('')) as ConsumerGroupListing[],
    describe: async (group) => {
      // The list first: a missing group is then told apart from a worker without the endpoint.
      const all = (await call('')) as ConsumerGroupListing[];
      if (!all.some((g) => g.group === group)) return null;
      try {
        return (await call(`/${encodeURIComponent(group)}`)) as ConsumerGroupDescription;
      } catch (e) {
        if (e instanceof ServerError && e.status === 404) return null;
        throw e;
      }
    },
    close: async () => {},
  };
}

async function openGroups(w: Where, err: NodeJS.WritableStream): Promise<Groups> {
  if (w.kind === 'worker') return workerGroups(w.at);
  const fromSource = (source: ConsumerGroupsSource): Groups => ({
    list: () => source.list(),
    describe: (group) => describeConsumerGroup(source, group),
    close: () => source.close(),
  });
  if (w.kind === 'kafka')
    return withKafkaSettings(w, (settings) => fromSource(kafkaConsumerGroupsSource(settings)));
  return openEmbedded(
    w,
    'sluice groups',
    false,
    err,
    (log) => fromSource(embeddedConsumerGroupsSource(log, true)),
    workerGroups,
  );
}

/** `topic:0,1;other:0`, topics and partitions in order, as kafka-consumer-groups --verbose; "-" for none. */
function assignmentText(assignment: ReadonlyArray<{ topic: string; partition: number }>): string {
  const byTopic = new Map<string, number[]>();
  for (const tp of assignment) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
  if (byTopic.size === 0) return '-';
  return [...byTopic.keys()]
    .sort()
    .map(
      (t) =>
        `${t}:${byTopic
          .get(t)!
          .sort((a, b) => a - b)
          .join(',')}`,
    )
    .join(';');
}

const dash = (v: string | number | null): string => (v === null ? '-' : String(v));

/** `sluice groups <command>`. */
export function runGroups(args: readonly string[], io: Io): Promise<number> {
  return runCommand('sluice groups', io, async () => {
    const [command, ...rest] = args;
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      (command === undefined ? io.err : io.out).write(GROUPS_USAGE);
      return command === undefined ? 2 : 0;
    }
    const { values, positionals } = parse(rest, OPTIONS);
    if (values.help === true) {
      io.out.write(GROUPS_USAGE);
      return 0;
    }
    const cmd = command === 'ls' ? 'list' : command;
    if (!COMMANDS.includes(cmd)) {
      const hint = didYouMean(command, COMMANDS);
      throw new UsageError(
        `unknown command '${command}'${hint === undefined ? ` (one of ${COMMANDS.join(', ')})` : ` (did you mean '${hint}'?)`}`,
      );
    }
    for (const flag of ['members', 'state'] as const) {
      if (values[flag] !== undefined && cmd !== 'describe') {
        throw new UsageError(`option '--${flag}' does not apply to 'groups ${cmd}'`);
      }
    }
    if (values.verbose === true && values.members !== true) {
      throw new UsageError("option '--verbose' goes with --members");
    }
    if (values.members === true && values.state === true) {
      throw new UsageError("options '--members' and '--state' both say what to show: give one");
    }
    if (cmd === 'list' && positionals.length > 0) {
      throw new UsageError(`list: unexpected argument '${positionals[0]}'`);
    }
    const all = values['all-groups'] === true;
    if (all && cmd !== 'describe')
      throw new UsageError(`option '--all-groups' does not apply to 'groups ${cmd}'`);
    if (all && positionals.length > 0) {
      throw new UsageError(`describe --all-groups: unexpected GROUP '${positionals[0]}'`);
    }
    if (cmd === 'describe' && !all && positionals.length !== 1) {
      throw new UsageError(
        `describe: expected one GROUP (or --all-groups)${positionals.length > 1 ? `, got ${positionals.join(' ')}` : ''}`,
      );
    }

    const w = await where(values, 'groups');
    const groups = await openGroups(w, io.err);
    try {
      if (cmd === 'list') return await list(groups, values, io);
      if (all) return await describeAll(groups, values, io);
      return await describe(groups, positionals[0]!, values, io);
    } catch (e) {
      if (e instanceof UsageError || e instanceof CommandError) throw e;
      const message = (e as Error).message;
      throw new CommandError(
        w.kind === 'kafka'
          ? `Kafka at ${w.at}: ${message}`
          : w.kind === 'worker'
            ? message
            : `embedded log ${w.at}: ${message}`,
      );
    } finally {
      await groups.close();
    }
  });
}

async function list(groups: Groups, values: Record<string, unknown>, io: Io): Promise<number> {
  const all = await groups.list();
  if (values.json === true) {
    json(io.out, all);
    return 0;
  }
  if (all.length === 0) {
    io.out.write('No consumer groups\n');
    return 0;
  }
  table(
    io.out,
    ['GROUP', 'STATE'],
    all.map((g) => [g.group, g.state]),
  );
  return 0;
}

async function describe(
  groups: Groups,
  group: string,
  values: Record<string, unknown>,
  io: Io,
): Promise<number> {
  const d = await groups.describe(group);
  if (d === null) {
    const known = (await groups.list()).map((g) => g.group);
    const hint = didYouMean(group, known);
    throw new CommandError(
      `Consumer group '${group}' does not exist.${
        hint !== undefined ? ` Did you mean '${hint}'?` : known.length === 0 ? ' (there are no groups)' : ''
      }`,
    );
  }
  if (values.json === true) {
    json(io.out, d);
    return 0;
  }
  print(d, values, io);
  return 0;
}

/** `describe --all-groups`: every group, one table each after a blank line, as Kafka's tool. */
async function describeAll(groups: Groups, values: Record<string, unknown>, io: Io): Promise<number> {
  const all: ConsumerGroupDescription[] = [];
  for (const g of await groups.list()) {
    const d = await groups.describe(g.group);
    if (d !== null) all.push(d);
  }
  if (values.json === true) {
    json(io.out, all);
    return 0;
  }
  for (const d of all) {
    io.out.write('\n');
    print(d, values, io);
  }
  return 0;
}

function print(d: ConsumerGroupDescription, values: Record<string, unknown>, io: Io): void {
  const group = d.group;
  if (values.state === true) {
    table(
      io.out,
      ['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'],
      [[group, dash(d.coordinator), d.protocol === '' ? '-' : d.protocol, d.state, String(d.members.length)]],
    );
    return;
  }
  // As Kafka's tool, on standard error: why the table has no members.
  if (d.state === 'Empty') io.err.write(`Consumer group '${group}' has no active members.\n`);
  else if (d.state !== 'Stable') io.err.write(`Warning: Consumer group '${group}' is rebalancing.\n`);
  if (values.members === true && values.verbose === true) {
    // Kafka 4.1's columns; the epochs and the target belong to the new consumer protocol: "-".
    table(
      io.out,
      [
        'GROUP',
        'CONSUMER-ID',
        'HOST',
        'CLIENT-ID',
        '#PARTITIONS',
        'CURRENT-EPOCH',
        'CURRENT-ASSIGNMENT',
        'TARGET-EPOCH',
        'TARGET-ASSIGNMENT',
      ],
      d.members.map((m) => [
        group,
        m.memberId,
        dash(m.host),
        m.clientId,
        String(m.assignment.length),
        '-',
        assignmentText(m.assignment),
        '-',
        '-',
      ]),
    );
    return;
  }
  if (values.members === true) {
    table(
      io.out,
      ['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS'],
      d.members.map((m) => [group, m.memberId, dash(m.host), m.clientId, String(m.assignment.length)]),
    );
    return;
  }
  table(
    io.out,
    [
      'GROUP',
      'TOPIC',
      'PARTITION',
      'CURRENT-OFFSET',
      'LOG-END-OFFSET',
      'LAG',
      'CONSUMER-ID',
      'HOST',
      'CLIENT-ID',
    ],
    d.offsets.map((r) => [
      group,
      r.topic,
      String(r.partition),
      dash(r.currentOffset),
      dash(r.logEndOffset),
      dash(r.lag),
      dash(r.consumerId),
      dash(r.host),
      dash(r.clientId),
    ]),
  );
}
