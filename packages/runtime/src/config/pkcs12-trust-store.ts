/**
 * PKCS12 trust stores (`ssl.truststore.type=PKCS12`): the CA certificates of a PKCS12 file, as PEM.
 *
 * Node.js reads a PKCS12 bundle only through `pfx`, which needs a private key in it; a trust store
 * (made by `keytool -importcert -storetype PKCS12` or `openssl pkcs12 -export -nokeys`) has none.
 * The file is read with node-forge, which knows the encryptions Java and OpenSSL use for
 * certificate bags (PBES2 with AES, and the legacy 3DES and RC2-40 schemes), and checks the
 * file's MAC against the password.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ConfigError } from '@sluice/api';
import type forgeModule from 'node-forge';

// node-forge (~8 MB of RSS) is loaded when a PKCS12 trust store is first read, not with the worker.
let loadedForge: typeof forgeModule | undefined;
const nodeForge = (): typeof forgeModule =>
  (loadedForge ??= createRequire(import.meta.url)('node-forge') as typeof forgeModule);

/**
 * The certificates of a PKCS12 trust store, PEM-encoded.
 * @param keyPrefix prefix of the keys named in errors (`''`, `listeners.https.`, ...)
 * @throws ConfigError naming `<prefix>ssl.truststore.location` (a missing or unreadable file, or no
 *   certificate in it) or `<prefix>ssl.truststore.password` (a wrong password)
 */
export function readPkcs12TrustStore(
  location: string,
  password: string | undefined,
  keyPrefix = '',
): string[] {
  const locationKey = `${keyPrefix}ssl.truststore.location`;
  let bytes: Buffer;
  try {
    bytes = readFileSync(location);
  } catch (err) {
    throw new ConfigError(
      `Invalid value ${location} for configuration ${locationKey}: Failed to load the trust store: ${(err as Error).message}`,
      { key: locationKey, value: location },
    );
  }
  const forge = nodeForge();
  let p12: forgeModule.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(bytes.toString('binary')));
    // Java's and OpenSSL's stores are password-protected; an unset password is the empty one.
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password ?? '');
  } catch (err) {
    const message = (err as Error).message;
    const wrongPassword =
      /mac|password|decrypt|invalid/i.test(message) && !/too few bytes|parse/i.test(message);
    const key = wrongPassword ? `${keyPrefix}ssl.truststore.password` : locationKey;
    throw new ConfigError(
      `Invalid value for configuration ${key}: cannot read the PKCS12 trust store ${location}: ${message}` +
        (wrongPassword ? ' (is the password right?)' : ''),
      { key },
    );
  }
  const pems: string[] = [];
  for (const bag of p12.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? []) {
    if (bag.cert !== undefined && bag.cert !== null) pems.push(forge.pki.certificateToPem(bag.cert));
    else if (bag.asn1 !== undefined) {
      // A certificate forge cannot model (an EC or Ed25519 key): keep its DER as it is.
      const der = Buffer.from(forge.asn1.toDer(bag.asn1).getBytes(), 'binary');
      pems.push(
        `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`,
      );
    }
  }
  if (pems.length === 0) {
    throw new ConfigError(
      `Invalid value ${location} for configuration ${locationKey}: the PKCS12 trust store holds no certificate`,
      { key: locationKey, value: location },
    );
  }
  return pems;
}
