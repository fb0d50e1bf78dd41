// Packages inside the package: a .docx may carry OLE objects (word/embeddings/*.bin, compound
// files whose streams hold a zip or a file), embedded OOXML (word/embeddings/*.xlsx), alt chunks
// (a whole .docx inside the .docx) and gzip-compressed pictures (.emz/.wmz). LibreOffice opens
// all of them, so each is held to the same bounds as the outer zip (src/conversion/zip.ts): its
// declared sizes checked, then inflated as a counted stream, everything together counting
// towards one total, before LibreOffice sees the file. Only containers are read in full; any
// other part is sniffed by its first bytes and dropped.
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import yauzl from 'yauzl';
import { readCfb } from './ole.js';
import { checkZipBounds, ZipError, type ZipEntryInfo, type ZipLimits } from './zip.js';

/** Containers inside containers deeper than this are refused (real files nest one or two). */
export const MAX_NESTING = 3;

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);
const EOCD_MAGIC = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
/** An OLE packager stream (Ole10Native) puts a short header before the file it carries. */
const PACKAGE_HEADER_SCAN = 4096;

type Kind = 'zip' | 'cfb' | 'gzip' | null;

function kindOf(head: Buffer): Kind {
  if (head.subarray(0, 4).equals(ZIP_MAGIC)) return 'zip';
  if (head.subarray(0, 8).equals(CFB_MAGIC)) return 'cfb';
  if (head.subarray(0, 2).equals(GZIP_MAGIC)) return 'gzip';
  return null;
}

/** Bytes inflated so far, outer package included, against the package total. */
class Budget {
  private total: number;
  constructor(
    readonly limits: ZipLimits,
    alreadyInflated: number,
  ) {
    this.total = alreadyInflated;
  }
  add(bytes: number, where: string): void {
    this.total += bytes;
    if (this.total > this.limits.maxTotalBytes) {
      throw new ZipError('bounds', `${where}: embedded packages inflate beyond ${this.limits.maxTotalBytes} bytes`);
    }
  }
}

function openFile(filePath: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(filePath, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false }, (err, zip) =>
      err || !zip ? reject(new ZipError('corrupt', err?.message ?? 'cannot open zip')) : resolve(zip),
    );
  });
}

function openBuffer(buffer: Buffer, where: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buffer, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false }, (err, zip) =>
      err || !zip ? reject(new ZipError('corrupt', `${where}: embedded package unreadable: ${err?.message ?? ''}`)) : resolve(zip),
    );
  });
}

function entriesOf(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => {
      entries.push(e);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', (err: Error) => reject(new ZipError('corrupt', err.message)));
    zip.readEntry();
  });
}

function streamOf(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => (err || !stream ? reject(new ZipError('corrupt', err?.message ?? 'cannot read entry')) : resolve(stream)));
  });
}

/**
 * Reads an entry: its first bytes say what it is; a container (zip, compound file, gzip) is read
 * in full (at most the entry limit), anything else is dropped after its first chunk.
 */
async function readEntry(stream: Readable, where: string, budget: Budget, counted: boolean): Promise<{ kind: Kind; data: Buffer | null }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let kind: Kind | undefined;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (kind === undefined) {
      kind = kindOf(chunk);
      // Ole10Native and similar wrappers: a zip a few bytes in.
      if (kind === null && chunk.subarray(0, PACKAGE_HEADER_SCAN).includes(ZIP_MAGIC)) kind = 'zip';
      if (kind === null) return { kind, data: null }; // leaving the loop destroys the stream
    }
    size += chunk.length;
    if (size > budget.limits.maxEntryBytes) throw new ZipError('bounds', `${where} inflates beyond ${budget.limits.maxEntryBytes} bytes`);
    // The outer package's own entries were counted from their proven sizes already.
    if (counted) budget.add(chunk.length, where);
    chunks.push(chunk);
  }
  return { kind: kind ?? null, data: kind ? Buffer.concat(chunks) : null };
}

async function countGunzip(data: Buffer, where: string, budget: Budget): Promise<void> {
  const gunzip = createGunzip();
  Readable.from([data]).pipe(gunzip);
  let size = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > budget.limits.maxEntryBytes) throw new ZipError('bounds', `${where} (gzip) inflates beyond ${budget.limits.maxEntryBytes} bytes`);
      budget.add(chunk.length, where);
    }
  } catch (err) {
    if (err instanceof ZipError) throw err;
    // A damaged picture is LibreOffice's to skip, not a bomb.
  } finally {
    gunzip.destroy();
  }
}

