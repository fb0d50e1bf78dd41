// Reading OLE2 compound files (legacy .doc/.xls/.ppt and the Kingsoft formats) without loading
// them whole: the header, FAT, directory and mini FAT are read with bounds and loop checks
// ([MS-CFB]), then only the prefix of a stream that a check needs. Also: the FIB flags that say
// whether a .doc is encrypted, the XLS FILEPASS record, the PowerPoint encryption token, and the
// SummaryInformation property set, whose 8-bit strings are in the codepage of property 1 ([MS-OLEPS]).
import { open, type FileHandle } from 'node:fs/promises';
import CFB from 'cfb';
import iconv from 'iconv-lite';

export type CfbContainer = CFB.CFB$Container;

/** Whole-buffer parse (the `cfb` package); kept for tests that cross-check the bounded reader. */
export function readCfb(bytes: Buffer): CfbContainer {
  return CFB.read(bytes, { type: 'buffer' });
}

export function streamOf(cfb: CfbContainer, name: string): Buffer | null {
  const entry = CFB.find(cfb, name);
  if (!entry || entry.type !== 2 || !entry.content) return null;
  return Buffer.from(entry.content as Uint8Array);
}

export class CfbError extends Error {}

export interface CfbEntry {
  name: string;
  /** Slash-separated path below the root, e.g. "Macros/VBA/dir". */
  path: string;
  type: 'storage' | 'stream' | 'root';
  size: number;
  start: number;
}

export interface CfbFile {
  entries: CfbEntry[];
  /** The entry at this path (case-insensitive, as [MS-CFB] compares names), or null. */
  find(path: string): CfbEntry | null;
  /** True when a storage or stream of this name exists anywhere in the tree. */
  has(name: string): boolean;
  /** At most `maxBytes` from the start of a stream; throws CfbError on a broken chain. */
  read(entry: CfbEntry, maxBytes: number): Promise<Buffer>;
  close(): Promise<void>;
}

const END_OF_CHAIN = 0xfffffffe;
const FREE_SECT = 0xffffffff;
const MAX_DIR_ENTRIES = 100_000;

/**
 * Opens a compound file by reading its tables only (for a 50 MB file: ~400 KB of FAT). Throws
 * CfbError when the structure is damaged, truncated or loops. Close it when done.
 */
export async function openCfbFile(filePath: string): Promise<CfbFile> {
  const fh = await open(filePath, 'r');
  try {
    return await parseCfb(fh);
  } catch (err) {
    await fh.close();
    throw err instanceof CfbError ? err : new CfbError(err instanceof Error ? err.message : String(err));
  }
}

async function readAt(fh: FileHandle, pos: number, len: number): Promise<Buffer> {
  const buf = Buffer.alloc(len);
  const { bytesRead } = await fh.read(buf, 0, len, pos);
  if (bytesRead < len) throw new CfbError(`short read at ${pos}`);
  return buf;
}

