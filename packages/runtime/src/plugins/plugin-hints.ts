/**
 * Hints for people arriving from Kafka Connect with Java-only names: a class Sluice does not
 * provide, a `plugin.path` of jars, a misspelled connector key, a Debezium 1.x key.
 */
import type { ConfigInfos, PluginType } from '@sluice/api';

/** What a hint needs of the plugin registry: its plugins' class names and the names they resolve under. */
export interface ListedPlugins {
  list(
    types: readonly PluginType[],
  ): readonly { readonly className: string; readonly names: readonly string[] }[];
}

const KIND: Record<PluginType, string> = {
  source: 'connectors',
  sink: 'connectors',
  converter: 'converters',
  header_converter: 'header converters',
  transformation: 'transforms',
  predicate: 'predicates',
  configprovider: 'config providers',
};

/** Levenshtein distance, for "did you mean". */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest of `candidates` to `name`, when close enough to be a typo (case ignored). */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 5)) + 1;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * What follows Kafka's "Failed to find any class ..." for a class Sluice does not have: a likely
 * typo, that Java classes do not run here, what Sluice provides instead, and `sluice plugins`.
 */
export function missingPluginHint(
  registry: ListedPlugins,
  name: string,
  types: readonly PluginType[],
): string {
  const plugins = registry.list(types);
  const kind = KIND[types[0] ?? 'source'];
  const parts: string[] = [];
  const typo = closest(
    name.trim(),
    plugins.flatMap((p) => p.names),
  );
  if (typo !== undefined) parts.push(`Did you mean ${typo}?`);
  else if (name.includes('.'))
    parts.push(
      `Sluice runs plugins written for Node.js: a Java class (a jar on plugin.path) cannot run here, and Sluice does not provide ${name.trim()}.`,
    );
  const provided = plugins.map((p) => p.className);
  parts.push(
    `Sluice provides these ${kind}: ${provided.length > 0 ? provided.join(', ') : 'none'}; \`sluice plugins\` (or GET /connector-plugins?connectorsOnly=false) lists every plugin.`,
  );
  return ` ${parts.join(' ')}`;
}

/** Connector keys handed on to clients, drivers or plugins: not warned about unless one looks like a typo. */
const OPEN_PREFIXES = [
  'transforms.',
  'predicates.',
  'producer.override.',
  'consumer.override.',
  'admin.override.',
  'key.converter.',
  'value.converter.',
  'header.converter.',
  'database.',
  'driver.',
  'connection.',
  'errors.',
  'snapshot.',
  'column.',
  'config.action.',
];

/**
 * Warnings for the keys of a connector config that its connector, its converters and the
 * framework do not define (the known keys are those of the validation answer), each with a
 * "did you mean" when a known key is close. Such keys are ignored, as Kafka Connect ignores them.
 */
export function unknownKeyWarnings(
  connector: string,
  config: Readonly<Record<string, string | null>>,
  validation: ConfigInfos,
): string[] {
  const known = new Set(
    validation.configs.flatMap((c) => (c.definition === null ? [] : [c.definition.name])),
  );
  const warnings: string[] = [];
  for (const key of Object.keys(config)) {
    if (known.has(key) || key === 'name') continue;
    const typo = closest(key, known);
    if (typo === undefined && OPEN_PREFIXES.some((p) => key.startsWith(p))) continue;
    let message = `Connector ${connector}: '${key}' is not a known config of ${validation.name} and is ignored.`;
    if (key === 'database.server.name' && known.has('topic.prefix'))
      message += " It is Debezium 1.x's name: since Debezium 2.0 it is topic.prefix.";
    else if (typo !== undefined) message += ` Did you mean '${typo}'?`;
    warnings.push(message);
  }
  return warnings;
}

/** `plugin.path` entries that hold Java jars (and no Node.js plugin package): said once, at start. */
export function javaPluginPathMessage(jarDirs: readonly string[]): string {
  return `plugin.path holds Java plugins (jar files in ${jarDirs.join(', ')}): Java plugins do not run in Sluice, which loads Node.js plugin packages (a package.json exporting sluicePlugins). Run \`sluice plugins\` to see the connectors and converters Sluice provides; see docs/writing-a-connector.md to write one.`;
}
