import { ConnectError } from '@sluice/api';

/**
 * What a {@link LogClient} throws for a call made after `close()`: trying again cannot help, so
 * loops reading through the client (the internal topics' `KafkaBasedLog`) end on it instead of
 * retrying.
 */
export class ClientClosedError extends ConnectError {}
