// Every non-Word corpus file (shared corpus/external/formats and test/fixtures/generated) goes
// through the format layer: sniffing; for PDFs the qpdf check in the sandbox (page count or
// refusal); for text the streamed decoding. Each outcome is asserted against what the file is,
// and the table is written to the formats section of the corpus document (corpus-table.ts).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversionError, createConverter, renderPages, type PageConverter } from './index.js';
import { findSoffice } from './libreoffice.js';
import { corpusTablePath, writeCorpusSection } from './corpus-table.js';
import { sharedCorpusDir } from './format-fixtures.js';
import { checkPdf } from './pdf-check.js';
import { sandboxAvailable } from './sandbox.js';
import { refusalReason, sniffDocument } from './sniff.js';
import { decodeTextFile, looksLikeJunk } from './text-decode.js';

const SHARED = path.join(sharedCorpusDir(), 'external/formats');
const GENERATED = path.resolve(import.meta.dirname, '../../test/fixtures/generated');
const canCheckPdf = sandboxAvailable();
const canConvert = canCheckPdf && findSoffice(undefined) !== null;

// What each file is: an accepted format, or the reason it must be refused.
const EXPECTED: Record<string, string> = {
  'AndroidUtilCode/GBK.txt': 'TXT',
  'Aspose.Words-for-Java/Epub document.epub': 'refused:other_format',
  'Aspose.Words-for-Java/Utf8Text.rtf': 'RTF',
  'Langchain-Chatchat/langchain-ChatGLM_open.xlsx': 'XLSX',
  'WPS_OA_Assistant/样章.pptx': 'PPTX',
  'all-docs-backend/PDF测试.pdf': 'PDF',
  'easypoi-test/BigDataExport50000.xlsx': 'XLSX',
  'easypoi-test/专项支出用款申请书.xls': 'XLS',
  'easypoi/EasyPoi培训.pptx': 'PPTX',
  'format-corpus/ecdl paris.ppt': 'PPT',
  'golang-text/sunzi-bingfa-gb-levels-1-and-2-hz-gb2312.txt': 'TXT',
  'golang-text/sunzi-bingfa-simplified-utf-8.txt': 'TXT',
  'mimetype/pptx.pptx': 'refused:damaged',
  'mimetype/xls.xls': 'refused:damaged',
  'pdf.js/GHOSTSCRIPT-698804-1-fuzzed.pdf': 'PDF',
  'pdf.js/XiaoBiaoSong.pdf': 'PDF',
  'pdf.js/issue19360.pdf': 'PDF',
  'pdf.js/issue3521.pdf': 'PDF',
  'pdf.js/js-buttons.pdf': 'PDF',
  'pdf.js/saslprep-r6.pdf': 'refused:encrypted',
  'pdf.js/xfa_issue14315.pdf': 'PDF',
  'poi-tl/test.wps': 'WPS',
  'poi/53105.xlsx': 'XLSX',
  'poi/54880_chinese.ppt': 'PPT',
  'poi/62629_toMerge.xlsx': 'XLSX',
  'poi/bug55902-mixedFontChineseCharacters.ppt': 'PPT',
  'poi/chinese-provinces.xls': 'XLS',
  'qpdf/bad-xref.pdf': 'PDF',
  'tika/LibreOfficeImpress_odp_1.3.odp': 'ODP',
  'tika/testEXCEL.xlsb': 'refused:other_format',
  'tika/testEXCEL_macro.xlsm': 'refused:macros',
  'tika/testEXCEL_protected_passtika.xlsx': 'refused:encrypted',
  'tika/testFODS_embeddedChart.fods': 'refused:other_format',
  'tika/testOCR.pdf': 'PDF',
  'tika/testODSMacro.ods': 'refused:macros',
  'tika/testODTEncrypted.odt': 'refused:encrypted',
  'tika/testODTnotaZipFile.odt': 'TXT',
  'tika/testPDF_acroform3.pdf': 'PDF',
  'tika/testPDF_no_extract_no_accessibility_owner_empty.pdf': 'PDF',
  'tika/testRTFEmbeddedFiles.rtf': 'RTF',
  'tika/testWORKS.wps': 'refused:other_format',
  'tika/testWPSAttachment.ppt': 'PPT',
  'unstructured/eng_spa_mult.rtf': 'RTF',
  'unstructured/winter-sports.epub': 'refused:other_format',
  'generated/zh-budget.ods': 'ODS',
  'generated/zh-budget.xls': 'XLS',
  'generated/zh-budget.xlsx': 'XLSX',
  'generated/zh-notice-bad-xref.pdf': 'PDF',
  'generated/zh-notice-gbk.txt': 'TXT',
  'generated/zh-notice-owner-only.pdf': 'PDF',
  'generated/zh-notice-polyglot-zip.pdf': 'PDF',
  'generated/zh-notice-user-password.pdf': 'refused:encrypted',
  'generated/zh-notice-utf16le.txt': 'TXT',
  'generated/zh-notice-utf8-bom.txt': 'TXT',
  'generated/zh-notice.pdf': 'PDF',
  'generated/zh-numbered.doc': 'DOC',
  'generated/zh-numbered.docx': 'DOCX',
  'generated/zh-report.docx': 'DOCX',
  'generated/zh-report.odt': 'ODT',
  'generated/zh-report.rtf': 'RTF',
  'generated/zh-slides.odp': 'ODP',
  'generated/zh-slides.pptx': 'PPTX',
};

