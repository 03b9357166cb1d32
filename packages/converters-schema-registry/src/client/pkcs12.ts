import { createDecipheriv, pbkdf2Sync } from 'node:crypto';

/**
 * The certificates of a PKCS#12 trust store, as PEM. Node's TLS reads a PKCS#12 file only when it
 * holds a private key, and a trust store holds none, so its certificate bags are read here:
 * unencrypted, or encrypted with PBES2 (PBKDF2 with HMAC-SHA1/SHA-256/384/512, AES-CBC), which is
 * what OpenSSL 3 and keytool (JDK 11.0.12 and later) write. Other encryptions (RC2, 3DES) are an
 * error that says how to convert the store. The integrity MAC is not checked: a wrong password
 * shows as a failed decryption.
 */
export function pkcs12Certificates(pfx: Buffer, password: string): string[] {
  const top = sequence(readTlv(pfx, 0), 'the PFX');
  const authSafe = sequence(top[1]!, 'authSafe');
  if (oid(authSafe[0]!) !== DATA) throw new Error('the store is not password-integrity PKCS#12 data');
  const safes = sequence(readTlv(octets(explicit(authSafe[1]!)), 0), 'the authenticated safe');
  const certs: string[] = [];
  for (const info of safes) {
    const parts = sequence(info, 'a content info');
    const type = oid(parts[0]!);
    let contents: Buffer;
    if (type === DATA) contents = octets(explicit(parts[1]!));
    else if (type === ENCRYPTED_DATA) {
      const encrypted = sequence(explicit(parts[1]!), 'encrypted data');
      const eci = sequence(encrypted[1]!, 'encrypted content info');
      const algorithm = sequence(eci[1]!, 'the encryption algorithm');
      const data = eci[2];
      if (data === undefined) continue;
      contents = decrypt(algorithm, implicitOctets(data), password);
    } else continue;
    for (const bag of sequence(readTlv(contents, 0), 'safe contents')) {
      const fields = sequence(bag, 'a safe bag');
      if (oid(fields[0]!) !== CERT_BAG) continue;
      const certBag = sequence(explicit(fields[1]!), 'a certificate bag');
      if (oid(certBag[0]!) !== X509_CERTIFICATE) continue;
      const der = octets(explicit(certBag[1]!));
      const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
      certs.push(`-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`);
    }
  }
  if (certs.length === 0) throw new Error('the store holds no certificate');
  return certs;
}

const DATA = '1.2.840.113549.1.7.1';
const ENCRYPTED_DATA = '1.2.840.113549.1.7.6';
const CERT_BAG = '1.2.840.113549.1.12.10.1.3';
const X509_CERTIFICATE = '1.2.840.113549.1.9.22.1';
const PBES2 = '1.2.840.113549.1.5.13';
const PBKDF2 = '1.2.840.113549.1.5.12';
const PRFS: Record<string, string> = {
  '1.2.840.113549.2.7': 'sha1',
  '1.2.840.113549.2.9': 'sha256',
  '1.2.840.113549.2.10': 'sha384',
  '1.2.840.113549.2.11': 'sha512',
};
const CIPHERS: Record<string, { name: string; keyLength: number }> = {
  '2.16.840.1.101.3.4.1.2': { name: 'aes-128-cbc', keyLength: 16 },
  '2.16.840.1.101.3.4.1.22': { name: 'aes-192-cbc', keyLength: 24 },
  '2.16.840.1.101.3.4.1.42': { name: 'aes-256-cbc', keyLength: 32 },
};

interface Tlv {
  readonly tag: number;
  readonly constructed: boolean;
  readonly value: Buffer;
}

