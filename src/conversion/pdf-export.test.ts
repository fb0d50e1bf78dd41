import { copyFileSync, existsSync, readFileSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConverter, extractTextLayer, renderPages, type OfficeFormat, type PageConverter } from './index.js';
import { findSoffice, sandboxProblem } from './libreoffice.js';
import { fontSubstitutions } from './pdf-export.js';
import { buildDocx, para } from './test-fixtures.js';

const CORPUS = [path.resolve(import.meta.dirname, '../../../shared/corpus'), '/work/shared/corpus'].find((p) => existsSync(p))!;
const FORMATS = path.join(CORPUS, 'external/formats');
const GENERATED = path.resolve(import.meta.dirname, '../../test/fixtures/generated');
const SEED = path.join(CORPUS, 'seed', '在全县政法稳定工作推进会议上的讲话.doc');
const usable = findSoffice(undefined) !== null && sandboxProblem() === null;

let dir: string;
let converter: PageConverter;
let n = 0;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wk-pdf-test-'));
  converter = createConverter({ workDir: path.join(dir, 'work'), log: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await converter.close();
  rmSync(dir, { recursive: true, force: true });
});

async function toPdf(filePath: string, format: OfficeFormat, maxPages?: number) {
  const outDir = path.join(dir, `out-${++n}`);
  mkdirSync(outDir);
  return converter.exportPdf({ filePath, format, outDir, maxPages });
}

describe('fontSubstitutions (fontconfig with fonts.conf)', () => {
  it('when a document asks for Windows Chinese fonts, then each maps to the installed Simplified Chinese face of its style', () => {
    const subs = fontSubstitutions(['宋体', 'SimSun', '黑体', 'SimHei', '仿宋_GB2312', 'FangSong', '楷体_GB2312', 'KaiTi', '方正小标宋简体', 'Calibri', 'Noto Serif CJK SC']);
    const used = Object.fromEntries(subs.map((s) => [s.requested, s.used]));
    expect(used).toEqual({
      宋体: 'Noto Serif CJK SC',
      SimSun: 'Noto Serif CJK SC',
      黑体: 'Noto Sans CJK SC',
      SimHei: 'Noto Sans CJK SC',
      仿宋_GB2312: 'Noto Serif CJK SC', // its Light face (family names: Noto Serif CJK SC, … Light)
      FangSong: 'Noto Serif CJK SC',
      楷体_GB2312: 'AR PL UKai CN',
      KaiTi: 'AR PL UKai CN',
      方正小标宋简体: 'Noto Serif CJK SC',
      Calibri: 'Carlito',
    });
  });
});

