import {
  ConfigError,
  type ConnectRecord,
  type Converter,
  type HeaderConverter,
  type Predicate,
  type Transformation,
} from '@sluice/api';
import { withPrefix } from '../config/properties.ts';
import { StageError } from '../errors/error-handler.ts';
import type { PluginRegistry } from '../plugins/plugin-registry.ts';

/** Key, value and header converters of one task. */
export interface TaskConverters {
  key: Converter;
  value: Converter;
  header: HeaderConverter;
}

/**
 * The converters a connector's tasks use: the connector's `key.converter` / `value.converter` /
 * `header.converter` (with its own `<kind>.converter.*` settings) when it sets one, else the
 * worker's (with the worker's settings), as Kafka's `Worker` does.
 */
export function createConverters(
  plugins: PluginRegistry,
  worker: Readonly<Record<string, string>>,
  connector: Readonly<Record<string, string>>,
): TaskConverters {
  const pick = (key: string) => {
    const fromConnector = connector[key];
    const source = fromConnector !== undefined && fromConnector !== '' ? connector : worker;
    const className = source[key];
    if (className === undefined || className === '')
      throw new ConfigError(`Missing required configuration "${key}" which has no default value.`, { key });
    return { className, props: withPrefix(source, `${key}.`) };
  };
  const k = pick('key.converter');
  const v = pick('value.converter');
  const headerClass =
    connector['header.converter'] ||
    worker['header.converter'] ||
    'org.apache.kafka.connect.storage.SimpleHeaderConverter';
  const headerSource = connector['header.converter'] ? connector : worker;

  const key = instantiate<Converter>(plugins, k.className, 'converter', 'key.converter');
  key.configure(k.props, true);
  const value = instantiate<Converter>(plugins, v.className, 'converter', 'value.converter');
  value.configure(v.props, false);
  const header = instantiate<HeaderConverter>(plugins, headerClass, 'header_converter', 'header.converter');
  header.configure({ ...withPrefix(headerSource, 'header.converter.'), 'converter.type': 'header' });
  return { key, value, header };
}

/** The converter keys of a worker or connector config, with the plugin type each names. */
const CONVERTER_KEYS = [
  ['key.converter', 'converter'],
  ['value.converter', 'converter'],
  ['header.converter', 'header_converter'],
] as const;

/**
 * The converter classes a worker or connector config names (`key.converter`, `value.converter`,
 * `header.converter`) that no plugin of this worker provides, keyed by key, with Kafka's message
 * ("Invalid value X for configuration key.converter: Class X could not be found.") and a hint:
 * the plugin the user probably meant, or the converters there are. Unset keys are not checked.
 */
export function converterClassErrors(
  plugins: PluginRegistry,
  config: Readonly<Record<string, string | null | undefined>>,
): Map<string, string> {
  const errors = new Map<string, string>();
  for (const [key, type] of CONVERTER_KEYS) {
    const raw = config[key];
    if (raw === undefined || raw === null || raw.trim() === '') continue;
    if (plugins.find(raw, [type]) !== undefined) continue;
    errors.set(
      key,
      `Invalid value ${raw} for configuration ${key}: Class ${raw} could not be found. ${hint(plugins, raw, type)}`,
    );
  }
  return errors;
}

/** What to suggest for an unknown converter class `name`. */
function hint(plugins: PluginRegistry, name: string, type: 'converter' | 'header_converter'): string {
  const simple = (s: string) =>
    s
      .trim()
      .slice(s.trim().lastIndexOf('.') + 1)
      .toLowerCase();
  const known = plugins.list([type]);
  const close = known.find((p) => simple(p.className) === simple(name));
  if (close !== undefined) return `Did you mean ${close.className}?`;
  const other = plugins.find(name, [
    'source',
    'sink',
    'transformation',
    'predicate',
    'converter',
    'header_converter',
  ]);
  const what = type === 'converter' ? 'converters' : 'header converters';
  const names = known.map((p) => p.className).join(', ');
  return (
    (other === undefined ? '' : `${other.className} is a ${other.type}, not a ${type.replace('_', ' ')}. `) +
    `The ${what} of this worker: ${names} (\`sluice plugins\` lists every plugin, plugin.path adds more).`
  );
}

