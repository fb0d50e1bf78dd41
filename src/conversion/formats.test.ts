// Sniffing every accepted format from the bytes, and refusing encrypted, macro-carrying, damaged
// and foreign files with their reason. Inputs are built on the fly (format-fixtures.ts) or come
// from the shared corpus.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { ACCEPTED_EXTENSIONS, DOCUMENT_FORMATS, FORMATS, isDocumentFormat } from './formats.js';
import { buildCfb, buildDocm, sharedCorpusDir, buildOdf, buildOoxml, buildPdf, CT, fib, pptCurrentUser, pptDocument, workbook } from './format-fixtures.js';
import { openCfbFile, readCfb } from './ole.js';
import { contentTypeOf, mainPartFromRels, refusalReason, sniffDocument, sniffWordFile, type RefusalReason } from './sniff.js';
import { buildDocx, buildZip, para } from './test-fixtures.js';

const FORMATS_CORPUS = path.join(sharedCorpusDir(), 'external/formats');
const dir = mkdtempSync(path.join(tmpdir(), 'wk-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(name: string, data: Buffer | string): string {
  const p = path.join(dir, `${n++}-${name}`);
  writeFileSync(p, data);
  return p;
}

async function refusal(p: string, fileName?: string): Promise<{ reason: RefusalReason | null; message: string }> {
  const err = await sniffDocument(p, { fileName }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, `${p} should be refused`).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('unsupported_file');
  return { reason: refusalReason(err), message: (err as AppError).message };
}

describe('the format table', () => {
  it('when the contract lists its formats, then each has one extension, a Content-Type, a family and a badge colour', () => {
    expect(DOCUMENT_FORMATS).toEqual(['DOC', 'DOCX', 'WPS', 'RTF', 'ODT', 'PDF', 'PPT', 'PPTX', 'DPS', 'ODP', 'XLS', 'XLSX', 'ET', 'ODS', 'TXT']);
    const badge = Object.fromEntries(DOCUMENT_FORMATS.map((f) => [f, FORMATS[f].badge]));
    expect(badge).toMatchObject({ PDF: 'red', PPT: 'orange', PPTX: 'orange', XLS: 'green', XLSX: 'green', DOC: 'blue', DOCX: 'blue', TXT: 'gray' });
    for (const f of DOCUMENT_FORMATS) {
      expect(FORMATS[f].ext).toMatch(/^[a-z]{2,4}$/u);
      expect(FORMATS[f].mime).toMatch(/^[a-z]+\/[\w.+-]+/u);
      expect(ACCEPTED_EXTENSIONS).toContain(FORMATS[f].ext);
    }
    expect(isDocumentFormat('PDF')).toBe(true);
    expect(isDocumentFormat('DOCM')).toBe(false);
  });
});

describe('sniffDocument: OOXML', () => {
  it('when an Office 365 / Word Online .docx names word/document2.xml in _rels/.rels, then it is a DOCX', async () => {
    const p = write('o365.docx', buildOoxml({ mainPart: 'word/document2.xml', contentType: CT.docx }));
    expect(await sniffDocument(p)).toEqual({ format: 'DOCX' });
    expect(await sniffWordFile(p)).toEqual({ format: 'DOCX' });
  });

  it('when packages are spreadsheets, presentations, templates or slide shows, then the main part content type decides', async () => {
    expect(await sniffDocument(write('a.xlsx', buildOoxml({ mainPart: 'xl/workbook.xml', contentType: CT.xlsx })))).toEqual({ format: 'XLSX' });
    expect(await sniffDocument(write('a.pptx', buildOoxml({ mainPart: 'ppt/presentation.xml', contentType: CT.pptx })))).toEqual({ format: 'PPTX' });
    expect(await sniffDocument(write('a.ppsx', buildOoxml({ mainPart: 'ppt/presentation.xml', contentType: CT.ppsx })))).toEqual({ format: 'PPTX', variant: 'ppsx' });
    expect(await sniffDocument(write('a.dotx', buildOoxml({ mainPart: 'word/document.xml', contentType: CT.dotx })))).toEqual({ format: 'DOCX', variant: 'dotx' });
    // A renamed file: a spreadsheet called .docx is a spreadsheet.
    expect(await sniffDocument(write('budget.docx', buildOoxml({ mainPart: 'xl/workbook.xml', contentType: CT.xlsx })))).toEqual({ format: 'XLSX' });
  });

  it('when a .docm carries word/vbaProject.bin, then it is refused because of its macros', async () => {
    const r = await refusal(write('auto.docm', buildDocm()));
    expect(r.reason).toBe('macros');
    expect(r.message).toContain('文档包含宏，请另存为不含宏的格式后上传');
    // Even when the content type lies (says plain .docx), the VBA part gives it away.
    const liar = buildOoxml({ mainPart: 'word/document.xml', contentType: CT.docx, parts: [{ name: 'word/vbaProject.bin', data: buildCfb({ 'VBA/dir': Buffer.from('x') }) }] });
    expect((await refusal(write('liar.docx', liar))).reason).toBe('macros');
    // The same container as a macro-free .xlsm passes only without the VBA part.
    expect(await sniffDocument(write('nomacro.xlsm', buildOoxml({ mainPart: 'xl/workbook.xml', contentType: CT.xlsm })))).toEqual({ format: 'XLSX', variant: 'xlsm' });
  });

  it('when the package relationships are missing, then the conventional part names are used; a zip without them is not a document', async () => {
    expect(await sniffDocument(write('norels.docx', buildOoxml({ mainPart: 'word/document.xml', contentType: CT.docx, rels: false })))).toEqual({ format: 'DOCX' });
    const r = await refusal(write('photos.docx', buildZip([{ name: 'a.jpg', data: 'x' }])));
    expect(r.reason).toBe('other_format');
    expect(r.message).toMatch(/ZIP 压缩包/u);
  });

  it('when _rels/.rels is parsed, then the officeDocument target and its content type are found (transitional and strict)', () => {
    const rels = `<Relationships><Relationship Id="r2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Type='http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument' Id='r1' Target='/word/document2.xml'/></Relationships>`;
    expect(mainPartFromRels(rels)).toBe('word/document2.xml');
    const types = `<Types><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document2.xml" ContentType="${CT.docx}"/></Types>`;
    expect(contentTypeOf(types, 'word/document2.xml')).toBe(CT.docx);
    expect(contentTypeOf(types, 'word/styles.xml')).toBe('application/xml');
  });

  it('when an OOXML file is encrypted (CFB EncryptionInfo + EncryptedPackage), then it is refused as encrypted', async () => {
    const p = write('secret.xlsx', buildCfb({ EncryptionInfo: Buffer.alloc(200, 1), EncryptedPackage: Buffer.alloc(5000, 2) }));
    const r = await refusal(p);
    expect(r.reason).toBe('encrypted');
    expect(r.message).toContain('文档已加密');
    expect((await refusal(path.join(FORMATS_CORPUS, 'tika/testEXCEL_protected_passtika.xlsx'))).reason).toBe('encrypted');
  });
});

describe('sniffDocument: OLE2', () => {
  it('when the streams are WordDocument, Workbook/Book or PowerPoint Document, then it is DOC, XLS or PPT', async () => {
    expect(await sniffDocument(write('a.doc', buildCfb({ WordDocument: fib() })))).toEqual({ format: 'DOC' });
    expect(await sniffDocument(write('a.xls', buildCfb({ Workbook: workbook(false) })))).toEqual({ format: 'XLS' });
    expect(await sniffDocument(write('a5.xls', buildCfb({ Book: workbook(false) })))).toEqual({ format: 'XLS', variant: 'biff5' });
    expect(await sniffDocument(write('a.ppt', buildCfb({ 'PowerPoint Document': pptDocument(false), 'Current User': pptCurrentUser(false) })))).toEqual({ format: 'PPT' });
  });

  it('when Kingsoft wrote the file, then its own extension chooses WPS/ET/DPS; under a Microsoft name it stays DOC/XLS/PPT', async () => {
    const wps = path.join(FORMATS_CORPUS, 'poi-tl/test.wps');
    expect(await sniffDocument(wps, { fileName: 'test.wps' })).toEqual({ format: 'WPS', variant: 'kingsoft' });
    expect(await sniffDocument(wps, { fileName: '报告.doc' })).toEqual({ format: 'DOC' });
    const et = write('k.et', buildCfb({ Workbook: workbook(false), WpsCustomData: Buffer.alloc(8) }));
    expect(await sniffDocument(et, { fileName: '表格.et' })).toEqual({ format: 'ET', variant: 'kingsoft' });
    const dps = write('k.dps', buildCfb({ 'PowerPoint Document': pptDocument(false), WpsCustomData: Buffer.alloc(8) }));
    expect(await sniffDocument(dps, { fileName: '演示.dps' })).toEqual({ format: 'DPS', variant: 'kingsoft' });
    // A Microsoft binary merely named .wps is what Microsoft wrote.
    expect(await sniffDocument(write('ms.wps', buildCfb({ WordDocument: fib() })), { fileName: 'ms.wps' })).toEqual({ format: 'DOC' });
  });

  it('when a .doc has the FIB encryption flag, an .xls a FILEPASS record, a .ppt an encrypted Current User, then each is refused as encrypted', async () => {
    expect((await refusal(write('e.doc', buildCfb({ WordDocument: fib(0x0100) })))).reason).toBe('encrypted');
    expect((await refusal(write('e.xls', buildCfb({ Workbook: workbook(true) })))).reason).toBe('encrypted');
    expect((await refusal(write('e.ppt', buildCfb({ 'PowerPoint Document': pptDocument(false), 'Current User': pptCurrentUser(true) })))).reason).toBe('encrypted');
  });

  it('when OLE2 files carry VBA projects (Macros, _VBA_PROJECT_CUR, a PowerPoint VBAInfo with fHasMacros), then each is refused because of macros', async () => {
    expect((await refusal(write('m.doc', buildCfb({ WordDocument: fib(), 'Macros/VBA/dir': Buffer.from('x'), 'Macros/PROJECT': Buffer.from('x') })))).reason).toBe('macros');
    expect((await refusal(write('m.xls', buildCfb({ Workbook: workbook(false), '_VBA_PROJECT_CUR/VBA/dir': Buffer.from('x') })))).reason).toBe('macros');
    expect((await refusal(write('m.ppt', buildCfb({ 'PowerPoint Document': pptDocument(true), 'Current User': pptCurrentUser(false) })))).reason).toBe('macros');
    const corpus = path.resolve(FORMATS_CORPUS, '..');
    expect((await refusal(path.join(corpus, 'poi/SimpleMacro.doc'))).reason).toBe('macros');
    expect((await refusal(path.join(corpus, 'poi/SimpleMacro.docm'))).reason).toBe('macros');
  });

  it('when a compound file is truncated or has no known stream, then it is refused as damaged or unknown', async () => {
    const doc = buildCfb({ WordDocument: fib(), Data: Buffer.alloc(20_000, 3) });
    expect((await refusal(write('cut.doc', doc.subarray(0, 1536)))).reason).toBe('damaged');
    expect((await refusal(write('other.doc', buildCfb({ Something: Buffer.alloc(10) })))).reason).toBe('unknown');
    expect((await refusal(write('works.wps', buildCfb({ CONTENTS: Buffer.from('\x01\x00CHNKWKS'), CompObj: Buffer.alloc(8) })))).reason).toBe('other_format');
  });

  it('when the bounded reader opens the corpus compound files, then every stream reads the same as the cfb package reads it', async () => {
    const { readFileSync } = await import('node:fs');
    for (const rel of ['poi-tl/test.wps', 'poi/54880_chinese.ppt', 'easypoi-test/专项支出用款申请书.xls', 'tika/testWPSAttachment.ppt']) {
      const p = path.join(FORMATS_CORPUS, rel);
      const ref = readCfb(readFileSync(p));
      const ours = await openCfbFile(p);
      try {
        ref.FileIndex.forEach((e, i) => {
          if (e.type !== 2) return;
          const entry = ours.find(ref.FullPaths[i]!.split('/').slice(1).join('/'));
          expect(entry, `${rel}: ${e.name}`).not.toBeNull();
        });
        for (let i = 0; i < ref.FileIndex.length; i++) {
          const e = ref.FileIndex[i]!;
          if (e.type !== 2) continue;
          const entry = ours.find(ref.FullPaths[i]!.split('/').slice(1).join('/'))!;
          expect((await ours.read(entry, 1e9)).equals(Buffer.from((e.content as Uint8Array | undefined) ?? [])), `${rel}: ${e.name}`).toBe(true);
        }
      } finally {
        await ours.close();
      }
    }
  });
});

describe('sniffDocument: OpenDocument, PDF, RTF, text', () => {
  it('when the mimetype entry says text, spreadsheet or presentation (or a template), then it is ODT, ODS or ODP', async () => {
    expect(await sniffDocument(write('a.odt', buildOdf('application/vnd.oasis.opendocument.text')))).toEqual({ format: 'ODT' });
    expect(await sniffDocument(write('a.ods', buildOdf('application/vnd.oasis.opendocument.spreadsheet')))).toEqual({ format: 'ODS' });
    expect(await sniffDocument(write('a.odp', buildOdf('application/vnd.oasis.opendocument.presentation')))).toEqual({ format: 'ODP' });
    expect(await sniffDocument(write('a.ott', buildOdf('application/vnd.oasis.opendocument.text-template')))).toEqual({ format: 'ODT', variant: 'ott' });
    expect((await refusal(write('a.odg', buildOdf('application/vnd.oasis.opendocument.graphics')))).reason).toBe('other_format');
    expect((await refusal(write('a.epub', buildOdf('application/epub+zip')))).reason).toBe('other_format');
  });

  it('when an ODF manifest has encryption-data, or Basic modules or scripts are inside, then it is refused as encrypted or for macros', async () => {
    const enc = buildOdf('application/vnd.oasis.opendocument.text', [], '<manifest:encryption-data manifest:checksum-type="SHA1/1K"/>');
    expect((await refusal(write('enc.odt', enc))).reason).toBe('encrypted');
    const basic = buildOdf('application/vnd.oasis.opendocument.spreadsheet', [
      { name: 'Basic/script-lc.xml', data: '<x/>' },
      { name: 'Basic/Standard/script-lb.xml', data: '<x/>' },
      { name: 'Basic/Standard/Module1.xml', data: '<script:module>Sub Main</script:module>' },
    ]);
    expect((await refusal(write('basic.ods', basic))).reason).toBe('macros');
    // A library index without any module carries no code.
    const empty = buildOdf('application/vnd.oasis.opendocument.spreadsheet', [{ name: 'Basic/script-lc.xml', data: '<x/>' }, { name: 'Basic/Standard/script-lb.xml', data: '<x/>' }]);
    expect(await sniffDocument(write('empty-basic.ods', empty))).toEqual({ format: 'ODS' });
    expect((await refusal(write('py.odt', buildOdf('application/vnd.oasis.opendocument.text', [{ name: 'Scripts/python/evil.py', data: 'import os' }])))).reason).toBe('macros');
  });

  it('when %PDF- starts the file or comes within its first 1 KB, then it is a PDF; an /Encrypt trailer is flagged for qpdf', async () => {
    const pdf = buildPdf(2);
    expect(await sniffDocument(write('a.pdf', pdf))).toEqual({ format: 'PDF' });
    expect(await sniffDocument(write('junk-first.pdf', Buffer.concat([Buffer.alloc(700, 0x20), pdf])))).toEqual({ format: 'PDF' });
    expect((await refusal(write('too-late.pdf', Buffer.concat([Buffer.alloc(2000, 0), pdf])))).reason).toBe('unknown');
    const enc = Buffer.from(pdf.toString('latin1').replace('/Root 1 0 R', '/Root 1 0 R /Encrypt 9 0 R'), 'latin1');
    expect(await sniffDocument(write('enc.pdf', enc))).toEqual({ format: 'PDF', pdfEncrypted: true });
    // Polyglots: a zip with a PDF behind it is judged by its first signature (a zip, damaged by the
    // trailing bytes); a PDF with a zip appended is a PDF (rendered from qpdf's rewrite, which drops the tail).
    expect((await refusal(write('poly.zip', Buffer.concat([buildZip([{ name: 'a.txt', data: 'x' }]), pdf])))).reason).toBe('damaged');
    expect(await sniffDocument(write('poly.pdf', Buffer.concat([pdf, buildZip([{ name: 'a.txt', data: 'x' }])])))).toEqual({ format: 'PDF' });
  });

  it('when a file starts with {\\rtf, then it is an RTF', async () => {
    expect(await sniffDocument(write('a.rtf', '{\\rtf1\\ansi hello}'))).toEqual({ format: 'RTF' });
    expect(await sniffDocument(path.join(FORMATS_CORPUS, 'tika/testRTFEmbeddedFiles.rtf'))).toEqual({ format: 'RTF' });
  });

  it('when text is UTF-8 (with or without BOM), UTF-16 with a BOM, GBK or HZ, then it is a TXT with that encoding', async () => {
    expect(await sniffDocument(write('u.txt', '你好，世界\n'))).toEqual({ format: 'TXT', encoding: 'utf8' });
    expect(await sniffDocument(write('ub.txt', '\ufeff你好'))).toEqual({ format: 'TXT', encoding: 'utf8' });
    expect(await sniffDocument(write('le.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('你好，世界', 'utf16le')])))).toEqual({ format: 'TXT', encoding: 'utf16le' });
    expect(await sniffDocument(path.join(FORMATS_CORPUS, 'AndroidUtilCode/GBK.txt'))).toEqual({ format: 'TXT', encoding: 'gb18030' });
    expect(await sniffDocument(path.join(FORMATS_CORPUS, 'golang-text/sunzi-bingfa-gb-levels-1-and-2-hz-gb2312.txt'))).toEqual({ format: 'TXT', encoding: 'hz-gb-2312' });
  });

  it('when a file is binary junk, an executable, an image, HTML or a flat XML OpenDocument, then it is refused with what it is', async () => {
    const { randomBytes } = await import('node:crypto');
    expect((await refusal(write('noise.txt', randomBytes(8192)))).reason).toBe('unknown');
    expect((await refusal(write('setup.pdf', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(4000, 7)])))).message).toMatch(/可执行程序/u);
    expect((await refusal(write('pic.doc', Buffer.from('\x89PNG\r\n\x1a\n', 'latin1')))).message).toMatch(/图片/u);
    expect((await refusal(write('page.txt', '<!DOCTYPE html><html><body>x</body></html>'))).message).toMatch(/HTML/u);
    expect((await refusal(path.join(FORMATS_CORPUS, 'tika/testFODS_embeddedChart.fods'))).message).toMatch(/\.ods/u);
    expect((await refusal(write('empty.txt', ''))).reason).toBe('empty');
  });
});

describe('sniffWordFile (the Word-only acceptance the upload uses until every format converts)', () => {
  it('when the file is a PDF, a spreadsheet or text, then it is refused saying what it is; DOC and DOCX pass', async () => {
    await expect(sniffWordFile(write('p.docx', buildPdf(1)))).rejects.toThrow(/PDF/u);
    await expect(sniffWordFile(write('s.doc', buildCfb({ Workbook: workbook(false) })))).rejects.toThrow(/Excel/u);
    await expect(sniffWordFile(write('noise.doc', Buffer.alloc(4000, 1)))).rejects.toThrow(/无法识别/u);
    expect(await sniffWordFile(write('ok.docx', buildDocx(para('x'))))).toEqual({ format: 'DOCX' });
    expect(await sniffWordFile(write('ok.doc', buildCfb({ WordDocument: fib() })))).toEqual({ format: 'DOC' });
  });
});

describe('writeCorpusSection', () => {
  it('when two tests write their sections of one corpus document, then each rewrite keeps the other section', async () => {
    const { readFileSync } = await import('node:fs');
    const { writeCorpusSection } = await import('./corpus-table.js');
    const file = path.join(dir, 'corpus.md');
    writeCorpusSection(file, 'word', '# Word\n| a |');
    writeCorpusSection(file, 'formats', '## Formats\n| b |');
    writeCorpusSection(file, 'word', '# Word\n| a2 |');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('| a2 |');
    expect(text).not.toContain('| a |');
    expect(text).toContain('| b |');
    expect(text.indexOf('# Word')).toBeLessThan(text.indexOf('## Formats'));
  });
});

describe('format badges', () => {
  it('when listings show documents of each family, then the badge class carries the family colour (PDF 红, PPT 橙, XLS 绿, DOC 蓝, TXT 灰)', async () => {
    const { docCard } = await import('../documents/pages/view-models.js');
    const base = {
      id: 1, title: 't', description: '', sizeBytes: 1, pages: 1, wordCount: 1, uploadedAt: '2025-01-01T00:00:00Z', keywords: [],
      category: '其他', priceCents: 0, freePreviewPages: 1, status: 'ready', failureReason: null, thumbnailUrl: null,
      uploader: { id: 1, displayName: 'a' }, stats: { views: 0, downloads: 0, favorites: 0 }, originalFilename: 'a', rating: { average: 0, count: 0 },
    };
    const cls = (format: string) => docCard({ ...base, format } as Parameters<typeof docCard>[0]).formatClass;
    expect(cls('PDF')).toBe('fmt-pdf fmt-red');
    expect(cls('PPTX')).toBe('fmt-pptx fmt-orange');
    expect(cls('DPS')).toBe('fmt-dps fmt-orange');
    expect(cls('XLS')).toBe('fmt-xls fmt-green');
    expect(cls('ET')).toBe('fmt-et fmt-green');
    expect(cls('DOC')).toBe('fmt-doc fmt-blue');
    expect(cls('WPS')).toBe('fmt-wps fmt-blue');
    expect(cls('TXT')).toBe('fmt-txt fmt-gray');
    const { readFileSync } = await import('node:fs');
    const css = readFileSync(path.resolve(import.meta.dirname, '../../public/css/site.css'), 'utf8');
    for (const c of ['red', 'orange', 'green', 'gray']) expect(css).toContain(`.fmt-badge.fmt-${c}`);
  });
});

describe('zip bounds for every package format', () => {
  it('when a spreadsheet or presentation declares an XML part or a picture inflating 300×, then checkZipBounds refuses it; a normal one passes', async () => {
    const { checkZipBounds } = await import('./zip.js');
    const entry = (name: string, compressedSize: number, uncompressedSize: number) => ({ name, compressedSize, uncompressedSize, encrypted: false });
    expect(checkZipBounds([entry('xl/worksheets/sheet1.xml', 10_000, 3_000_000)])).toMatch(/ratio/u);
    expect(checkZipBounds([entry('ppt/media/image1.png', 10_000, 3_000_000)])).toMatch(/ratio/u);
    expect(checkZipBounds([entry('content.xml', 10_000, 3_000_000)])).toMatch(/ratio/u);
    expect(checkZipBounds([entry('Pictures/a.png', 10_000, 3_000_000)])).toMatch(/ratio/u);
    expect(checkZipBounds([entry('xl/worksheets/sheet1.xml', 200_000, 3_000_000)])).toBeNull();
  });
});

describe('hostile bytes', () => {
  it('when corpus files are truncated or have bytes flipped, then sniffing either answers a format or refuses cleanly, never crashes', async () => {
    const fc = (await import('fast-check')).default;
    const { readFileSync } = await import('node:fs');
    const seeds = ['poi-tl/test.wps', 'poi/54880_chinese.ppt', 'poi/chinese-provinces.xls', 'tika/LibreOfficeImpress_odp_1.3.odp', 'qpdf/bad-xref.pdf', 'WPS_OA_Assistant/样章.pptx'].map((f) =>
      readFileSync(path.join(FORMATS_CORPUS, f)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: seeds.length - 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 255 })), { maxLength: 40 }),
        async (which, cut, flips) => {
          const src = seeds[which]!;
          const bytes = Buffer.from(src.subarray(0, Math.max(1, Math.floor(src.length * cut))));
          // Flips land mostly in the first 4 KB, where the headers and directories are.
          for (const [at, value] of flips) bytes[Math.floor(at * Math.min(bytes.length, 4096))] = value;
          const p = write('fuzz.bin', bytes);
          try {
            const r = await sniffDocument(p);
            expect(DOCUMENT_FORMATS).toContain(r.format);
          } catch (err) {
            expect(err).toBeInstanceOf(AppError);
            expect((err as AppError).code).toBe('unsupported_file');
          } finally {
            rmSync(p, { force: true });
          }
        },
      ),
      { numRuns: 300 },
    );
  }, 120_000);
});
