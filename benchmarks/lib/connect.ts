// The two kinds of worker the drivers compare: Apache Kafka Connect's Java launchers
// (ConnectStandalone / ConnectDistributed on a Maven classpath, logging through a log4j2 file of
// the run) and `sluice` on the Node 24 binary; plus reading a topic's end offset.
import { writeFileSync } from 'node:fs';
import type { LogClient } from '@sluice/runtime';
import { sluiceBin } from './bench-util.ts';

/** A command to spawn. */
export interface Command {
  cmd: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/**
 * Writes a log4j2 properties file for Kafka Connect: WARN and above to stdout (the worker's log
 * file). `comments` go first (as `#` lines), `extraLines` after the root logger (e.g. one logger
 * at INFO).
 */
export function writeConnectLog4j(file: string, comments: string[] = [], extraLines: string[] = []): void {
  writeFileSync(
    file,
    [
      ...comments.map((c) => `# ${c}`),
      'status = warn',
      'appender.stdout.type = Console',
      'appender.stdout.name = STDOUT',
      'appender.stdout.layout.type = PatternLayout',
      'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = WARN',
      'rootLogger.appenderRef.stdout.ref = STDOUT',
      ...extraLines,
      '',
    ].join('\n'),
  );
}

/** `java <jvmArgs> -Dlog4j2.configurationFile=<log4jFile> -cp <libs>/* <mainClass> <args>`. */
export function connectCommand(options: {
  jvmArgs: string[];
  log4jFile: string;
  libs: string;
  /** `org.apache.kafka.connect.cli.ConnectStandalone` or `...ConnectDistributed`. */
  mainClass: string;
  args: string[];
}): Command {
  return {
    cmd: 'java',
    args: [
      ...options.jvmArgs,
      `-Dlog4j2.configurationFile=${options.log4jFile}`,
      '-cp',
      `${options.libs}/*`,
      options.mainClass,
      ...options.args,
    ],
    env: { ...process.env },
  };
}

/**
 * `<node> <nodeArgs> packages/cli/bin/sluice.mjs <args>` with SLUICE_NODE set to that same node,
 * so the launcher runs the worker in its own process (the spawned pid is the worker), and
 * SLUICE_LOG_LEVEL.
 */
export function sluiceCommand(options: {
  node: string;
  nodeArgs?: string[];
  args: string[];
  logLevel: string;
}): Command {
  return {
    cmd: options.node,
    args: [...(options.nodeArgs ?? []), sluiceBin, ...options.args],
    // JSON lines, which the benchmarks read (the text layout is for people).
    env: {
      ...process.env,
      SLUICE_NODE: options.node,
      SLUICE_LOG_LEVEL: options.logLevel,
      SLUICE_LOG_FORMAT: 'json',
    },
  };
}

/** Node flags that write a V8 CPU profile into `dir` (named `name` when given). */
export const cpuProfArgs = (dir: string, name?: string): string[] => [
  '--cpu-prof',
  `--cpu-prof-dir=${dir}`,
  ...(name === undefined ? [] : [`--cpu-prof-name=${name}`]),
];

/** The end offset of partition 0 of `topic` (ListOffsets latest). */
export async function endOffset(client: LogClient, topic: string): Promise<number> {
  const [listed] = await client.listOffsets([{ topic, partition: 0 }], 'latest');
  if (listed === undefined) throw new Error(`no end offset for ${topic}`);
  return listed.offset;
}