/**
 * Refuses a worker whose `key.converter`, `value.converter` or `header.converter` names a class no
 * plugin provides, as Kafka's worker refuses to start.
 * @throws ConfigError naming the first such key, its class and what exists
 */
export function checkWorkerConverters(
  plugins: PluginRegistry,
  props: Readonly<Record<string, string>>,
): void {
  for (const [key, message] of converterClassErrors(plugins, props)) throw new ConfigError(message, { key });
}

function instantiate<T>(
  plugins: PluginRegistry,
  className: string,
  type: 'converter' | 'header_converter' | 'transformation' | 'predicate',
  key: string,
): T {
  const info = plugins.find(className, [type]);
  if (info === undefined) {
    throw ConfigError.invalidValue(key, className, `Class ${className} could not be found.`);
  }
  return new info.plugin() as T;
}

/** One configured transformation with its optional predicate. */
interface ChainStep<R extends ConnectRecord<R>> {
  transform: Transformation<R>;
  predicate: Predicate<R> | null;
  negate: boolean;
}

/**
 * The single message transforms of a connector, applied in order (`TransformationChain`); a
 * step with a predicate runs only on records the predicate accepts (or rejects, with `negate`).
 */
export class TransformationChain<R extends ConnectRecord<R>> {
  readonly #steps: ChainStep<R>[];

  constructor(steps: ChainStep<R>[] = []) {
    this.#steps = steps;
  }

  get isEmpty(): boolean {
    return this.#steps.length === 0;
  }

  /**
   * The transformed record, or null when a transform dropped it. A failure is thrown as a
   * {@link StageError} of stage TRANSFORMATION naming the transform (or predicate) class.
   */
  apply(record: R): R | null {
    let current: R | null = record;
    let step: ChainStep<R> | undefined;
    try {
      for (step of this.#steps) {
        if (step.predicate !== null && step.predicate.test(current) === step.negate) continue;
        current = step.transform.apply(current);
        if (current === null) return null;
      }
    } catch (err) {
      throw new StageError('TRANSFORMATION', className(step?.transform), err);
    }
    return current;
  }

  close(): void {
    for (const step of this.#steps) {
      step.transform.close();
      step.predicate?.close();
    }
  }

  /** Builds the chain from `transforms` / `transforms.<alias>.*` / `predicates.<alias>.*`. */
  static fromConfig<R extends ConnectRecord<R>>(
    plugins: PluginRegistry,
    config: Readonly<Record<string, string>>,
  ): TransformationChain<R> {
    const aliases = list(config.transforms);
    if (aliases.length === 0) return new TransformationChain<R>();
    const predicates = new Map<string, Predicate<R>>();
    for (const alias of list(config.predicates)) {
      const type = config[`predicates.${alias}.type`];
      if (!type)
        throw new ConfigError(
          `Missing required configuration "predicates.${alias}.type" which has no default value.`,
          { key: `predicates.${alias}.type` },
        );
      const predicate = instantiate<Predicate<R>>(plugins, type, 'predicate', `predicates.${alias}.type`);
      predicate.configure(withPrefix(config, `predicates.${alias}.`));
      predicates.set(alias, predicate);
    }
    const steps = aliases.map((alias): ChainStep<R> => {
      const prefix = `transforms.${alias}.`;
      const type = config[`${prefix}type`];
      if (!type)
        throw new ConfigError(`Missing required configuration "${prefix}type" which has no default value.`, {
          key: `${prefix}type`,
        });
      const transform = instantiate<Transformation<R>>(plugins, type, 'transformation', `${prefix}type`);
      const props = withPrefix(config, prefix);
      const predicateAlias = props.predicate;
      const negate = (props.negate ?? 'false').trim().toLowerCase() === 'true';
      delete props.predicate;
      delete props.negate;
      transform.configure(props);
      let predicate: Predicate<R> | null = null;
      if (predicateAlias !== undefined && predicateAlias !== '') {
        predicate = predicates.get(predicateAlias) ?? null;
        if (predicate === null)
          throw ConfigError.invalidValue(`${prefix}predicate`, predicateAlias, 'unknown predicate alias');
      } else if (props.negate !== undefined || config[`${prefix}negate`] !== undefined) {
        throw new ConfigError(`Config ${prefix}negate can only be set when ${prefix}predicate is set`, {
          key: `${prefix}negate`,
        });
      }
      return { transform, predicate, negate };
    });
    return new TransformationChain<R>(steps);
  }
}

