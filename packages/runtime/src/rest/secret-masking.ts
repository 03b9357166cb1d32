/**
 * Secrets kept out of REST answers (Sluice's own, opt in with `rest.mask.passwords=true`): every
 * PASSWORD-type value of a connector's config — its plugin's PASSWORD keys, those of the converters,
 * transforms and predicates it names under their prefixes (`value.converter.basic.auth.user.info`,
 * `transforms.x.some.password`), and the Kafka clients'
 * (`producer.override.ssl.key.password`, `consumer.override.sasl.jaas.config`, ...) — is answered
 * as `[hidden]` (Kafka's `Password` text) in connector info, config, create/update answers and task
 * configs. A `[hidden]` value sent back (the GET-edit-PUT round trip, a PATCH, a validate) keeps the
 * stored secret. Config-provider references (`${vault:path:key}`) are not secrets: they are
 * answered as they are, never resolved.
 */
import { BadRequestError } from '@sluice/api';
import { MASK_PASSWORDS_CONFIG } from '../config/rest-security-config.ts';
import type { ConnectorInfo, TaskInfo } from '../herder/entities.ts';
import type { Herder } from '../herder/herder.ts';
import { JAVA_CLIENT_CONFIG_TYPES } from '../log/kafka/java-client-config-types.ts';

/** The worker key that turns masking on. */
export { MASK_PASSWORDS_CONFIG };
/** What a masked value reads. */
export const MASK = '[hidden]';

const CLIENT_OVERRIDE = /^(producer|consumer|admin)\.override\.(.+)$/;
const PROVIDER_REFERENCE = /^\$\{[^}]*\}$/;

/**
 * Masking for one herder: the masking herder, and the same rules for a write the REST layer
 * forwards to another worker (`forwarding.ts`), so that the leader receives the restored secrets
 * and the client sees a masked answer, whatever the leader's own setting.
 */
export interface SecretMasking {
  /** The herder whose answers mask PASSWORD values and whose writes restore masked ones. */
  herder: Herder;
  /** A create/PUT config with the stored secrets put back where `[hidden]` was sent. */
  unmaskConfig(name: string, config: Record<string, string | null>): Promise<Record<string, string | null>>;
  /** A PATCH with the stored secrets put back where `[hidden]` was sent. */
  unmaskPatch(name: string, patch: Record<string, string | null>): Promise<Record<string, string | null>>;
  /** A connector's info with its PASSWORD values masked. */
  maskInfo(info: ConnectorInfo): Promise<ConnectorInfo>;
}

/** Where a connector config names the plugins whose keys it carries under a prefix. */
const CONVERTER_KEYS = ['key.converter', 'value.converter', 'header.converter'] as const;

