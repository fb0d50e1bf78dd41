// The title heuristic: a property title only when the first page shows it, else the most
// prominent first-page line, else the file name; placeholders and extensions never survive.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sharedCorpusDir } from './format-fixtures.js';
import { appearsOnPage, chooseTitle, cleanTitle, isPlaceholderTitle, linesFromBboxLayout, prominentLine, type PageLine } from './title.js';

const page: PageLine[] = [
  { text: '临澜市人民政府办公室文件', fontSize: 22, y: 60 },
  { text: '临政办发〔2025〕12号', fontSize: 16, y: 110 },
  { text: '关于印发临澜市数字政府建设', fontSize: 26, y: 160 },
  { text: '三年行动方案的通知', fontSize: 26, y: 192 },
  { text: '各区县人民政府，市政府各部门：', fontSize: 16, y: 240 },
  { text: '— 1 —', fontSize: 30, y: 800 },
];

describe('chooseTitle', () => {
  it('when the property title appears on the first page, then it is used', () => {
    expect(chooseTitle({ propertyTitle: '关于印发临澜市数字政府建设三年行动方案的通知', firstPageLines: page, fileName: 'x.docx' })).toEqual({
      title: '关于印发临澜市数字政府建设三年行动方案的通知',
      source: 'properties',
    });
  });

  it('when the property title is stale (「标准名称」, 「（填写标准名称）」, another organisation), then the most prominent first-page line wins', () => {
    for (const stale of ['标准名称', '（填写标准名称）', '请输入标题', '某某大学研究生院', 'Microsoft Word - 文档1.doc']) {
      expect(chooseTitle({ propertyTitle: stale, firstPageLines: page, fileName: '通知.doc' }), stale).toEqual({
        title: '关于印发临澜市数字政府建设三年行动方案的通知',
        source: 'first_page',
      });
    }
  });

  it('when there is neither a usable property title nor first-page text, then the file name without its extension is the title', () => {
    for (const [name, title] of [
      ['年度报告.docm', '年度报告'],
      ['模板.dotx', '模板'],
      ['旧文件.dot', '旧文件'],
      ['扫描件.PDF', '扫描件'],
      ['C:\\Users\\me\\课件.pptx', '课件'],
      ['表.xlsx.xls', '表'],
    ] as const) {
      expect(chooseTitle({ propertyTitle: null, firstPageLines: [], fileName: name })).toEqual({ title, source: 'file' });
    }
    expect(chooseTitle({ propertyTitle: null, firstPageLines: [], fileName: '' }).title).toBe('未命名文档');
  });

  it('when a property title carries an extension or spacing, then it is cleaned before it is compared', () => {
    const lines = [{ text: '季度预算报告', fontSize: 20 }];
    expect(chooseTitle({ propertyTitle: '  季度预算报告.docx ', firstPageLines: lines, fileName: 'a.doc' })).toEqual({ title: '季度预算报告', source: 'properties' });
  });
});

describe('the parts', () => {
  it('when placeholders are checked, then template leftovers are placeholders and real titles are not', () => {
    for (const t of ['标准名称', '（填写标准名称）', '【标题】', 'Untitled', '无标题', '文档1', '单击此处添加标题', 'PowerPoint 演示文稿'.replace('PowerPoint ', '')]) {
      expect(isPlaceholderTitle(t), t).toBe(true);
    }
    for (const t of ['党办:在全县政法稳定工作推进会议上的讲话', '标准化工作总结', 'Quarterly Budget']) expect(isPlaceholderTitle(t), t).toBe(false);
  });

  it('when the page text is compared, then spaces, punctuation and line breaks do not matter', () => {
    expect(appearsOnPage('数字政府建设三年行动方案', page)).toBe(true);
    expect(appearsOnPage('数字 政府：建设', page)).toBe(true);
    expect(appearsOnPage('另一所大学', page)).toBe(false);
  });

  it('when the largest line is a page number, then it is skipped; a two-line heading is joined', () => {
    expect(prominentLine(page)).toBe('关于印发临澜市数字政府建设三年行动方案的通知');
    expect(prominentLine([{ text: 'A Study of', fontSize: 18 }, { text: 'Chinese Word Segmentation', fontSize: 18 }, { text: 'body', fontSize: 10 }])).toBe('A Study of Chinese Word Segmentation');
    expect(prominentLine([{ text: '1', fontSize: 40 }])).toBeNull();
  });

  it('when titles are cleaned, then control and bidi characters and "Microsoft Word - " go', () => {
    expect(cleanTitle('Microsoft Word - 会议纪要.doc')).toBe('会议纪要');
    expect(cleanTitle('报\u202e告\u0007  二〇二五')).toBe('报告 二〇二五');
  });
});

