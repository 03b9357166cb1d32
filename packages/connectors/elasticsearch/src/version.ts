import { createRequire } from 'node:module';

/**
 * This package's version, read from its package.json (one level above both `src/` and `dist/`), so
 * `version()` of the connectors and tasks always reports the version that is installed.
 */
export const VERSION: string = (createRequire(import.meta.url)('../package.json') as { version: string })
  .version;
