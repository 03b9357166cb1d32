/**
 * Config providers: `config.providers` on the worker and `${provider:[path:]key}` variables in
 * worker properties and connector configs (Kafka's KIP-297 / KIP-421 behaviour).
 *
 * ## Wiring (for the worker / herder)
 *
 * 1. **Worker properties.** Before `new WorkerConfig(props)`, `bootstrapWorker` (in
 *    `herder/worker-bootstrap.ts`) does what Kafka does: load `plugin.path` from the RAW
 *    properties, so plugin packages can bring providers (`configprovider` manifest entries), then
 *    resolve the properties through the built-ins and those:
 *    ```ts
 *    const { plugins, providers: registry, resolved } = await bootstrapWorker(rawProps, { logger, plugins });
 *    const config = new WorkerConfig(resolved.data);
 *    ```
 *    (`resolveWorkerProperties` logs Kafka's warning when `plugin.path` itself used a variable.)
 *    Log the worker config with `redactResolvedConfig(resolved, WORKER_CONFIG_DEF)`.
 * 2. **The worker's providers.** Once per worker, from the resolved properties:
 *    ```ts
 *    const transformer = await WorkerConfigTransformer.create(resolved.data, registry, {
 *      logger,
 *      restartConnector: (name) => herder.restartConnector(name), // connector only, as Kafka
 *    });
 *    ```
 *    and `await transformer.close()` when the worker stops (cancels TTL timers, closes providers).
 * 3. **Connector and task configs.** Store and return the RAW config everywhere (config store,
 *    `GET /connectors/{c}`, `/config`, `/tasks`, `?expand=info`). Resolve only to run or validate:
 *    - starting a connector or task: `const { data } = await transformer.transform(raw, connectorName)`
 *      and hand `data` to the plugin (this also schedules the TTL restart);
 *    - `PUT .../config/validate` and the validation inside `PUT /connectors/{c}/config`:
 *      `await transformer.transform(raw)` (no name: no restart scheduled), validate `data`;
 *    - after `connector.taskConfigs()`: store `reverseTransform(rawConnectorConfig, taskConfigs)`,
 *      so a resolved secret the connector copied into a task config is stored as its `${...}`;
 *    - on connector deletion: `transformer.cancelReloads(name)`.
 * 4. **Logs.** Log a resolved config as `redactResolvedConfig(result, configDef)`; mask free text
 *    that may quote a value with `maskResolvedValues(text, resolvedValues(result))`.
 */

export { ALLOWED_PATHS_CONFIG, ALLOWED_PATHS_DOC, AllowedPaths } from './allowed-paths.ts';
export { NOT_CONFIGURED_MESSAGE } from './config-provider.ts';
export {
  BUILTIN_CONFIG_PROVIDERS,
  builtinConfigProviders,
  ConfigProviderRegistry,
  configProvidersOf,
} from './config-provider-registry.ts';
export type {
  ConfigTransformerOptions,
  ConfigTransformResult,
  ConfigVariable,
  UnresolvedVariable,
} from './config-transformer.ts';
export {
  CONFIG_VARIABLE_PATTERN,
  ConfigTransformer,
  configVariables,
  hasConfigVariables,
  keysWithVariableValues,
  reverseTransform,
} from './config-transformer.ts';
export { DirectoryConfigProvider } from './directory-config-provider.ts';
export {
  ALLOWLIST_PATTERN_CONFIG,
  ALLOWLIST_PATTERN_DOC,
  EnvVarConfigProvider,
} from './env-var-config-provider.ts';
export { FileConfigProvider } from './file-config-provider.ts';
export { maskResolvedValues, redactResolvedConfig, resolvedValues } from './redact-resolved.ts';
export type { ConfigProviderSetting, CreateConfigProvidersOptions } from './worker-config-providers.ts';
export {
  CONFIG_PROVIDERS_CONFIG,
  closeConfigProviders,
  configProviderSettings,
  createConfigProviders,
  pluginPathVariableWarning,
  providerClassKey,
  providerParamPrefix,
  resolveWorkerProperties,
} from './worker-config-providers.ts';
export type { WorkerConfigTransformerOptions } from './worker-config-transformer.ts';
export {
  CONFIG_RELOAD_ACTION_CONFIG,
  reloadAction,
  WorkerConfigTransformer,
} from './worker-config-transformer.ts';
