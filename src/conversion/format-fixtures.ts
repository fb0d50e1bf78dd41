// Builders for format test inputs (tests only): OOXML and OpenDocument packages, OLE2 compound
// files with chosen streams, and PDFs (N pages, a broken xref, a decompression bomb).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync, deflateSync } from 'node:zlib';
import CFB from 'cfb';
import { buildZip } from './test-fixtures.js';

const PKG_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument';

export interface OoxmlOptions {
  mainPart: string;
  contentType: string;
  /** Extra parts, e.g. word/vbaProject.bin. */
  parts?: Array<{ name: string; data: Buffer | string }>;
  /** Extra Override content types. */
  overrides?: Array<{ part: string; type: string }>;
  /** Write _rels/.rels (default true). */
  rels?: boolean;
}

export function buildOoxml(o: OoxmlOptions): Buffer {
  const overrides = [{ part: o.mainPart, type: o.contentType }, ...(o.overrides ?? [])]
    .map((x) => `<Override PartName="/${x.part}" ContentType="${x.type}"/>`)
    .join('');
  return buildZip([
    {
      name: '[Content_Types].xml',
      data:
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        `<Default Extension="xml" ContentType="application/xml"/>${overrides}</Types>`,
    },
    ...(o.rels === false
      ? []
      : [
          {
            name: '_rels/.rels',
            data: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${PKG_REL}" Target="/${o.mainPart}"/></Relationships>`,
          },
        ]),
    { name: o.mainPart, data: '<?xml version="1.0" encoding="UTF-8"?><root/>' },
    ...(o.parts ?? []),
  ]);
}

export const CT = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml',
  docm: 'application/vnd.ms-word.document.macroEnabled.main+xml',
  dotx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml',
  xlsm: 'application/vnd.ms-excel.sheet.macroEnabled.main+xml',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml',
  ppsx: 'application/vnd.openxmlformats-officedocument.presentationml.slideshow.main+xml',
  vba: 'application/vnd.ms-office.vbaProject',
};

/** A .docm: macro-enabled main part plus a word/vbaProject.bin part (an OLE2 VBA project). */
export function buildDocm(): Buffer {
  return buildOoxml({
    mainPart: 'word/document.xml',
    contentType: CT.docm,
    parts: [{ name: 'word/vbaProject.bin', data: buildCfb({ 'VBA/dir': Buffer.from('Attribute VB_Name = "ThisDocument"\nSub AutoOpen()\nEnd Sub') }) }],
    overrides: [{ part: 'word/vbaProject.bin', type: CT.vba }],
  });
}

export function buildOdf(mime: string, extra: Array<{ name: string; data: string }> = [], manifestExtra = ''): Buffer {
  return buildZip([
    { name: 'mimetype', data: mime },
    { name: 'content.xml', data: '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>' },
    {
      name: 'META-INF/manifest.xml',
      data: `<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="${mime}"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">${manifestExtra}</manifest:file-entry></manifest:manifest>`,
    },
    ...extra,
  ]);
}

/** An OLE2 compound file holding the given streams ("Macros/VBA/dir" makes the storages). */
export function buildCfb(streams: Record<string, Buffer>): Buffer {
  const cfb = CFB.utils.cfb_new();
  for (const [name, data] of Object.entries(streams)) CFB.utils.cfb_add(cfb, name, data);
  return Buffer.from(CFB.write(cfb, { type: 'buffer' }) as Uint8Array);
}

/** A Word 97 FIB (FibBase) with the given flags word. */
export function fib(flags = 0, nFib = 0xc1): Buffer {
  const b = Buffer.alloc(1024);
  b.writeUInt16LE(0xa5ec, 0);
  b.writeUInt16LE(nFib, 2);
  b.writeUInt16LE(flags, 10);
  return b;
}

const rec = (type: number, data: Buffer) => {
  const h = Buffer.alloc(4);
  h.writeUInt16LE(type, 0);
  h.writeUInt16LE(data.length, 2);
  return Buffer.concat([h, data]);
};

/** A BIFF8 Workbook stream: BOF, optionally FILEPASS (RC4), then EOF. */
export function workbook(encrypted: boolean): Buffer {
  const bof = Buffer.alloc(16);
  bof.writeUInt16LE(0x0600, 0);
  bof.writeUInt16LE(0x0005, 2);
  return Buffer.concat([rec(0x0809, bof), ...(encrypted ? [rec(0x002f, Buffer.from([1, 0, 1, 0, 2, 0]))] : []), rec(0x000a, Buffer.alloc(0))]);
}

