// Reading legacy Word (.doc) containers: the OLE2 compound file (via `cfb`), the FIB flags that
// say whether the document is encrypted, and the SummaryInformation property set (title, author,
// page count), whose 8-bit strings are in the codepage named by property 1 ([MS-OLEPS]).
import CFB from 'cfb';
import iconv from 'iconv-lite';

export type CfbContainer = CFB.CFB$Container;

export function readCfb(bytes: Buffer): CfbContainer {
  return CFB.read(bytes, { type: 'buffer' });
}

export function streamOf(cfb: CfbContainer, name: string): Buffer | null {
  const entry = CFB.find(cfb, name);
  if (!entry || entry.type !== 2 || !entry.content) return null;
  return Buffer.from(entry.content as Uint8Array);
}

export interface FibInfo {
  /** nFib: 101–105 Word 6/95, 193+ Word 97 and later. */
  nFib: number;
  encrypted: boolean;
}

/** The start of the FIB ([MS-DOC] 2.5.2 FibBase); null if the WordDocument stream is not a Word FIB. */
export function readFib(wordDocument: Buffer): FibInfo | null {
  // 0xA5EC: Word 97 and later; 0xA5DC: Word 6 and Word 95 (LibreOffice reads both).
  if (wordDocument.length < 12) return null;
  const ident = wordDocument.readUInt16LE(0);
  if (ident !== 0xa5ec && ident !== 0xa5dc) return null;
  const nFib = wordDocument.readUInt16LE(2);
  const flags = wordDocument.readUInt16LE(10);
  // fEncrypted (0x0100); fObfuscated (0x8000) only matters together with fEncrypted (XOR obfuscation).
  return { nFib, encrypted: (flags & 0x0100) !== 0 };
}

export interface SummaryProperties {
  title: string | null;
  author: string | null;
  pageCount: number | null;
  codepage: number | null;
}

const PID_CODEPAGE = 1;
const PIDSI_TITLE = 2;
const PIDSI_AUTHOR = 4;
const PIDSI_PAGECOUNT = 14;
const VT_I2 = 2;
const VT_I4 = 3;
const VT_LPSTR = 0x1e;
const VT_LPWSTR = 0x1f;

function encodingFor(codepage: number | null): string {
  switch (codepage) {
    case null:
      return 'win1252';
    case 1200:
      return 'utf16le';
    case 65001:
      return 'utf8';
    case 936:
      return 'gbk';
    case 950:
      return 'big5';
    case 10000:
      return 'macintosh';
    default: {
      const name = `cp${codepage}`;
      return iconv.encodingExists(name) ? name : 'win1252';
    }
  }
}

function clean(value: string): string | null {
  // eslint-disable-next-line no-control-regex
  const s = value.replace(/\u0000+$/u, '').replace(/[\u0000-\u001f\u007f]/gu, ' ').trim();
  return s === '' ? null : s;
}

/** Parses a `\x05SummaryInformation` stream. Never throws: a damaged stream gives nulls. */
export function parseSummaryInformation(stream: Buffer | null): SummaryProperties {
  const empty: SummaryProperties = { title: null, author: null, pageCount: null, codepage: null };
  if (!stream || stream.length < 48) return empty;
  try {
    if (stream.readUInt16LE(0) !== 0xfffe) return empty;
    const setOffset = stream.readUInt32LE(44);
    if (setOffset + 8 > stream.length) return empty;
    const count = Math.min(stream.readUInt32LE(setOffset + 4), 4096);
    const props = new Map<number, { type: number; at: number }>();
    for (let i = 0; i < count; i++) {
      const at = setOffset + 8 + i * 8;
      if (at + 8 > stream.length) break;
      const id = stream.readUInt32LE(at);
      const off = setOffset + stream.readUInt32LE(at + 4);
      if (off + 4 > stream.length) continue;
      props.set(id, { type: stream.readUInt16LE(off), at: off + 4 });
    }
    const int = (id: number): number | null => {
      const p = props.get(id);
      if (!p || p.at + 4 > stream.length) return null;
      if (p.type === VT_I2) return stream.readUInt16LE(p.at); // codepage 65001 is stored as int16 -535
      if (p.type === VT_I4) return stream.readInt32LE(p.at);
      return null;
    };
    const codepage = int(PID_CODEPAGE);
    const str = (id: number): string | null => {
      const p = props.get(id);
      if (!p || p.at + 4 > stream.length) return null;
      const n = stream.readUInt32LE(p.at);
      if (p.type === VT_LPSTR) {
        const bytes = stream.subarray(p.at + 4, Math.min(stream.length, p.at + 4 + n));
        return clean(iconv.decode(bytes, encodingFor(codepage)));
      }
      if (p.type === VT_LPWSTR) {
        const bytes = stream.subarray(p.at + 4, Math.min(stream.length, p.at + 4 + n * 2));
        return clean(bytes.toString('utf16le'));
      }
      return null;
    };
    const pages = int(PIDSI_PAGECOUNT);
    return {
      title: str(PIDSI_TITLE),
      author: str(PIDSI_AUTHOR),
      pageCount: pages !== null && pages > 0 ? pages : null,
      codepage,
    };
  } catch {
    return empty;
  }
}
