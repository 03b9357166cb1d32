/**
 * The config provider contract (`ConfigProvider`, `ConfigData`, `ConfigProviderClass`) is public:
 * it lives in `@sluice/api` so plugin packages can implement it. What stays here is runtime-internal.
 */

/** Kafka's `IllegalStateException("The provider has not been configured yet.")`. */
export const NOT_CONFIGURED_MESSAGE = 'The provider has not been configured yet.';
