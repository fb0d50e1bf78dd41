// The 文字版 (text view) from the HTML path: pages cut only between blocks, list labels kept as
// text, a paragraph's own first-line indent kept and no other.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitPages, htmlToText } from './html.js';
import { createConverter, type Converter } from './index.js';
import { findSoffice, sandboxProblem } from './libreoffice.js';
import { buildDocx, para } from './test-fixtures.js';

const CORPUS = [path.resolve(import.meta.dirname, '../../../shared/corpus'), '/work/shared/corpus'].find((p) => existsSync(p))!;
const SEED = path.join(CORPUS, 'seed', '在全县政法稳定工作推进会议上的讲话.doc');
const usable = findSoffice(undefined) !== null && sandboxProblem() === null;
const M = (n: number) => `\uE000WKP${n}\uE001`;

describe('splitPages', () => {
  it('when a page starts late in a paragraph, then the cut moves after it; early in it, before it', () => {
    expect(splitPages(`<p>one</p><p>two two ${M(2)}halves</p><p>three</p>`)).toEqual(['<p>one</p><p>two two halves</p>', '<p>three</p>']);
    expect(splitPages(`<p>one</p><p>tw${M(2)}o halves</p><p>three</p>`)).toEqual(['<p>one</p>', '<p>two halves</p><p>three</p>']);
  });

  it('when a page starts at the beginning of a paragraph, then the cut is before it', () => {
    expect(splitPages(`<p>one</p><p><strong>${M(2)}two</strong></p>`)).toEqual(['<p>one</p>', '<p><strong>two</strong></p>']);
  });

  it('when pages start inside a table, then the table stays whole on one page and the pages it also covers are empty', () => {
    const table = `<table><tr><td>a</td><td>b${M(2)}</td></tr><tr><td>${M(3)}c</td><td>d</td></tr></table>`;
    const pages = splitPages(`<p>x</p>${table}<p>${M(4)}after</p>`);
    expect(pages).toEqual([`<p>x</p><table><tr><td>a</td><td>b</td></tr><tr><td>c</td><td>d</td></tr></table>`, '', '', '<p>after</p>']);
  });
});

function docxWithNumbering(body: string): Buffer {
  const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
  const lvl = (ilvl: number, fmt: string, text: string) =>
    `<w:lvl w:ilvl="${ilvl}"><w:start w:val="1"/><w:numFmt w:val="${fmt}"/><w:lvlText w:val="${text}"/><w:pPr><w:ind w:left="0" w:firstLine="0"/></w:pPr></w:lvl>`;
  const numbering = `<?xml version="1.0" encoding="UTF-8"?><w:numbering xmlns:w="${W}">` +
    `<w:abstractNum w:abstractNumId="0">${lvl(0, 'chineseCounting', '%1、')}${lvl(1, 'chineseCounting', '（%2）')}${lvl(2, 'decimal', '%3.')}</w:abstractNum>` +
    `<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>`;
  return buildDocx(body, [{ id: 'rIdNum', type: 'numbering', target: 'numbering.xml' }], [{ name: 'word/numbering.xml', data: numbering }]);
}
const item = (ilvl: number, text: string) => `<w:p><w:pPr><w:numPr><w:ilvl w:val="${ilvl}"/><w:numId w:val="1"/></w:numPr></w:pPr><w:r><w:t>${text}</w:t></w:r></w:p>`;

describe.skipIf(!usable)('text view through LibreOffice', () => {
  let dir: string;
  let converter: Converter;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'wk-textview-'));
    converter = createConverter({ workDir: path.join(dir, 'work'), log: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await converter.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('when the notice whose table crosses a page end is converted, then it is one table with every cell in its column', async () => {
    const r = await converter.convert({ filePath: path.join(CORPUS, 'generated/zh-notice-table.doc'), format: 'DOC' });
    expect(r.pages.length).toBe(r.pageCount);
    const html = r.pages.join('');
    expect(html.match(/<table/gu)?.length).toBe(1);
    const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/gu)].map((m) => [...m[1]!.matchAll(/<t[dh][^>]*>([\s\S]*?)<\/t[dh]>/gu)].map((c) => htmlToText(c[1]!)));
    expect(rows[0]).toEqual(['日期', '时间', '培训内容', '主讲人', '地点']);
    expect(rows.every((row) => row.length === 5)).toBe(true);
    expect(rows).toContainEqual(['4月14日', '14:30—17:30', '公文格式规范与电子公文处理', '刘芳', '第一教室']);
  });

  it('when the gov report and the seed are converted, then no paragraph is torn at a page end', async () => {
    for (const file of [path.join(CORPUS, 'generated/zh-gov-report-8p.doc'), SEED]) {
      const r = await converter.convert({ filePath: file, format: 'DOC' });
      expect(r.pages.length).toBe(r.pageCount);
      const whole = splitPages(r.pages.join(''));
      // Paragraph count is the same whether cut or not: no paragraph was split in two.
      const count = (h: string) => h.match(/<p[ >]/gu)?.length ?? 0;
      expect(r.pages.reduce((n, p) => n + count(p), 0)).toBe(count(whole[0]!));
      for (const p of r.pages.slice(1)) expect(p).toMatch(/^<(p|h\d|table|ol|ul)[ >]/u);
      expect(r.pages.filter((p) => !p)).toEqual([]);
    }
    const seed = await converter.convert({ filePath: SEED, format: 'DOC' });
    expect(seed.text).not.toMatch(/社\n+会稳定/u);
  });

  it('when a document has automatic numbering, then the labels 一、（一）1. are kept as text', async () => {
    const file = path.join(dir, 'numbered.docx');
    writeFileSync(file, docxWithNumbering([item(0, '总体要求'), item(1, '指导思想'), item(2, '坚持稳中求进'), item(2, '坚持改革创新'), item(1, '主要目标'), item(0, '重点任务')].join('')));
    const r = await converter.convert({ filePath: file, format: 'DOCX' });
    const lines = r.text.split('\n').map((l) => l.trim()).filter(Boolean);
    expect(lines).toEqual(['一、总体要求', '（一）指导思想', '1. 坚持稳中求进', '2. 坚持改革创新', '（二）主要目标', '二、重点任务']);
  });

  it('when paragraphs have a first-line indent or none, then only the indented ones start with ideographic spaces', async () => {
    const file = path.join(dir, 'indent.docx');
    const indented = '<w:p><w:pPr><w:ind w:firstLine="640"/></w:pPr><w:r><w:rPr><w:sz w:val="32"/><w:szCs w:val="32"/></w:rPr><w:t>首行缩进两字</w:t></w:r></w:p>';
    writeFileSync(file, buildDocx(para('没有缩进') + indented));
    const r = await converter.convert({ filePath: file, format: 'DOCX' });
    expect(r.pages[0]).toContain('<p>没有缩进</p>');
    expect(r.pages[0]).toContain('<p>\u3000\u3000首行缩进两字</p>');
  });
});