async function parseCfb(fh: FileHandle): Promise<CfbFile> {
  const { size: fileSize } = await fh.stat();
  if (fileSize < 512) throw new CfbError('shorter than a header');
  const h = await readAt(fh, 0, 512);
  if (h.readUInt32LE(0) !== 0xe011cfd0 || h.readUInt32LE(4) !== 0xe11ab1a1) throw new CfbError('not a compound file');
  const shift = h.readUInt16LE(30);
  if (shift !== 9 && shift !== 12) throw new CfbError(`sector shift ${shift}`);
  const sectorSize = 1 << shift;
  const miniShift = h.readUInt16LE(32);
  if (miniShift !== 6) throw new CfbError(`mini sector shift ${miniShift}`);
  const numFat = h.readUInt32LE(44);
  const firstDir = h.readUInt32LE(48);
  const cutoff = h.readUInt32LE(56);
  const firstMiniFat = h.readUInt32LE(60);
  const numMiniFat = h.readUInt32LE(64);
  let difatSector = h.readUInt32LE(68);
  const numDifat = h.readUInt32LE(72);
  const maxSectors = Math.ceil(fileSize / sectorSize); // a sector number beyond this cannot be read
  if (numFat > maxSectors || numDifat > maxSectors || numMiniFat > maxSectors) throw new CfbError('table sizes exceed the file');
  const offsetOf = (sector: number) => (sector + 1) * sectorSize;

  // DIFAT: 109 entries in the header, then a chain of DIFAT sectors.
  const fatSectors: number[] = [];
  for (let i = 0; i < 109 && fatSectors.length < numFat; i++) fatSectors.push(h.readUInt32LE(76 + i * 4));
  for (let n = 0; fatSectors.length < numFat; n++) {
    if (n >= numDifat || difatSector >= maxSectors) throw new CfbError('DIFAT chain too short');
    const d = await readAt(fh, offsetOf(difatSector), sectorSize);
    const per = sectorSize / 4 - 1;
    for (let i = 0; i < per && fatSectors.length < numFat; i++) fatSectors.push(d.readUInt32LE(i * 4));
    difatSector = d.readUInt32LE(per * 4);
  }
  const fat = new Uint32Array((numFat * sectorSize) / 4);
  for (let i = 0; i < fatSectors.length; i++) {
    const s = fatSectors[i]!;
    if (s >= maxSectors) throw new CfbError('FAT sector out of range');
    const b = await readAt(fh, offsetOf(s), sectorSize).catch(() => Buffer.alloc(sectorSize, 0xff)); // a short last sector
    for (let j = 0; j < sectorSize / 4; j++) fat[(i * sectorSize) / 4 + j] = b.readUInt32LE(j * 4);
  }

  /** The sectors of a chain, checked for loops and range. */
  const chain = (start: number, table: Uint32Array, limit: number, maxLen = Infinity): number[] => {
    const out: number[] = [];
    const seen = new Set<number>();
    let s = start;
    while (s !== END_OF_CHAIN && out.length < maxLen) {
      if (s === FREE_SECT || s >= limit || s >= table.length || seen.has(s)) throw new CfbError(`broken chain at ${s}`);
      seen.add(s);
      out.push(s);
      s = table[s]!;
    }
    return out;
  };
  const readChain = async (sectors: number[]): Promise<Buffer> => {
    // Runs of consecutive sectors (the usual layout) are read with one call each.
    const parts: Buffer[] = [];
    for (let i = 0; i < sectors.length; ) {
      let j = i + 1;
      while (j < sectors.length && sectors[j] === sectors[j - 1]! + 1 && j - i < 2048) j++;
      parts.push(await readAt(fh, offsetOf(sectors[i]!), (j - i) * sectorSize));
      i = j;
    }
    return Buffer.concat(parts);
  };

  const dirBytes = await readChain(chain(firstDir, fat, maxSectors, Math.ceil((MAX_DIR_ENTRIES * 128) / sectorSize)));
  interface RawEntry extends CfbEntry {
    left: number;
    right: number;
    child: number;
  }
  const raw: RawEntry[] = [];
  for (let at = 0; at + 128 <= dirBytes.length; at += 128) {
    const nameLen = Math.min(64, dirBytes.readUInt16LE(at + 64));
    const typeByte = dirBytes[at + 66]!;
    const name = dirBytes.subarray(at, at + Math.max(0, nameLen - 2)).toString('utf16le');
    const type = typeByte === 1 ? 'storage' : typeByte === 2 ? 'stream' : typeByte === 5 ? 'root' : null;
    raw.push({
      name,
      path: '',
      type: type ?? 'stream',
      size: dirBytes.readUInt32LE(at + 120) + (sectorSize === 4096 ? dirBytes.readUInt32LE(at + 124) * 2 ** 32 : 0),
      start: dirBytes.readUInt32LE(at + 116),
      left: dirBytes.readUInt32LE(at + 68),
      right: dirBytes.readUInt32LE(at + 72),
      child: dirBytes.readUInt32LE(at + 76),
      ...(type === null ? { name: '' } : {}),
    });
  }
  const root = raw[0];
  if (!root || root.type !== 'root') throw new CfbError('no root entry');
  root.path = '';

  // Walk the red-black trees from the root to give every reachable entry its path.
  const entries: CfbEntry[] = [root];
  const visited = new Set<number>([0]);
  const walk = (id: number, parentPath: string) => {
    const stack = [id];
    while (stack.length) {
      const i = stack.pop()!;
      if (i === FREE_SECT || i >= raw.length) continue;
      if (visited.has(i)) throw new CfbError('directory loop');
      visited.add(i);
      const e = raw[i]!;
      if (e.name === '') continue;
      e.path = parentPath ? `${parentPath}/${e.name}` : e.name;
      entries.push(e);
      stack.push(e.left, e.right);
      if (e.type === 'storage') walk(e.child, e.path);
    }
  };
  walk(root.child, '');

  const miniFat = numMiniFat > 0 ? await readChain(chain(firstMiniFat, fat, maxSectors, numMiniFat)) : Buffer.alloc(0);
  const miniTable = new Uint32Array(miniFat.length / 4);
  for (let i = 0; i < miniTable.length; i++) miniTable[i] = miniFat.readUInt32LE(i * 4);
  let miniStreamSectors: number[] | null = null;

  const byPath = new Map(entries.map((e) => [e.path.toLowerCase(), e]));
  const byName = new Set(entries.map((e) => e.name.toLowerCase()));

  return {
    entries: entries.map(({ name, path, type, size, start }) => ({ name, path, type, size, start })),
    find: (p) => byPath.get(p.toLowerCase()) ?? null,
    has: (n) => byName.has(n.toLowerCase()),
    async read(entry, maxBytes) {
      const want = Math.min(entry.size, maxBytes);
      if (want <= 0) return Buffer.alloc(0);
      if (entry.size < cutoff && entry.type === 'stream') {
        miniStreamSectors ??= chain(root.start, fat, maxSectors);
        const minis = chain(entry.start, miniTable, (miniStreamSectors.length * sectorSize) / 64, Math.ceil(want / 64));
        const parts: Buffer[] = [];
        for (const m of minis) {
          const sector = miniStreamSectors[Math.floor((m * 64) / sectorSize)]!;
          parts.push(await readAt(fh, offsetOf(sector) + ((m * 64) % sectorSize), 64));
        }
        return Buffer.concat(parts).subarray(0, want);
      }
      const sectors = chain(entry.start, fat, maxSectors, Math.ceil(want / sectorSize));
      return (await readChain(sectors)).subarray(0, want);
    },
    close: () => fh.close(),
  };
}