function aliases(value: string | null | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

/**
 * The plugins a connector config names, each with the prefix its keys carry: the connector itself
 * (no prefix), its converters (`value.converter.`), transforms (`transforms.<alias>.`) and
 * predicates (`predicates.<alias>.`).
 */
function pluginsOf(config: Readonly<Record<string, string | null>>): { prefix: string; plugin: string }[] {
  const out: { prefix: string; plugin: string }[] = [];
  const add = (prefix: string, plugin: string | null | undefined): void => {
    if (typeof plugin === 'string' && plugin.trim() !== '') out.push({ prefix, plugin: plugin.trim() });
  };
  add('', config['connector.class']);
  for (const key of CONVERTER_KEYS) add(`${key}.`, config[key]);
  for (const alias of aliases(config.transforms))
    add(`transforms.${alias}.`, config[`transforms.${alias}.type`]);
  for (const alias of aliases(config.predicates))
    add(`predicates.${alias}.`, config[`predicates.${alias}.type`]);
  return out;
}

/** A herder whose answers mask PASSWORD values and whose writes restore masked ones. */
export function maskSecrets(herder: Herder): Herder {
  return secretMasking(herder).herder;
}

/** {@link SecretMasking} for `herder`. */
export function secretMasking(herder: Herder): SecretMasking {
  const pluginPasswords = new Map<string, Promise<Set<string>>>();
  /** The PASSWORD keys of one plugin's ConfigDef (known through the plugin registry), cached. */
  const passwordKeysOf = (plugin: string): Promise<Set<string>> => {
    let keys = pluginPasswords.get(plugin);
    if (keys === undefined) {
      keys = herder
        .connectorPluginConfig(plugin)
        .then((infos) => new Set(infos.filter((i) => i.type === 'PASSWORD').map((i) => i.name)))
        .catch(() => new Set<string>());
      pluginPasswords.set(plugin, keys);
    }
    return keys;
  };
  /**
   * The full names of the PASSWORD keys of a config: its connector's, and those of its converters,
   * transforms and predicates under their prefixes (`transforms.x.some.password`).
   */
  const secretKeysOf = async (config: Readonly<Record<string, string | null>>): Promise<Set<string>> => {
    const keys = new Set<string>();
    for (const { prefix, plugin } of pluginsOf(config)) {
      for (const k of await passwordKeysOf(plugin)) keys.add(`${prefix}${k}`);
    }
    return keys;
  };
  const isSecret = (plugin: Set<string>, key: string): boolean => {
    if (plugin.has(key)) return true;
    const m = CLIENT_OVERRIDE.exec(key);
    return m !== null && JAVA_CLIENT_CONFIG_TYPES[m[1] as 'producer']?.[m[2]!] === 'PASSWORD';
  };
  /** @param context the config naming the plugins (the connector's, for a task config); default `config` */
  const mask = async <T extends Record<string, string>>(
    config: T,
    context?: Readonly<Record<string, string>>,
  ): Promise<T> => {
    const secrets = await secretKeysOf({ ...context, ...config });
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) {
      out[k] = isSecret(secrets, k) && typeof v === 'string' && !PROVIDER_REFERENCE.test(v.trim()) ? MASK : v;
    }
    return out as T;
  };
  /**
   * Puts the stored secret back wherever `[hidden]` was sent for a PASSWORD key.
   * @param context the config naming the plugins when `config` is a patch (the stored config with the patch)
   */
  const unmask = async (
    name: string | undefined,
    config: Record<string, string | null>,
    context?: Readonly<Record<string, string | null>>,
  ): Promise<Record<string, string | null>> => {
    const masked = Object.entries(config).filter(([, v]) => v === MASK);
    if (masked.length === 0) return config;
    const secrets = await secretKeysOf(context ?? config);
    const secret = masked.filter(([k]) => isSecret(secrets, k));
    if (secret.length === 0) return config;
    let stored: Record<string, string> = {};
    if (name !== undefined && name !== '') {
      try {
        stored = await herder.connectorConfig(name);
      } catch {
        stored = {};
      }
    }
    const out = { ...config };
    for (const [k] of secret) {
      const v = stored[k];
      if (v === undefined) {
        throw new BadRequestError(
          `Connector configuration ${k}: '${MASK}' is how this worker shows a stored secret, and ${name ?? 'this connector'} has none stored for it; send the secret itself`,
        );
      }
      out[k] = v;
    }
    return out;
  };

  const maskInfo = async (info: ConnectorInfo): Promise<ConnectorInfo> => ({
    ...info,
    config: await mask(info.config),
  });
  const unmaskPatch = async (
    name: string,
    patch: Record<string, string | null>,
  ): Promise<Record<string, string | null>> => {
    // The plugins are named by the stored config with the patch over it.
    const stored = await herder.connectorConfig(name).catch(() => ({}) as Record<string, string>);
    return unmask(name, patch, { ...stored, ...patch });
  };

  const overrides: Partial<Herder> = {
    connectorInfo: async (name) => {
      const info = await herder.connectorInfo(name);
      return { ...info, config: await mask(info.config) };
    },
    connectorConfig: async (name) => mask(await herder.connectorConfig(name)),
    taskConfigs: async (name): Promise<TaskInfo[]> => {
      const tasks = await herder.taskConfigs(name);
      const connector = await herder.connectorConfig(name).catch(() => ({}) as Record<string, string>);
      return Promise.all(tasks.map(async (t) => ({ ...t, config: await mask(t.config, connector) })));
    },
    putConnectorConfig: async (name, config, options) => {
      const result = await herder.putConnectorConfig(name, await unmask(name, config), options);
      return { ...result, info: { ...result.info, config: await mask(result.info.config) } };
    },
    patchConnectorConfig: async (name, patch) =>
      maskInfo(await herder.patchConnectorConfig(name, await unmaskPatch(name, patch))),
    validateConnectorConfig: async (config) => {
      const name = typeof config.name === 'string' ? config.name : undefined;
      return herder.validateConnectorConfig(await unmask(name, config));
    },
  };
  const masked = new Proxy(herder, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof Herder];
      const value = Reflect.get(target, prop, target);
      // Methods run on the herder itself (its private fields are not the proxy's).
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    herder: masked,
    unmaskConfig: (name, config) => unmask(name, config),
    unmaskPatch,
    maskInfo,
  };
}
