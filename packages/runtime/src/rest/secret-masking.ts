/**
 * Secrets kept out of REST answers (Sluice's own, opt in with `rest.mask.passwords=true`): every
 * PASSWORD-type value of a connector's config — its plugin's PASSWORD keys and the Kafka clients'
 * (`producer.override.ssl.key.password`, `consumer.override.sasl.jaas.config`, ...) — is answered
 * as `[hidden]` (Kafka's `Password` text) in connector info, config, create/update answers and task
 * configs. A `[hidden]` value sent back (the GET-edit-PUT round trip, a PATCH, a validate) keeps the
 * stored secret. Config-provider references (`${vault:path:key}`) are not secrets: they are
 * answered as they are, never resolved.
 */
import { BadRequestError } from '@sluice/api';
import { MASK_PASSWORDS_CONFIG } from '../config/rest-security-config.ts';
import type { TaskInfo } from '../herder/entities.ts';
import type { Herder } from '../herder/herder.ts';
import { JAVA_CLIENT_CONFIG_TYPES } from '../log/kafka/java-client-config-types.ts';

/** The worker key that turns masking on. */
export { MASK_PASSWORDS_CONFIG };
/** What a masked value reads. */
export const MASK = '[hidden]';

const CLIENT_OVERRIDE = /^(producer|consumer|admin)\.override\.(.+)$/;
const PROVIDER_REFERENCE = /^\$\{[^}]*\}$/;

/** A herder whose answers mask PASSWORD values and whose writes restore masked ones. */
export function maskSecrets(herder: Herder): Herder {
  const pluginPasswords = new Map<string, Promise<Set<string>>>();
  const passwordKeysOf = (connectorClass: string | null | undefined): Promise<Set<string>> => {
    if (connectorClass === undefined || connectorClass === null || connectorClass === '')
      return Promise.resolve(new Set());
    let keys = pluginPasswords.get(connectorClass);
    if (keys === undefined) {
      keys = herder
        .connectorPluginConfig(connectorClass)
        .then((infos) => new Set(infos.filter((i) => i.type === 'PASSWORD').map((i) => i.name)))
        .catch(() => new Set<string>());
      pluginPasswords.set(connectorClass, keys);
    }
    return keys;
  };
  const isSecret = (plugin: Set<string>, key: string): boolean => {
    if (plugin.has(key)) return true;
    const m = CLIENT_OVERRIDE.exec(key);
    return m !== null && JAVA_CLIENT_CONFIG_TYPES[m[1] as 'producer']?.[m[2]!] === 'PASSWORD';
  };
  const mask = async <T extends Record<string, string>>(config: T, connectorClass?: string): Promise<T> => {
    const plugin = await passwordKeysOf(connectorClass ?? config['connector.class']);
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(config)) {
      out[k] = isSecret(plugin, k) && typeof v === 'string' && !PROVIDER_REFERENCE.test(v.trim()) ? MASK : v;
    }
    return out as T;
  };
  /** Puts the stored secret back wherever `[hidden]` was sent for a PASSWORD key. */
  const unmask = async (
    name: string | undefined,
    config: Record<string, string | null>,
    connectorClass?: string | null,
  ): Promise<Record<string, string | null>> => {
    const masked = Object.entries(config).filter(([, v]) => v === MASK);
    if (masked.length === 0) return config;
    const plugin = await passwordKeysOf(connectorClass ?? config['connector.class']);
    const secret = masked.filter(([k]) => isSecret(plugin, k));
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

  const overrides: Partial<Herder> = {
    connectorInfo: async (name) => {
      const info = await herder.connectorInfo(name);
      return { ...info, config: await mask(info.config) };
    },
    connectorConfig: async (name) => mask(await herder.connectorConfig(name)),
    taskConfigs: async (name): Promise<TaskInfo[]> => {
      const tasks = await herder.taskConfigs(name);
      const connectorClass = (await herder.connectorConfig(name).catch(() => ({}) as Record<string, string>))[
        'connector.class'
      ];
      return Promise.all(tasks.map(async (t) => ({ ...t, config: await mask(t.config, connectorClass) })));
    },
    putConnectorConfig: async (name, config, options) => {
      const result = await herder.putConnectorConfig(name, await unmask(name, config), options);
      return { ...result, info: { ...result.info, config: await mask(result.info.config) } };
    },
    patchConnectorConfig: async (name, patch, forward) => {
      const current =
        patch['connector.class'] ??
        (await herder.connectorConfig(name).catch(() => ({}) as Record<string, string>))['connector.class'];
      const info = await herder.patchConnectorConfig(name, await unmask(name, patch, current), forward);
      return { ...info, config: await mask(info.config) };
    },
    validateConnectorConfig: async (config) => {
      const name = typeof config.name === 'string' ? config.name : undefined;
      return herder.validateConnectorConfig(await unmask(name, config));
    },
  };
  return new Proxy(herder, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in overrides) return overrides[prop as keyof Herder];
      const value = Reflect.get(target, prop, target);
      // Methods run on the herder itself (its private fields are not the proxy's).
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