/** XLS: true when the Workbook globals carry a FILEPASS record (the workbook is encrypted), [MS-XLS] 2.4.117. */
export function xlsHasFilePass(workbook: Buffer): boolean {
  // Record headers stay in the clear even in an encrypted stream, so walking them is safe.
  let at = 0;
  for (let n = 0; n < 2000 && at + 4 <= workbook.length; n++) {
    const type = workbook.readUInt16LE(at);
    const len = workbook.readUInt16LE(at + 2);
    if (type === 0x002f) return true; // FILEPASS
    if (type === 0x000a && n > 0) return false; // EOF of the globals substream
    at += 4 + len;
  }
  return false;
}

/** PPT: the Current User stream's headerToken is 0xF3D1C4DF when the presentation is encrypted ([MS-PPT] 2.3.2). */
export function pptIsEncrypted(currentUser: Buffer): boolean {
  return currentUser.length >= 16 && currentUser.readUInt32LE(12) === 0xf3d1c4df;
}

/**
 * PPT: true when the DocumentContainer holds a VBAInfoContainer (a VBA project stored inside the
 * PowerPoint Document stream, [MS-PPT] 2.4.10) that says it has macros. Walks container records only, with bounds.
 */
export function pptHasVba(stream: Buffer): boolean {
  const walk = (from: number, to: number, depth: number): boolean => {
    let at = from;
    while (at + 8 <= to) {
      const verInst = stream.readUInt16LE(at);
      const type = stream.readUInt16LE(at + 2);
      const len = stream.readUInt32LE(at + 4);
      const end = Math.min(to, at + 8 + len);
      // RT_VbaInfo holds a VbaInfoAtom (0x0400) whose fHasMacros (after persistIdRef) says whether it is used.
      if (type === 0x03ff && (verInst & 0x0f) === 0x0f) {
        for (let a = at + 8; a + 16 <= end; ) {
          const atomType = stream.readUInt16LE(a + 2);
          const atomLen = stream.readUInt32LE(a + 4);
          if (atomType === 0x0400 && atomLen >= 8 && stream.readUInt32LE(a + 12) === 1) return true;
          a += 8 + atomLen;
        }
      }
      // Only DocumentContainer (0x03E8) and DocInfoListContainer (0x07D0) can lead to it.
      if ((verInst & 0x0f) === 0x0f && (type === 0x03e8 || type === 0x07d0) && depth < 4 && walk(at + 8, end, depth + 1)) return true;
      at = end;
    }
    return false;
  };
  return walk(0, stream.length, 0);
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
  wordCount: number | null;
  /** PIDSI_APPNAME: which program saved the file ("WPS 文字", "Microsoft Office Word"). */
  appName: string | null;
  codepage: number | null;
}

const PID_CODEPAGE = 1;
const PIDSI_TITLE = 2;
const PIDSI_AUTHOR = 4;
const PIDSI_PAGECOUNT = 14;
const PIDSI_WORDCOUNT = 15;
const PIDSI_APPNAME = 18;
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
  const empty: SummaryProperties = { title: null, author: null, pageCount: null, wordCount: null, appName: null, codepage: null };
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
    const words = int(PIDSI_WORDCOUNT);
    return {
      title: str(PIDSI_TITLE),
      author: str(PIDSI_AUTHOR),
      pageCount: pages !== null && pages > 0 ? pages : null,
      wordCount: words !== null && words >= 0 ? words : null,
      appName: str(PIDSI_APPNAME),
      codepage,
    };
  } catch {
    return empty;
  }
}