function readTlv(buf: Buffer, offset: number): Tlv & { end: number } {
  if (offset + 2 > buf.length) throw new Error('truncated DER data');
  const tag = buf[offset]!;
  let length = buf[offset + 1]!;
  let pos = offset + 2;
  if (length === 0x80) throw new Error('indefinite-length BER data is not supported');
  if (length > 0x80) {
    const n = length & 0x7f;
    if (n > 4 || pos + n > buf.length) throw new Error('bad DER length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + buf[pos + i]!;
    pos += n;
  }
  if (pos + length > buf.length) throw new Error('truncated DER data');
  return { tag, constructed: (tag & 0x20) !== 0, value: buf.subarray(pos, pos + length), end: pos + length };
}

function children(tlv: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let pos = 0;
  while (pos < tlv.value.length) {
    const child = readTlv(tlv.value, pos);
    out.push(child);
    pos = child.end;
  }
  return out;
}

function sequence(tlv: Tlv, what: string): Tlv[] {
  if (tlv.tag !== 0x30) throw new Error(`${what} is not a DER sequence`);
  return children(tlv);
}

/** The content of an `[n] EXPLICIT` wrapper. */
function explicit(tlv: Tlv): Tlv {
  if ((tlv.tag & 0xc0) !== 0x80 || !tlv.constructed) throw new Error('expected an explicit tagged value');
  return readTlv(tlv.value, 0);
}

function octets(tlv: Tlv): Buffer {
  if (tlv.tag === 0x04) return tlv.value;
  if (tlv.tag === 0x24) return Buffer.concat(children(tlv).map(octets));
  throw new Error('expected an OCTET STRING');
}

/** An `[0] IMPLICIT OCTET STRING`, primitive or constructed. */
function implicitOctets(tlv: Tlv): Buffer {
  return tlv.constructed ? Buffer.concat(children(tlv).map(octets)) : tlv.value;
}

function oid(tlv: Tlv): string {
  if (tlv.tag !== 0x06) throw new Error('expected an OBJECT IDENTIFIER');
  const bytes = tlv.value;
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40];
  let n = 0;
  for (let i = 1; i < bytes.length; i++) {
    n = n * 128 + (bytes[i]! & 0x7f);
    if ((bytes[i]! & 0x80) === 0) {
      parts.push(n);
      n = 0;
    }
  }
  return parts.join('.');
}

function integer(tlv: Tlv): number {
  if (tlv.tag !== 0x02) throw new Error('expected an INTEGER');
  let n = 0;
  for (const b of tlv.value) n = n * 256 + b;
  return n;
}

function decrypt(algorithm: Tlv[], data: Buffer, password: string): Buffer {
  const id = oid(algorithm[0]!);
  if (id !== PBES2) {
    throw new Error(
      `its certificates are encrypted with ${id}, which Sluice does not read (it reads PBES2 with AES); convert the store with \`openssl pkcs12 -in store.p12 -nokeys -out truststore.pem\` and use type PEM`,
    );
  }
  const [kdf, scheme] = sequence(algorithm[1]!, 'PBES2 parameters');
  const kdfParts = sequence(kdf!, 'the key derivation');
  if (oid(kdfParts[0]!) !== PBKDF2) throw new Error('PBES2 without PBKDF2 is not supported');
  const params = sequence(kdfParts[1]!, 'PBKDF2 parameters');
  const salt = octets(params[0]!);
  const iterations = integer(params[1]!);
  let digest = 'sha1';
  for (const p of params.slice(2)) {
    if (p.tag === 0x30) {
      const prf = oid(sequence(p, 'the PRF')[0]!);
      const name = PRFS[prf];
      if (name === undefined) throw new Error(`unknown PBKDF2 PRF ${prf}`);
      digest = name;
    }
  }
  const schemeParts = sequence(scheme!, 'the encryption scheme');
  const cipherId = oid(schemeParts[0]!);
  const cipher = CIPHERS[cipherId];
  if (cipher === undefined) throw new Error(`unknown PBES2 cipher ${cipherId}`);
  const iv = octets(schemeParts[1]!);
  const key = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, cipher.keyLength, digest);
  try {
    const d = createDecipheriv(cipher.name, key, iv);
    return Buffer.concat([d.update(data), d.final()]);
  } catch {
    throw new Error('cannot decrypt its certificates: is the trust store password right?');
  }
}
