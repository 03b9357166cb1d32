/**
 * Kafka's own command-line tools (`kafka-consumer-groups` and friends, the `kafka-tools` jar of
 * the same version as the test broker), fetched once from Maven Central into
 * `<repo>/.cache/kafka-tools-<version>/libs` and run with `java`, so tests check what Sluice does
 * with the tools users run against their cluster.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KAFKA_VERSION } from './kafka-server.ts';
import { classpathPom, ensureMavenCache } from './maven.ts';

const execFileAsync = promisify(execFile);

/** The directory of the `kafka-tools` jars (and their dependencies), fetched on first use. */
export async function ensureKafkaToolsLibs(
  version: string = KAFKA_VERSION,
  log: (message: string) => void = (m) => process.stderr.write(`[sluice-testing] ${m}\n`),
): Promise<string> {
  const target = await ensureMavenCache({
    name: `kafka-tools-${version}`,
    readyPath: 'libs',
    pom: classpathPom(
      'kafka-tools-classpath',
      version,
      "the classpath of Apache Kafka's command-line tools.",
      [
        ['org.apache.kafka', 'kafka-tools', version],
        ['org.slf4j', 'slf4j-nop', '2.0.17'],
      ],
    ),
    what: `Apache Kafka ${version} tools jars`,
    tools: [
      ['java', ['-version'], 'Java 17+ (`java` on PATH) is needed to run Kafka tools'],
      ['mvn', ['-v'], 'Maven (`mvn` on PATH) is needed to fetch Kafka tools from Maven Central'],
    ],
    log,
  });
  return join(target, 'libs');
}

/**
 * Runs `kafka-consumer-groups.sh` (ConsumerGroupCommand) against `bootstrapServers` with `args`
 * (e.g. `['--describe', '--group', 'connect-x', '--members']`) and returns its standard output.
 */
export async function kafkaConsumerGroups(bootstrapServers: string, args: string[]): Promise<string> {
  return kafkaTool('org.apache.kafka.tools.consumer.group.ConsumerGroupCommand', bootstrapServers, args);
}

/** Runs one of Kafka's command-line tools (its main class) against `bootstrapServers`; its standard output. */
async function kafkaTool(mainClass: string, bootstrapServers: string, args: string[]): Promise<string> {
  const libs = await ensureKafkaToolsLibs();
  const { stdout } = await execFileAsync(
    'java',
    ['-Xmx256m', '-cp', `${libs}/*`, mainClass, '--bootstrap-server', bootstrapServers, ...args],
    { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout;
}

/** The rows of a `kafka-consumer-groups` table (header row first), split on runs of spaces. */
export function consumerGroupsTable(output: string): string[][] {
  return output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('Consumer group'))
    .map((l) => l.split(/\s+/));
}

/**
 * Runs `kafka-transactions.sh` (TransactionsCommand) against `bootstrapServers` with `args` (e.g.
 * `['describe', '--transactional-id', 'connect-cluster-x']`) and returns the rows of its table
 * (header row first), split on runs of white space.
 */
export async function kafkaTransactions(bootstrapServers: string, args: string[]): Promise<string[][]> {
  const stdout = await kafkaTool('org.apache.kafka.tools.TransactionsCommand', bootstrapServers, args);
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map((l) => l.split(/\s+/));
}
