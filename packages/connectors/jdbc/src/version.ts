/** The version the connectors report (`version()`), Sluice's own. */
export const VERSION = '0.1.0';