/** The SOURCES.md "expect" column (convert / fail / either) by file. */
function sourcesExpect(): Map<string, string> {
  const out = new Map<string, string>();
  const text = readFileSync(path.join(SHARED, 'SOURCES.md'), 'utf8');
  for (const m of text.matchAll(/^\| `([^`]+)` \| [^|]+ \| (convert|fail|either) \|/gmu)) out.set(m[1]!, m[2]!);
  return out;
}

function files(): Array<{ name: string; file: string }> {
  const list = (root: string, prefix: string) =>
    (readdirSync(root, { recursive: true }) as string[])
      .filter((f) => !/(^|\/)(SOURCES|README)\.md$/u.test(f) && !f.startsWith('src/') && !['make.sh', '.gitattributes'].includes(f) && statSync(path.join(root, f)).isFile())
      .map((f) => ({ name: prefix + f, file: path.join(root, f) }));
  return [...list(SHARED, ''), ...list(GENERATED, 'generated/')].sort((a, b) => a.name.localeCompare(b.name));
}

const work = mkdtempSync(path.join(tmpdir(), 'wk-formats-corpus-'));
const rows: string[] = [];
const pipelineRows: string[] = [];
/** Files the sniffer accepted, with their format, for the page pipeline test. */
const accepted: Array<{ name: string; file: string; format: string }> = [];
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  if (pipelineRows.length) {
    writeCorpusSection(corpusTablePath(), 'formats-pipeline', [
      '## Formats other than Word: through the page pipeline',
      '',
      'Generated by the same test: every accepted file through `convertDocument` (LibreOffice over UNO in the sandbox for office',
      'formats, qpdf-checked PDFs as they are, decoded text laid out on A4), then page 1 rendered to an image (MuPDF in the',
      'sandbox). pages = true page count; shown = pages with a text layer (capped previews say so); text = characters in the',
      '文字版; ms = conversion + page 1 render wall time.',
      '',
      '| file | format | pages | shown | text | page 1 image | ms | outcome |',
      '|---|---|---:|---:|---:|---|---:|---|',
      ...pipelineRows,
    ].join('\n'));
  }
  writeCorpusSection(
    corpusTablePath(),
    'formats',
    [
      '## Formats other than Word: sniffing and checks',
      '',
      'Generated by `npx vitest run src/conversion/formats-corpus.test.ts` over `corpus/external/formats/` (SOURCES.md there) and',
      '`test/fixtures/generated/` (README.md there). format = what the bytes say (`src/conversion/sniff.ts`); expect = SOURCES.md',
      "(convert / fail / either); check = qpdf in the sandbox for PDFs (`pdf-check.ts`: pages, repaired, owner-password only),",
      'streamed decoding for text (`text-decode.ts`); ms = sniff + check wall time. Conversion to pages is the page pipeline.',
      '',
      '| file | bytes | expect | format | check | ms | outcome / reason |',
      '|---|---:|---|---|---|---:|---|',
      ...rows,
    ].join('\n'),
  );
});

describe('formats corpus', () => {
  const all = files();
  const sources = sourcesExpect();

  it('when the corpus is listed, then every file has an expected outcome and SOURCES.md describes every shared file', () => {
    expect(all.map((f) => f.name).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const f of all.filter((x) => !x.name.startsWith('generated/'))) expect(sources.has(f.name), f.name).toBe(true);
  });

  it('when every file is sniffed (and PDFs checked, text decoded), then each is its format or refused with its reason', async () => {
    for (const { name, file } of all) {
      const t0 = Date.now();
      const want = EXPECTED[name]!;
      const bytes = statSync(file).size;
      const exp = sources.get(name) ?? '—';
      let format = '—';
      let check = '';
      let outcome: string;
      try {
        const r = await sniffDocument(file, { fileName: path.basename(file) });
        format = r.variant ? `${r.format} (${r.variant})` : r.format;
        if (r.format === 'PDF' && canCheckPdf) {
          const c = await checkPdf(file, { workDir: work });
          check = `${c.pages} p${c.repaired ? ', repaired' : ''}${c.restricted ? ', owner password only' : ''}`;
          await c.cleanup();
        } else if (r.format === 'TXT') {
          const stats = await decodeTextFile(file, path.join(work, 'out.txt'), r.encoding!);
          check = `${r.encoding}, ${stats.chars} chars`;
          expect(looksLikeJunk(stats), name).toBe(false);
        }
        outcome = 'accepted';
        expect(r.format, name).toBe(want);
        accepted.push({ name, file, format: r.format });
      } catch (err) {
        const reason = refusalReason(err);
        if (reason === null) throw err; // anything but a clean refusal is a bug
        outcome = `refused (${reason}): ${(err as Error).message}`;
        expect(`refused:${reason}`, name).toBe(want);
        expect((err as Error).message, name).toMatch(/\p{Script=Han}/u);
      }
      // SOURCES.md "fail" files are never accepted.
      if (exp === 'fail') expect(outcome, name).toMatch(/^refused/u);
      rows.push(`| ${name} | ${bytes} | ${exp} | ${format} | ${check} | ${Date.now() - t0} | ${outcome.replace(/\|/gu, '\\|')} |`);
    }
  }, 180_000);

  describe.skipIf(!canConvert)('the page pipeline', () => {
    let converter: PageConverter;
    beforeAll(() => {
      converter = createConverter({ workDir: path.join(work, 'converter'), log: pino({ level: 'silent' }) });
    });
    afterAll(async () => {
      await converter?.close();
    });

    it('when every accepted file is converted and its first page rendered, then each has pages and an image, or fails cleanly with a Chinese reason', async () => {
      expect(accepted.length, 'the sniffing test ran first').toBeGreaterThan(30);
      for (const [i, { name, file, format }] of accepted.entries()) {
        const outDir = path.join(work, `pipeline-${i}`);
        mkdirSync(outDir);
        const t0 = Date.now();
        try {
          const r = await converter.convertDocument({ filePath: file, format: format as Parameters<PageConverter['convertDocument']>[0]['format'], outDir });
          expect(r.pageCount, name).toBeGreaterThan(0);
          expect(r.pdfPath, name).not.toBeNull();
          expect(r.layers.length, name).toBeGreaterThan(0);
          expect(r.layers.length, name).toBeLessThanOrEqual(r.pageCount);
          const [page] = await renderPages(r.pdfPath!, [1], { outDir });
          const png = readFileSync(page!.file);
          expect(png.subarray(1, 4).toString('latin1'), name).toBe('PNG');
          const text = r.text.replace(/\s+/gu, '').length;
          // A file with a text layer has a 文字版; an image-only one says so instead.
          if (!r.scanned) expect(text, name).toBeGreaterThan(0);
          pipelineRows.push(`| ${name} | ${format} | ${r.pageCount} | ${r.layers.length} | ${text}${r.scanned ? ' (scanned)' : ''} | ${page!.width}×${page!.height}, ${png.length} B | ${Date.now() - t0} | ready |`);
        } catch (err) {
          if (!(err instanceof ConversionError)) throw err; // anything else is a bug
          expect(err.reasonZh, name).toMatch(/\p{Script=Han}/u);
          // SOURCES.md says which files must convert.
          expect(sources.get(name), `${name} should convert: ${err.message}`).not.toBe('convert');
          pipelineRows.push(`| ${name} | ${format} | | | | | ${Date.now() - t0} | failed: ${err.reasonZh.replace(/\|/gu, '\\|')} |`);
        } finally {
          rmSync(outDir, { recursive: true, force: true });
        }
      }
    }, 900_000);
  });
});