const hasPdftotext = spawnSync('pdftotext', ['-v']).status === 0;

describe.skipIf(!hasPdftotext)('linesFromBboxLayout', () => {
  it('when pdftotext -bbox-layout reads a real PDF, then its lines come with sizes and the prominent one is the heading', () => {
    const pdf = path.join(sharedCorpusDir(), 'external/formats/pdf.js/issue19360.pdf');
    const r = spawnSync('pdftotext', ['-bbox-layout', '-f', '1', '-l', '1', pdf, '-'], { encoding: 'utf8' });
    const lines = linesFromBboxLayout(r.stdout);
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.every((l) => l.fontSize > 0)).toBe(true);
    expect(prominentLine(lines)).toContain('坚持社会主义核心价值体系');
    expect(chooseTitle({ propertyTitle: '标准名称', firstPageLines: lines, fileName: 'issue19360.pdf' }).source).toBe('first_page');
  });

  it('when the generated notice PDF carries the stale Info title 「（填写标准名称）」, then its 22 pt two-line heading becomes the title', () => {
    const pdf = path.resolve(import.meta.dirname, '../../test/fixtures/generated/zh-notice.pdf');
    const info = spawnSync('pdfinfo', [pdf], { encoding: 'utf8' }).stdout;
    const propertyTitle = /^Title:\s*(.*)$/mu.exec(info)?.[1] ?? null;
    expect(propertyTitle).toBe('（填写标准名称）');
    const lines = linesFromBboxLayout(spawnSync('pdftotext', ['-bbox-layout', '-f', '1', '-l', '1', pdf, '-'], { encoding: 'utf8' }).stdout);
    expect(chooseTitle({ propertyTitle, firstPageLines: lines, fileName: 'zh-notice.pdf' })).toEqual({
      title: '关于开展2025年度政务数据质量核查工作的通知',
      source: 'first_page',
    });
  });
});

describe('the titles the upload and conversion use today (documents/document-text.ts)', () => {
  it('when a file name ends in a template or macro extension, or the properties hold a placeholder, then neither becomes the title', async () => {
    const { titleFromFileName, titleFromProperties } = await import('../documents/document-text.js');
    expect(titleFromFileName('模板.dotx')).toBe('模板');
    expect(titleFromFileName('年度报告.docm')).toBe('年度报告');
    expect(titleFromFileName('课件.pptx')).toBe('课件');
    expect(titleFromFileName('.docx')).toBe('.docx');
    expect(titleFromProperties('标准名称')).toBeNull();
    expect(titleFromProperties('（填写标准名称）')).toBeNull();
    expect(titleFromProperties('会议纪要.dot')).toBe('会议纪要');
    expect(titleFromProperties('党办:在全县政法稳定工作推进会议上的讲话')).toBe('党办:在全县政法稳定工作推进会议上的讲话');
  });
});

describe('a property title that extends the heading', () => {
  it('when the property title holds the first page heading whole (an issuing office before it), then the property title wins', () => {
    const lines = [{ text: '在全县政法稳定工作推进会议上的讲话', fontSize: 22, y: 100 }, { text: '同志们：', fontSize: 16, y: 200 }];
    expect(chooseTitle({ propertyTitle: '党办:在全县政法稳定工作推进会议上的讲话', firstPageLines: lines, fileName: 'a.doc' })).toEqual({
      title: '党办:在全县政法稳定工作推进会议上的讲话',
      source: 'properties',
    });
    // A stale property title that does not hold the heading still loses.
    expect(chooseTitle({ propertyTitle: '某某大学文件', firstPageLines: lines, fileName: 'a.doc' }).source).toBe('first_page');
  });
});
