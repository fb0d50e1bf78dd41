// Zip inspection for OOXML and OpenDocument packages without trusting them: the central directory is read first and
// its declared sizes and compression ratios are checked before anything is inflated; reading an
// entry stops at a byte cap (yauzl also checks the inflated size against the declared one).
import yauzl from 'yauzl';

export interface ZipEntryInfo {
  name: string;
  compressedSize: number;
  uncompressedSize: number;
  encrypted: boolean;
}

export interface ZipLimits {
  maxEntries: number;
  /** Total declared uncompressed bytes. */
  maxTotalBytes: number;
  /** Declared uncompressed bytes of any single entry. */
  maxEntryBytes: number;
  /** Uncompressed/compressed ratio allowed for an entry larger than ratioFloorBytes. */
  maxRatio: number;
  ratioFloorBytes: number;
}

// Real Word XML compresses 5–30×; the 32 KB bomb in the corpus is ~330×. Images barely compress.
export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 10_000,
  maxTotalBytes: 200 * 1024 * 1024,
  maxEntryBytes: 64 * 1024 * 1024,
  maxRatio: 100,
  ratioFloorBytes: 1024 * 1024,
};

export class ZipError extends Error {
  constructor(
    readonly kind: 'corrupt' | 'bounds',
    message: string,
  ) {
    super(message);
  }
}

function open(filePath: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(filePath, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false }, (err, zip) => {
      if (err || !zip) reject(new ZipError('corrupt', err?.message ?? 'cannot open zip'));
      else resolve(zip);
    });
  });
}

/** Lists the central directory. Throws ZipError('corrupt') for a damaged or truncated zip. */
export async function listZip(filePath: string, maxEntries = DEFAULT_ZIP_LIMITS.maxEntries): Promise<ZipEntryInfo[]> {
  const zip = await open(filePath);
  try {
    if (zip.entryCount > maxEntries) throw new ZipError('bounds', `${zip.entryCount} entries (limit ${maxEntries})`);
    return await new Promise<ZipEntryInfo[]>((resolve, reject) => {
      const entries: ZipEntryInfo[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        entries.push({
          name: e.fileName,
          compressedSize: e.compressedSize,
          uncompressedSize: e.uncompressedSize,
          // General-purpose bit 0: traditional or AES encryption.
          encrypted: (e.generalPurposeBitFlag & 0x1) !== 0,
        });
        zip.readEntry();
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', (err: Error) => reject(new ZipError('corrupt', err.message)));
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

/** Refuses a package whose declared sizes are out of bounds. Returns null when fine, else the reason. */
export function checkZipBounds(entries: ZipEntryInfo[], limits: ZipLimits = DEFAULT_ZIP_LIMITS): string | null {
  if (entries.length > limits.maxEntries) return `${entries.length} entries (limit ${limits.maxEntries})`;
  let total = 0;
  let compressed = 0;
  for (const e of entries) {
    total += e.uncompressedSize;
    compressed += e.compressedSize;
    if (e.uncompressedSize > limits.maxEntryBytes) return `${e.name} inflates to ${e.uncompressedSize} bytes`;
    // The ratio rule is for the parts mammoth and LibreOffice parse (XML, media); embedded OLE
    // blobs are often runs of zeros and only count towards the total.
    const parsed = /\.(xml|rels)$/iu.test(e.name) || /^(word|xl|ppt)\/media\//u.test(e.name) || e.name.startsWith('Pictures/');
    if (parsed && e.uncompressedSize > limits.ratioFloorBytes && e.uncompressedSize > limits.maxRatio * Math.max(1, e.compressedSize)) {
      return `${e.name} has compression ratio ${Math.round(e.uncompressedSize / Math.max(1, e.compressedSize))}`;
    }
  }
  if (total > limits.maxTotalBytes) return `package inflates to ${total} bytes`;
  if (total > limits.ratioFloorBytes * 10 && total > limits.maxRatio * Math.max(1, compressed)) {
    return `package compression ratio ${Math.round(total / Math.max(1, compressed))}`;
  }
  return null;
}

/**
 * Inflates entries one by one, counting bytes, and stops at the cap. Used to prove the declared
 * sizes true before a library inflates the package into memory. With `keep`, returns the
 * contents of the named entries.
 */
export async function inflateZip(
  filePath: string,
  maxTotalBytes: number,
  keep: (name: string) => boolean = () => false,
): Promise<Map<string, Buffer>> {
  const zip = await open(filePath);
  const kept = new Map<string, Buffer>();
  let total = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => reject(err instanceof ZipError ? err : new ZipError('corrupt', err.message));
      zip.on('error', fail);
      zip.on('end', () => resolve());
      zip.on('entry', (e: yauzl.Entry) => {
        if (e.fileName.endsWith('/')) {
          zip.readEntry();
          return;
        }
        zip.openReadStream(e, (err, stream) => {
          if (err || !stream) {
            fail(err ?? new Error('cannot read entry'));
            return;
          }
          const chunks: Buffer[] = [];
          const wanted = keep(e.fileName);
          stream.on('data', (chunk: Buffer) => {
            total += chunk.length;
            if (total > maxTotalBytes) {
              stream.destroy();
              fail(new ZipError('bounds', `package inflates beyond ${maxTotalBytes} bytes`));
              return;
            }
            if (wanted) chunks.push(chunk);
          });
          stream.on('error', fail);
          stream.on('end', () => {
            if (wanted) kept.set(e.fileName, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return kept;
}

/** Reads one small entry (e.g. docProps/core.xml) with a byte cap; null if absent or too large. */
export async function readZipEntry(filePath: string, name: string, maxBytes: number): Promise<Buffer | null> {
  const zip = await open(filePath);
  try {
    return await new Promise<Buffer | null>((resolve, reject) => {
      let found = false;
      zip.on('error', (err: Error) => reject(new ZipError('corrupt', err.message)));
      zip.on('end', () => {
        if (!found) resolve(null);
      });
      zip.on('entry', (e: yauzl.Entry) => {
        if (e.fileName !== name) {
          zip.readEntry();
          return;
        }
        found = true;
        if (e.uncompressedSize > maxBytes) {
          resolve(null);
          return;
        }
        zip.openReadStream(e, (err, stream) => {
          if (err || !stream) {
            reject(new ZipError('corrupt', err?.message ?? 'cannot read entry'));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          stream.on('data', (c: Buffer) => {
            size += c.length;
            if (size > maxBytes) {
              stream.destroy();
              resolve(null);
              return;
            }
            chunks.push(c);
          });
          stream.on('error', (e2: Error) => reject(new ZipError('corrupt', e2.message)));
          stream.on('end', () => resolve(Buffer.concat(chunks)));
        });
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}
