import forge from 'node-forge';

/**
 * The certificates of a PKCS#12 trust store, as PEM. Node's TLS reads a PKCS#12 file only when it
 * holds a private key, and a trust store holds none, so its certificate bags are read with
 * node-forge: it knows the encryptions Java and OpenSSL use for certificate bags (PBES2 with AES,
 * and the legacy 3DES and RC2-40 schemes) and checks the file's integrity MAC against the password.
 * An empty password is the unset one.
 * @throws Error for bytes that are no PKCS#12 file, a wrong password, or a store without certificates
 */
export function pkcs12Certificates(pfx: Buffer, password: string): string[] {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(pfx.toString('binary')));
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
  } catch (err) {
    const message = (err as Error).message;
    const wrongPassword =
      /mac|password|decrypt|invalid/i.test(message) && !/too few bytes|parse/i.test(message);
    throw new Error(wrongPassword ? `${message} (is the password right?)` : message, { cause: err });
  }
  const certBag = forge.pki.oids.certBag!;
  const pems: string[] = [];
  for (const bag of p12.getBags({ bagType: certBag })[certBag] ?? []) {
    if (bag.cert !== undefined && bag.cert !== null) pems.push(forge.pki.certificateToPem(bag.cert));
    else if (bag.asn1 !== undefined) {
      // A certificate forge cannot model (an EC or Ed25519 key): keep its DER as it is.
      const der = Buffer.from(forge.asn1.toDer(bag.asn1).getBytes(), 'binary');
      pems.push(
        `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`,
      );
    }
  }
  if (pems.length === 0) throw new Error('the PKCS12 store holds no certificate');
  return pems;
}
