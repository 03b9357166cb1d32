/**
 * Config provider plugin packages on disk, as a user would install them under `plugin.path`: plain
 * JavaScript ESM importing `@sluice/api`, with a `package.json` and a `sluicePlugins` manifest.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `com.example.vault.VaultConfigProvider`: a stand-in for a secrets-manager provider.
 *
 * Parameters (`config.providers.<name>.param.*`):
 * - `token` (required): a `ConfigError` with key `token` when missing, as a real client would refuse;
 * - `value.<key>`: served for variables without a path, `${<name>:<key>}`;
 * - `secrets.file`: a JSON file `{ "<path>": { "<key>": "<value>" } }` read at every `get`, for
 *   variables with a path, `${<name>:<path>:<key>}`; an unreadable file fails the `get`;
 * - `ttl.ms`: the TTL returned with every answer.
 *
 * It counts its instances, `configure` and `close` calls in `globalThis.__vaultProviderEvents`.
 */
const VAULT_PROVIDER = `
import { readFile } from 'node:fs/promises';
import { ConfigError } from '@sluice/api';

const events = (globalThis.__vaultProviderEvents ??= []);

export class VaultConfigProvider {
  static javaClass = 'com.example.vault.VaultConfigProvider';
  #values = null;
  #file = undefined;
  #ttl = undefined;

  constructor() {
    events.push('new');
  }

  configure(configs) {
    events.push('configure');
    if (configs.token === undefined) {
      throw new ConfigError('Missing required configuration "token" which has no default value.', { key: 'token' });
    }
    const values = new Map();
    for (const [key, value] of Object.entries(configs)) {
      if (key.startsWith('value.')) values.set(key.slice('value.'.length), value);
    }
    this.#values = values;
    this.#file = configs['secrets.file'];
    this.#ttl = configs['ttl.ms'] === undefined ? undefined : Number(configs['ttl.ms']);
  }

  async get(path, keys) {
    if (this.#values === null) throw new Error('not configured');
    let source = this.#values;
    if (path !== '') {
      if (this.#file === undefined) return { data: new Map() };
      const all = JSON.parse(await readFile(this.#file, 'utf8'));
      source = new Map(Object.entries(all[path] ?? {}));
    }
    const data = new Map();
    for (const key of keys ?? source.keys()) {
      if (source.has(key)) data.set(key, source.get(key));
    }
    return { data, ttl: this.#ttl };
  }

  close() {
    events.push('close');
  }
}

export const sluicePlugins = [{ type: 'configprovider', plugin: VaultConfigProvider }];
`;

/** What the vault provider's instances did, in order: `new`, `configure`, `close`. */
export function vaultProviderEvents(): string[] {
  const holder = globalThis as { __vaultProviderEvents?: string[] };
  holder.__vaultProviderEvents ??= [];
  return holder.__vaultProviderEvents;
}

/** `com.example.vault.VaultConfigProvider` under its Kafka-style names. */
export const VAULT_PROVIDER_CLASS = 'com.example.vault.VaultConfigProvider';

/**
 * Writes, under `root`, the `vault-config-provider` package and two broken packages: one whose
 * entry module throws when imported, one whose manifest lacks `sluicePlugins`. Returns `root`,
 * ready to be the worker's `plugin.path`.
 */
export async function writeProviderPlugins(root: string): Promise<string> {
  await writePackage(root, 'vault-config-provider', '2.1.0', VAULT_PROVIDER);
  await writePackage(
    root,
    'exploding-plugin',
    '0.0.1',
    "throw new Error('this plugin cannot be loaded');\nexport const sluicePlugins = [];\n",
  );
  await writePackage(root, 'no-manifest-plugin', '0.0.1', 'export const plugins = [];\n');
  return root;
}

async function writePackage(root: string, name: string, version: string, source: string): Promise<void> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name, version, type: 'module', exports: { '.': { import: './index.mjs' } } }),
  );
  await writeFile(join(dir, 'index.mjs'), source);
}