const pptRec = (verInst: number, type: number, data: Buffer) => {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(verInst, 0);
  h.writeUInt16LE(type, 2);
  h.writeUInt32LE(data.length, 4);
  return Buffer.concat([h, data]);
};

/** A PowerPoint Document stream whose DocumentContainer holds a VBAInfoContainer with fHasMacros. */
export function pptDocument(hasMacros: boolean): Buffer {
  const atom = Buffer.alloc(12);
  atom.writeUInt32LE(5, 0); // persistIdRef
  atom.writeUInt32LE(hasMacros ? 1 : 0, 4);
  atom.writeUInt32LE(2, 8);
  const vba = pptRec(0x000f, 0x03ff, pptRec(0x0020, 0x0400, atom));
  const docInfoList = pptRec(0x000f, 0x07d0, vba);
  return pptRec(0x000f, 0x03e8, Buffer.concat([pptRec(0x0001, 0x03e9, Buffer.alloc(40)), docInfoList]));
}

/** A Current User stream; encrypted → headerToken 0xF3D1C4DF. */
export function pptCurrentUser(encrypted: boolean): Buffer {
  const b = Buffer.alloc(40);
  b.writeUInt16LE(0, 0);
  b.writeUInt16LE(0x0ff6, 2);
  b.writeUInt32LE(32, 4);
  b.writeUInt32LE(20, 8);
  b.writeUInt32LE(encrypted ? 0xf3d1c4df : 0xe391c05f, 12);
  return b;
}

/** A valid PDF of `pages` empty A4 pages with a correct xref table; `breakXref` shifts every offset. */
export function buildPdf(pages: number, opts: { breakXref?: boolean; extraObjects?: string[] } = {}): Buffer {
  const objs: string[] = [];
  const kids: string[] = [];
  const firstPage = 4 + (opts.extraObjects?.length ?? 0);
  for (let i = 0; i < pages; i++) kids.push(`${firstPage + i} 0 R`);
  objs.push('<< /Type /Catalog /Pages 2 0 R >>');
  objs.push(`<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${pages} >>`);
  objs.push('<< /Length 0 >>\nstream\n\nendstream');
  for (const o of opts.extraObjects ?? []) objs.push(o);
  for (let i = 0; i < pages; i++) objs.push('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>');
  return assemblePdf(objs, opts.breakXref ? 7 : 0);
}

function assemblePdf(objs: Array<string | Buffer>, shift: number): Buffer {
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let at = parts[0]!.length;
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(at);
    const body = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), Buffer.isBuffer(o) ? o : Buffer.from(o, 'latin1'), Buffer.from('\nendobj\n')]);
    parts.push(body);
    at += body.length;
  });
  const xref = [`xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`, ...offsets.map((o) => `${String(o + shift).padStart(10, '0')} 00000 n \n`)].join('');
  parts.push(Buffer.from(`${xref}trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${at}\n%%EOF\n`));
  return Buffer.concat(parts);
}

/**
 * A one-page PDF whose content stream inflates to `gib` GiB of zeros through two FlateDecode
 * filters (a few KB on disk). Built without inflating: repeated sync-flushed deflate blocks.
 */
export function buildPdfBomb(gib: number): Buffer {
  const mib = Buffer.alloc(1024 * 1024);
  const first = deflateRawSync(mib, { finishFlush: 2 /* Z_SYNC_FLUSH */ });
  const next = deflateRawSync(mib, { finishFlush: 2, dictionary: Buffer.alloc(32 * 1024) });
  const n = gib * 1024;
  const raw = Buffer.concat([first, ...Array.from({ length: n - 1 }, () => next), Buffer.from([0x03, 0x00])]);
  // zlib wrapper: header, raw deflate, Adler-32 of n MiB of zeros (a = 1, b = length mod 65521).
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE((((n * 1024 * 1024) % 65521) * 65536 + 1) >>> 0, 0);
  const inner = Buffer.concat([Buffer.from([0x78, 0x9c]), raw, adler]);
  const outer = deflateSync(inner, { level: 9 });
  const stream = Buffer.concat([Buffer.from(`<< /Length ${outer.length} /Filter [/FlateDecode /FlateDecode] >>\nstream\n`), outer, Buffer.from('\nendstream')]);
  return assemblePdf(
    ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [4 0 R] /Count 1 >>', stream, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R >>'],
    0,
  );
}

/** The shared corpus: next to the checkout (/work/main → /work/shared) or one level up for a worktree. */
export function sharedCorpusDir(): string {
  for (const up of ['../../../shared/corpus', '../../../../shared/corpus']) {
    const p = path.resolve(import.meta.dirname, up);
    if (existsSync(p)) return p;
  }
  return path.resolve(import.meta.dirname, '../../../shared/corpus');
}
