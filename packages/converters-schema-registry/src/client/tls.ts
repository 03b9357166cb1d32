import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { ConfigError } from '@sluice/api';
import { pkcs12Certificates } from './pkcs12.ts';

/**
 * TLS settings for HTTPS registries, as plain data (they travel to the helper thread that makes
 * the requests): trusted CAs, the client's key and certificate, whether to check the host name.
 */
export interface RegistryTls {
  readonly ca?: string;
  readonly key?: string;
  readonly cert?: string;
  readonly pfx?: Buffer;
  readonly passphrase?: string;
  /** `schema.registry.ssl.endpoint.identification.algorithm` set to the empty string. */
  readonly skipHostnameCheck: boolean;
}

/** Confluent's client TLS keys: Kafka's `ssl.*` names under `schema.registry.`. */
export const REGISTRY_SSL_KEYS = [
  'schema.registry.ssl.truststore.location',
  'schema.registry.ssl.truststore.password',
  'schema.registry.ssl.truststore.type',
  'schema.registry.ssl.truststore.certificates',
  'schema.registry.ssl.keystore.location',
  'schema.registry.ssl.keystore.password',
  'schema.registry.ssl.keystore.type',
  'schema.registry.ssl.key.password',
  'schema.registry.ssl.keystore.key',
  'schema.registry.ssl.keystore.certificate.chain',
  'schema.registry.ssl.endpoint.identification.algorithm',
  'schema.registry.ssl.protocol',
  'schema.registry.ssl.enabled.protocols',
] as const;

const P = 'schema.registry.ssl.';

function read(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw ConfigError.invalidValue(key, path, `Failed to load the file: ${(err as Error).message}`);
  }
}

/**
 * The TLS settings from `schema.registry.ssl.*` (PEM or PKCS12 stores, or PEM text in
 * `...truststore.certificates` / `...keystore.key` + `...keystore.certificate.chain`), or null
 * when none is set. Everything is loaded and checked now: a missing file, a wrong password or
 * a JKS store is a ConfigError naming the key; no secret appears in a message.
 */
export function registryTls(get: (key: string) => string | undefined): RegistryTls | null {
  const value = (name: string): string | undefined => {
    const v = get(`${P}${name}`)?.trim();
    return v === undefined || v === '' ? undefined : v;
  };
  const tls: {
    ca?: string;
    key?: string;
    cert?: string;
    pfx?: Buffer;
    passphrase?: string;
    skipHostnameCheck: boolean;
  } = {
    skipHostnameCheck: get(`${P}endpoint.identification.algorithm`)?.trim() === '',
  };
  let any = tls.skipHostnameCheck;

  const trustCerts = value('truststore.certificates');
  const trustLocation = value('truststore.location');
  const trustType = (value('truststore.type') ?? 'JKS').toUpperCase();
  if (trustCerts !== undefined) tls.ca = trustCerts;
  else if (trustLocation !== undefined) {
    const bytes = read(`${P}truststore.location`, trustLocation);
    if (trustType === 'PEM') tls.ca = bytes.toString('utf8');
    else if (trustType === 'PKCS12') {
      try {
        tls.ca = pkcs12Certificates(bytes, get(`${P}truststore.password`) ?? '').join('');
      } catch (err) {
        throw ConfigError.invalidValue(
          `${P}truststore.location`,
          trustLocation,
          `cannot read the PKCS12 trust store: ${(err as Error).message}`,
        );
      }
    } else {
      throw ConfigError.invalidValue(
        `${P}truststore.type`,
        trustType,
        'Sluice reads PEM and PKCS12 trust stores; convert a JKS store with `keytool -importkeystore -deststoretype PKCS12`',
      );
    }
  }
  if (tls.ca !== undefined) any = true;

  const keyPem = value('keystore.key');
  const chain = value('keystore.certificate.chain');
  const keyLocation = value('keystore.location');
  const keyType = (value('keystore.type') ?? 'JKS').toUpperCase();
  const keyPassword = get(`${P}key.password`) ?? get(`${P}keystore.password`);
  if (keyPem !== undefined) {
    tls.key = keyPem;
    if (chain !== undefined) tls.cert = chain;
    if (keyPassword !== undefined && keyPassword !== '') tls.passphrase = keyPassword;
    any = true;
  } else if (keyLocation !== undefined) {
    const bytes = read(`${P}keystore.location`, keyLocation);
    if (keyType === 'PEM') {
      tls.key = bytes.toString('utf8');
      tls.cert = tls.key;
      if (keyPassword !== undefined && keyPassword !== '') tls.passphrase = keyPassword;
    } else if (keyType === 'PKCS12') {
      tls.pfx = bytes;
      tls.passphrase = get(`${P}keystore.password`) ?? '';
    } else {
      throw ConfigError.invalidValue(
        `${P}keystore.type`,
        keyType,
        'Sluice reads PEM and PKCS12 key stores; convert a JKS store with `keytool -importkeystore -deststoretype PKCS12`',
      );
    }
    any = true;
  }
  if (!any) return null;
  try {
    createSecureContext({
      ...(tls.ca === undefined ? {} : { ca: tls.ca }),
      ...(tls.key === undefined ? {} : { key: tls.key }),
      ...(tls.cert === undefined ? {} : { cert: tls.cert }),
      ...(tls.pfx === undefined ? {} : { pfx: tls.pfx }),
      ...(tls.passphrase === undefined ? {} : { passphrase: tls.passphrase }),
    });
  } catch (err) {
    const message = (err as Error).message;
    const key =
      tls.pfx !== undefined
        ? 'keystore.password'
        : keyPem !== undefined || keyLocation !== undefined
          ? /cert|x509|PEM/i.test(message) && !/key/i.test(message)
            ? keyPem !== undefined
              ? 'keystore.certificate.chain'
              : 'keystore.location'
            : 'key.password'
          : trustCerts !== undefined
            ? 'truststore.certificates'
            : 'truststore.location';
    throw new ConfigError(
      `Invalid value for configuration ${P}${key}: cannot load the schema registry TLS settings: ${message}`,
      { key: `${P}${key}` },
    );
  }
  return tls;
}