describe.skipIf(!usable)('exportPdf (LibreOffice over UNO, sandboxed)', () => {
  it('when the notice with a table is exported, then the PDF has its 2 layout pages, the substituted fonts are listed and page 1 renders with its title in the text layer', async () => {
    const r = await toPdf(path.join(CORPUS, 'generated/zh-notice-table.doc'), 'doc');
    expect(r).toMatchObject({ pageCount: 2, totalPages: 2, truncated: false, app: 'writer' });
    expect(r.fontSubstitutions).toEqual(expect.arrayContaining([
      { requested: '仿宋_GB2312', used: 'Noto Serif CJK SC' },
      { requested: '方正小标宋简体', used: 'Noto Serif CJK SC' },
      { requested: '黑体', used: 'Noto Sans CJK SC' },
      { requested: 'Times New Roman', used: 'Liberation Serif' },
    ]));
    const [page] = await renderPages(r.pdfPath, [1], { outDir: path.dirname(r.pdfPath) });
    expect(page).toMatchObject({ number: 1, width: 1000, height: 1415 });
    expect(page!.bytes).toBeLessThan(100_000);
    expect(readFileSync(page!.file)[25]).toBe(3); // red header: an indexed-colour PNG, not grey, not RGB
    const [layer] = await extractTextLayer(r.pdfPath, 1);
    const text = layer!.lines.map((l) => l.text).join('');
    expect(text.replace(/\s/gu, '')).toContain('关于举办2025年度全市机关数字化办公能力提升培训的通知');
  });

  it('when a Word file is converted with pdfOutDir, then one LibreOffice load gives both the text view and a PDF without page markers', async () => {
    const outDir = path.join(dir, `both-${++n}`);
    mkdirSync(outDir);
    const r = await converter.convert({ filePath: path.join(CORPUS, 'generated/zh-notice-table.doc'), format: 'DOC', pdfOutDir: outDir });
    expect(r.pages.length).toBe(2);
    expect(r.pdf).toMatchObject({ pdfPath: path.join(outDir, 'out.pdf'), pageCount: 2, app: 'writer' });
    const layers = await extractTextLayer(r.pdf!.pdfPath, 1, 2);
    const text = layers.flatMap((p) => p.lines.map((l) => l.text)).join('');
    expect(text).not.toMatch(/[\uE000\uE001]|WKP/u);
    expect(text).toContain('培训时间和地点');
  });

  // 公文 一、（一）1.（1） and GB clause 5.2.1 / a) / 1) labels are automatic numbering, not typed text:
  // a converter that drops list labels loses all of them (the issue measured 70–100 % lost).
  it.each(['zh-numbered.doc', 'zh-numbered.docx'])('when %s with automatic 公文 and GB clause numbering is converted, then every label is in the text view and in the page text layer', async (name) => {
    const expected = execFileSync('python3', [path.join(GENERATED, 'src/make_numbered.py'), '--labels'], { encoding: 'utf8' }).trim().split('\n');
    expect(expected).toHaveLength(34);
    const outDir = path.join(dir, `numbered-${++n}`);
    mkdirSync(outDir);
    const r = await converter.convert({ filePath: path.join(GENERATED, name), format: name.endsWith('.doc') ? 'DOC' : 'DOCX', pdfOutDir: outDir });
    // Each numbered paragraph's line, in order, starts with its label.
    const textLabels = r.text.split('\n').map((l) => l.trim()).filter(Boolean).slice(1).filter((l) => !l.startsWith('附'))
      .map((l) => l.match(/^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|（\d+）|[a-z]\)|\d+\)|\d+(?:\.\d+)*\.?)/u)?.[0] ?? `(no label) ${l}`);
    expect(textLabels).toEqual(expected);
    const layers = await extractTextLayer(r.pdf!.pdfPath, 1, r.pdf!.pageCount);
    const printed = layers.flatMap((p) => p.lines.map((l) => l.text.replace(/\s+/gu, ''))).join('\n');
    for (const [i, label] of expected.entries()) expect(printed, `label ${i + 1} ${label}`).toContain(label);
  });

  it('when a Word file\'s endnotes start a page of their own, then the page count is the PDF\'s, one per page entry', async () => {
    const outDir = path.join(dir, `endnotes-${++n}`);
    mkdirSync(outDir);
    const r = await converter.convertDocument({ filePath: path.join(CORPUS, 'external/mammoth.js/endnotes.docx'), format: 'DOCX', outDir });
    expect(r.layers).toHaveLength(2);
    expect(r.pageCount).toBe(2);
  });

  it('when the seed is exported, then it has 8 pages and page 1 of the text layer holds the title and reads top to bottom', async () => {
    const r = await toPdf(SEED, 'doc');
    expect(r.pageCount).toBe(8);
    const [layer] = await extractTextLayer(r.pdfPath, 1);
    const texts = layer!.lines.map((l) => l.text.replace(/\s/gu, ''));
    expect(texts.join('')).toContain('在全县政法稳定工作推进会议上的讲话');
    const ys = layer!.lines.map((l) => l.y);
    expect(ys.filter((y, i) => i > 0 && y < ys[i - 1]! - 2)).toEqual([]);
  });

  it('when a section must start on an odd page, then the blank page LibreOffice inserts is kept in the PDF', async () => {
    const body = `${para('第一页')}<w:p><w:pPr><w:sectPr><w:type w:val="nextPage"/><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:pPr></w:p>${para('第三页')}<w:sectPr><w:type w:val="oddPage"/><w:pgSz w:w="11906" w:h="16838"/></w:sectPr>`;
    const file = path.join(dir, 'odd.docx');
    writeFileSync(file, buildDocx(body));
    const r = await toPdf(file, 'docx');
    expect(r.pageCount).toBe(3);
    const layers = await extractTextLayer(r.pdfPath, 1, 3);
    expect(layers.map((p) => p.lines.map((l) => l.text).join(''))).toEqual(['第一页', '', '第三页']);
  });

  it('when a 50,000-row spreadsheet is exported, then the PDF stops at the cap and the true page count is kept', async () => {
    const r = await toPdf(path.join(FORMATS, 'easypoi-test/BigDataExport50000.xlsx'), 'xlsx', 20);
    expect(r).toMatchObject({ app: 'calc', pageCount: 20, truncated: true });
    expect(r.totalPages).toBeGreaterThan(1000);
  });

  it('when a file of each other office format is exported, then each gives a PDF of at least one page in the right application', async () => {
    const cases: Array<[string, OfficeFormat, string]> = [
      ['poi/54880_chinese.ppt', 'ppt', 'impress'],
      ['WPS_OA_Assistant/样章.pptx', 'pptx', 'impress'],
      ['tika/LibreOfficeImpress_odp_1.3.odp', 'odp', 'impress'],
      ['poi/chinese-provinces.xls', 'xls', 'calc'],
      ['Langchain-Chatchat/langchain-ChatGLM_open.xlsx', 'xlsx', 'calc'],
      ['tika/testODSMacro.ods', 'ods', 'calc'],
      ['Aspose.Words-for-Java/Utf8Text.rtf', 'rtf', 'writer'],
      ['poi-tl/test.wps', 'wps', 'writer'],
    ];
    for (const [file, format, app] of cases) {
      const r = await toPdf(path.join(FORMATS, file), format);
      expect({ file, app: r.app, ok: r.pageCount >= 1 }).toEqual({ file, app, ok: true });
    }
    // Kingsoft ET/DPS are the Excel/PowerPoint binary formats under another name.
    const et = path.join(dir, 'sheet.et');
    copyFileSync(path.join(FORMATS, 'poi/chinese-provinces.xls'), et);
    expect((await toPdf(et, 'et')).app).toBe('calc');
    const dps = path.join(dir, 'slides.dps');
    copyFileSync(path.join(FORMATS, 'poi/54880_chinese.ppt'), dps);
    expect((await toPdf(dps, 'dps')).app).toBe('impress');
  });

  it('when a UTF-8 text file is exported, then it is laid out on A4 pages with its Chinese text', async () => {
    const r = await toPdf(path.join(FORMATS, 'golang-text/sunzi-bingfa-simplified-utf-8.txt'), 'txt');
    expect(r.app).toBe('writer');
    expect(r.pageCount).toBeGreaterThan(1);
    const [layer] = await extractTextLayer(r.pdfPath, 1);
    expect(layer).toMatchObject({ width: 1000, height: 1415 });
    expect(layer!.lines.map((l) => l.text).join('')).toContain('孙子');
  });

  it('when the file is not a document LibreOffice can read, then a ConversionError says so', async () => {
    const junk = path.join(dir, 'junk.docx');
    writeFileSync(junk, Buffer.alloc(5000, 7));
    await expect(toPdf(junk, 'docx')).rejects.toMatchObject({ name: 'ConversionError', permanent: true });
  });
});