/** The zip inside a wrapper: from its first local header to the end of its central directory. */
function carveZip(data: Buffer): Buffer | null {
  const start = data.subarray(0, PACKAGE_HEADER_SCAN).indexOf(ZIP_MAGIC);
  const eocd = data.lastIndexOf(EOCD_MAGIC);
  if (start < 0 || eocd < start || eocd + 22 > data.length) return null;
  return data.subarray(start, eocd + 22 + data.readUInt16LE(eocd + 20));
}

async function walkZip(zip: yauzl.ZipFile, where: string, depth: number, budget: Budget): Promise<void> {
  try {
    const entries = await entriesOf(zip);
    if (depth === 0) budget.add(entries.reduce((n, e) => n + e.uncompressedSize, 0), 'package');
    else {
      // The same declared-size rules as the outer package, for the package inside.
      const infos: ZipEntryInfo[] = entries.map((e) => ({
        name: e.fileName,
        compressedSize: e.compressedSize,
        uncompressedSize: e.uncompressedSize,
        encrypted: (e.generalPurposeBitFlag & 0x1) !== 0,
      }));
      const reason = checkZipBounds(infos, budget.limits);
      if (reason) throw new ZipError('bounds', `${where}: ${reason}`);
    }
    for (const entry of entries) {
      if (entry.fileName.endsWith('/')) continue;
      const name = `${where}/${entry.fileName}`;
      const { kind, data } = await readEntry(await streamOf(zip, entry), name, budget, depth > 0).catch((err: Error) => {
        if (err instanceof ZipError) throw err;
        // yauzl checks each inflated size against the declared one: a lie is a bomb.
        throw new ZipError(/too many bytes|too few bytes/u.test(err.message) ? 'bounds' : 'corrupt', `${name}: ${err.message}`);
      });
      if (data && kind) await examine(kind, data, name, depth + 1, budget);
    }
  } finally {
    zip.close();
  }
}

async function examine(kind: Kind, data: Buffer, where: string, depth: number, budget: Budget): Promise<void> {
  if (kind === 'gzip') return countGunzip(data, where, budget);
  if (depth > MAX_NESTING) throw new ZipError('bounds', `${where}: packages nested deeper than ${MAX_NESTING}`);
  if (kind === 'zip') {
    const zip = carveZip(data);
    const wrapped = !data.subarray(0, 4).equals(ZIP_MAGIC);
    // A zip signature a few bytes into some other part may be chance: only a part that starts
    // as a zip must be one.
    if (!zip) {
      if (wrapped) return;
      throw new ZipError('corrupt', `${where}: embedded package unreadable`);
    }
    const opened = await openBuffer(zip, where).catch((err: unknown) => {
      if (wrapped) return null;
      throw err;
    });
    if (opened) await walkZip(opened, where, depth, budget);
    return;
  }
  if (kind === 'cfb') {
    let cfb;
    try {
      cfb = readCfb(data);
    } catch {
      return; // a damaged OLE object: LibreOffice shows its picture or nothing; not a bomb
    }
    // Compound files are not compressed: only packages carried in their streams can inflate.
    for (const file of cfb.FileIndex) {
      if (file.type !== 2 || !file.content || file.content.length === 0) continue;
      const content = Buffer.from(file.content as Uint8Array);
      let inner = kindOf(content);
      if (inner === null && content.subarray(0, PACKAGE_HEADER_SCAN).includes(ZIP_MAGIC)) inner = 'zip';
      if (inner) await examine(inner, content, `${where}:${file.name}`, depth + 1, budget);
    }
  }
}

/**
 * Refuses a .docx whose embedded packages break the zip bounds (ZipError 'bounds'), or whose
 * embedded package cannot be read at all (ZipError 'corrupt'). Call after the outer package's
 * own sizes are proven (inflateZip): they start the total.
 */
export async function checkEmbeddedPackages(filePath: string, limits: ZipLimits): Promise<void> {
  const budget = new Budget(limits, 0);
  await walkZip(await openFile(filePath), '', 0, budget);
}

/**
 * The same for a .doc: OLE objects in its ObjectPool are compound files whose streams may carry
 * packages. The bound broken (a reason), or null. An unreadable file or object is not a bomb:
 * LibreOffice reports those itself.
 */
export async function embeddedBombInCompoundFile(filePath: string, limits: ZipLimits): Promise<string | null> {
  const data = await readFile(filePath);
  const budget = new Budget(limits, data.length);
  try {
    await examine('cfb', data, '', 0, budget);
    return null;
  } catch (err) {
    if (err instanceof ZipError && err.kind === 'bounds') return err.message;
    return null;
  }
}
