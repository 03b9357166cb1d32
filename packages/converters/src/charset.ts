import { TextDecoder } from 'node:util';

/**
 * Character sets by Java name (`java.nio.charset.Charset.forName`), for `converter.encoding`.
 * Strings are encoded as Java's `String.getBytes(charset)` does and decoded as `new String(bytes,
 * charset)`: malformed input decodes to U+FFFD, and a character the charset cannot hold encodes
 * as `?` (U+FFFD in the UTF-16 family, whose replacement it is in Java).
 *
 * Supported: UTF-8, UTF-16 (big-endian with a byte-order mark; decoding honours a mark),
 * UTF-16BE, UTF-16LE, ISO-8859-1, US-ASCII with their Java aliases, and the single-byte charsets
 * of the WHATWG Encoding Standard that Node's TextDecoder knows under their usual labels
 * (windows-1250 … windows-1258, ISO-8859-2 … ISO-8859-16, KOI8-R, KOI8-U, IBM866, …). Multi-byte
 * legacy charsets (Shift_JIS, GBK, Big5, EUC-*) are not: Node can decode but not encode them.
 */
export interface Charset {
  /** The canonical name. */
  readonly name: string;
  encode(text: string): Uint8Array;
  decode(bytes: Uint8Array): string;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Java encodes an unpaired surrogate as `?` in UTF-8 and the single-byte charsets. */
function withoutLoneSurrogates(text: string): string {
  return text.isWellFormed() ? text : text.replace(/\p{Surrogate}/gu, '?');
}

const UTF_8: Charset = {
  name: 'UTF-8',
  encode: (text) => Buffer.from(withoutLoneSurrogates(text), 'utf8'),
  // Buffer keeps a leading byte-order mark, as Java does.
  decode: (bytes) => asBuffer(bytes).toString('utf8'),
};

function swapPairs(buf: Buffer): Buffer {
  return buf.swap16();
}

function utf16(name: string, order: 'BE' | 'LE' | 'MARKED'): Charset {
  const decoders = {
    BE: new TextDecoder('utf-16be', { ignoreBOM: true }),
    LE: new TextDecoder('utf-16le', { ignoreBOM: true }),
  };
  return {
    name,
    encode(text) {
      if (text.length === 0) return new Uint8Array(0);
      const le = Buffer.from(text.toWellFormed(), 'utf16le');
      if (order === 'LE') return le;
      const be = swapPairs(le);
      return order === 'BE' ? be : Buffer.concat([Buffer.from([0xfe, 0xff]), be]);
    },
    decode(bytes) {
      if (order !== 'MARKED') return decoders[order].decode(bytes);
      if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff)
        return decoders.BE.decode(bytes.subarray(2));
      if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe)
        return decoders.LE.decode(bytes.subarray(2));
      return decoders.BE.decode(bytes);
    },
  };
}

/** A charset of the first `limit` code points, one byte each (ISO-8859-1: 256, US-ASCII: 128). */
function firstCodePoints(name: string, limit: number): Charset {
  return {
    name,
    encode(text) {
      const out = new Uint8Array(text.length);
      let n = 0;
      for (const ch of text) {
        const cp = ch.codePointAt(0)!;
        out[n++] = cp < limit ? cp : 0x3f;
      }
      return out.subarray(0, n);
    },
    decode(bytes) {
      if (limit === 256) return asBuffer(bytes).toString('latin1');
      let s = '';
      for (const b of bytes) s += b < limit ? String.fromCharCode(b) : '\uFFFD';
      return s;
    },
  };
}

/**
 * A single-byte charset from the TextDecoder's table, with the reverse table for encoding; with
 * `c1Controls`, bytes 0x80-0x9F map to U+0080-U+009F instead.
 */