function list(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * The errors of a connector's `transforms.<alias>.*` and `predicates.<alias>.*` keys, keyed by the
 * full connector key (Kafka's `ConnectorConfig.enrich` then validate): a missing or unknown
 * `type`, each plugin's own keys checked against its ConfigDef (so a missing required key or an
 * invalid regex names `transforms.<alias>.<key>`), then `configure` run on a trial instance, and
 * `transforms.<alias>.predicate` naming a declared predicate.
 */
export function validateTransformsAndPredicates(
  plugins: PluginRegistry,
  config: Readonly<Record<string, string>>,
): Map<string, string[]> {
  const errors = new Map<string, string[]>();
  const add = (key: string, message: string) => {
    const list = errors.get(key);
    if (list === undefined) errors.set(key, [message]);
    else if (!list.includes(message)) list.push(message);
  };
  const check = (group: 'transforms' | 'predicates', alias: string) => {
    const prefix = `${group}.${alias}.`;
    const typeKey = `${prefix}type`;
    const type = config[typeKey];
    if (type === undefined || type.trim() === '') {
      add(typeKey, `Missing required configuration "${typeKey}" which has no default value.`);
      return;
    }
    const kind = group === 'transforms' ? 'transformation' : 'predicate';
    const info = plugins.find(type, [kind]);
    if (info === undefined) {
      add(typeKey, `Invalid value ${type} for configuration ${typeKey}: Class ${type} could not be found.`);
      return;
    }
    const instance = new info.plugin() as Transformation<never> | Predicate<never>;
    const props = withPrefix(config, prefix);
    delete props.type;
    if (group === 'transforms') {
      delete props.predicate;
      delete props.negate;
    }
    let clean = true;
    for (const [name, value] of instance.config().validateAll(props)) {
      for (const message of value.errorMessages) {
        clean = false;
        add(`${prefix}${name}`, qualify(message, name, prefix));
      }
    }
    if (!clean) return;
    try {
      instance.configure(props);
    } catch (err) {
      const own = err instanceof ConfigError ? err.key : undefined;
      const message = (err as Error).message;
      if (own === undefined) add(typeKey, `${typeKey} ${type}: ${message}`);
      else add(`${prefix}${own}`, qualify(message, own, prefix));
    } finally {
      try {
        instance.close();
      } catch {
        // a trial instance: nothing to release that matters
      }
    }
  };
  const predicateAliases = list(config.predicates);
  for (const alias of list(config.transforms)) {
    check('transforms', alias);
    const prefix = `transforms.${alias}.`;
    const predicate = config[`${prefix}predicate`];
    if (predicate !== undefined && predicate !== '') {
      if (!predicateAliases.includes(predicate))
        add(
          `${prefix}predicate`,
          `Invalid value ${predicate} for configuration ${prefix}predicate: unknown predicate alias (declared in "predicates": ${predicateAliases.join(', ') || 'none'})`,
        );
    } else if (config[`${prefix}negate`] !== undefined) {
      add(`${prefix}negate`, `Config ${prefix}negate can only be set when ${prefix}predicate is set`);
    }
  }
  for (const alias of predicateAliases) check('predicates', alias);
  return errors;
}

/** A plugin's message about its key `name`, naming the connector key `<prefix><name>` instead. */
function qualify(message: string, name: string, prefix: string): string {
  return message
    .replaceAll(`configuration ${name}`, `configuration ${prefix}${name}`)
    .replaceAll(`"${name}"`, `"${prefix}${name}"`);
}

/** The Java class name a plugin instance stands for (its `javaClass`), else its own name. */
export function className(instance: object | undefined): string {
  const ctor = instance?.constructor as { javaClass?: string; name?: string } | undefined;
  return ctor?.javaClass ?? ctor?.name ?? 'unknown';
}
