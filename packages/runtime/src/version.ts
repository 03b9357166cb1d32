import pkg from '../package.json' with { type: 'json' };

/** Sluice's version, reported by `GET /`, `--version` and as the version of built-in plugins. */
export const SLUICE_VERSION: string = pkg.version;