function singleByte(name: string, decoder: TextDecoder, c1Controls = false): Charset {
  const all = new Uint8Array(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  let table = decoder.decode(all);
  if (c1Controls) {
    let c1 = '';
    for (let i = 0x80; i < 0xa0; i++) c1 += String.fromCharCode(i);
    table = table.slice(0, 0x80) + c1 + table.slice(0xa0);
  }
  const reverse = new Map<number, number>();
  for (let i = 0; i < table.length; i++) {
    const cp = table.charCodeAt(i);
    if (cp !== 0xfffd && !reverse.has(cp)) reverse.set(cp, i);
  }
  return {
    name,
    encode(text) {
      const out = new Uint8Array(text.length);
      let n = 0;
      for (const ch of text) out[n++] = reverse.get(ch.codePointAt(0)!) ?? 0x3f;
      return out.subarray(0, n);
    },
    decode(bytes) {
      if (!c1Controls) return decoder.decode(bytes);
      let out = '';
      for (const b of bytes) out += table[b]!;
      return out;
    },
  };
}

const ISO_8859_1 = firstCodePoints('ISO-8859-1', 256);
const US_ASCII = firstCodePoints('US-ASCII', 128);
const UTF_16 = utf16('UTF-16', 'MARKED');
const UTF_16BE = utf16('UTF-16BE', 'BE');
const UTF_16LE = utf16('UTF-16LE', 'LE');

/** Java's names and aliases for the charsets implemented here, lower-cased. */
const JAVA_NAMES: ReadonlyMap<string, Charset> = new Map(
  (
    [
      [UTF_8, ['utf-8', 'utf8', 'unicode-1-1-utf-8']],
      [UTF_16, ['utf-16', 'utf_16', 'utf16', 'unicode', 'unicodebig']],
      [UTF_16BE, ['utf-16be', 'utf_16be', 'iso-10646-ucs-2', 'x-utf-16be', 'unicodebigunmarked']],
      [UTF_16LE, ['utf-16le', 'utf_16le', 'x-utf-16le', 'unicodelittleunmarked']],
      [
        ISO_8859_1,
        [
          'iso-8859-1',
          'iso8859-1',
          'iso8859_1',
          'iso_8859_1',
          'iso_8859-1',
          'iso_8859-1:1987',
          '8859_1',
          'iso-ir-100',
          'latin1',
          'l1',
          'ibm819',
          'ibm-819',
          'cp819',
          '819',
          'csisolatin1',
        ],
      ],
      [
        US_ASCII,
        [
          'us-ascii',
          'ascii',
          'ascii7',
          'us',
          'default',
          'iso646-us',
          'iso_646.irv:1991',
          'iso_646.irv:1983',
          'ansi_x3.4-1968',
          'ansi_x3.4-1986',
          'iso-ir-6',
          'cp367',
          'ibm367',
          '646',
          'csascii',
        ],
      ],
    ] as const
  ).flatMap(([charset, names]) => names.map((n) => [n, charset] as const)),
);

const SINGLE_BYTE_ENCODINGS = new Set([
  'ibm866',
  'iso-8859-2',
  'iso-8859-3',
  'iso-8859-4',
  'iso-8859-5',
  'iso-8859-6',
  'iso-8859-7',
  'iso-8859-8',
  'iso-8859-8-i',
  'iso-8859-10',
  'iso-8859-13',
  'iso-8859-14',
  'iso-8859-15',
  'iso-8859-16',
  'koi8-r',
  'koi8-u',
  'macintosh',
  'windows-874',
  'windows-1250',
  'windows-1251',
  'windows-1252',
  'windows-1253',
  'windows-1254',
  'windows-1255',
  'windows-1256',
  'windows-1257',
  'windows-1258',
  'x-mac-cyrillic',
]);

/** The ISO charsets WHATWG decodes as a Windows superset, by that superset. */
const ISO_SUBSETS: Readonly<Record<string, string>> = {
  'windows-1254': 'ISO-8859-9',
  'windows-874': 'TIS-620',
};
/** Labels that do mean those Windows code pages. */
const WINDOWS_LABELS = new Set(['windows-1254', 'cp1254', 'x-cp1254', 'windows-874', 'dos-874']);

const cache = new Map<string, Charset>();

/**
 * The charset with this Java name or alias (case-insensitive), or a reason why it is not supported.
 */
export function charsetForName(name: string): Charset | { unsupported: string } {
  const key = name.trim().toLowerCase();
  const known = JAVA_NAMES.get(key) ?? cache.get(key);
  if (known !== undefined) return known;
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(key, { ignoreBOM: true });
  } catch {
    return { unsupported: 'Unsupported encoding' };
  }
  const encoding = decoder.encoding;
  if (encoding === 'utf-8') return UTF_8;
  if (encoding === 'utf-16le' || encoding === 'utf-16be') {
    // WHATWG reads "utf-16" and "unicode" as little-endian; Java's are handled above.
    return encoding === 'utf-16le' ? UTF_16LE : UTF_16BE;
  }
  if (!SINGLE_BYTE_ENCODINGS.has(encoding)) {
    return { unsupported: `Unsupported encoding: ${encoding} can be decoded but not encoded here` };
  }
  // WHATWG reads the ISO-8859-9 and ISO-8859-11 labels (latin5, tis-620, ...) as their Windows
  // supersets; Java does not, so for those labels bytes 0x80-0x9F are the C1 controls again.
  const iso = ISO_SUBSETS[encoding] !== undefined && !WINDOWS_LABELS.has(key);
  const charset = singleByte(iso ? ISO_SUBSETS[encoding]! : encoding, decoder, iso);
  cache.set(key, charset);
  return charset;
}

/** UTF-8, as Java's `String.getBytes(UTF_8)` / `new String(bytes, UTF_8)`. */
export const UTF8: Charset = UTF_8;
