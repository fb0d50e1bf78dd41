// visibleHtml: the 文字版 a reader limited to pages 1..N gets ends where the text layers of those
// pages end, whatever the stored 文字版 pages hold (issue 27 item 2). The whole pipeline, with
// generated documents converted by LibreOffice, is visible-text.property.test.ts.
import { describe, expect, it } from 'vitest';
import { htmlToText } from '../conversion/html.js';
import { visibleHtml } from './visible-text.js';

const rows = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `<tr><td>行${from + i}号</td><td>数据${from + i}</td></tr>`).join('');
const rowLines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => [`行${from + i}号`, `数据${from + i}`]).flat();

describe('visibleHtml', () => {
  it('when a table crosses the end of the last free page and is stored whole on one page, then the reader gets its rows up to that page end and the table is closed', () => {
    // As splitPages stores it: the whole table with the page it mostly lies on, pages 3.. empty.
    const pages = ['<p>第一页开头的说明文字</p>', `<table><tbody>${rows(1, 600)}</tbody></table>`, '', ''];
    const layers = [['第一页开头的说明文字', ...rowLines(1, 30)], rowLines(31, 64)];
    const html = visibleHtml({ pages, layers, pagesVisible: 2 });
    const text = htmlToText(html);
    expect(text).toContain('行64号');
    expect(text).toContain('数据64');
    expect(text).not.toContain('行65号');
    expect(html.endsWith('</tr></tbody></table>')).toBe(true);
  });

  it('when a paragraph runs on past the page end, then the reader gets it up to the last line the page shows, even when footnote text there would pay for more', () => {
    // Page 1 ends after the second sentence; its footnote sits at the foot of the page, and its
    // characters (not their order) begin the sentence page 2 shows.
    const para = '甲乙丙丁戊己庚辛壬癸。子丑寅卯辰巳午未申酉。玄黄天地日月盈昃';
    const pages = [`<p>${para}</p><ol><li id="footnote-1"><p>注释：天地玄黄</p></li></ol>`];
    const layers = [['甲乙丙丁戊己庚辛壬癸。子丑寅卯辰', '巳午未申酉。', '1 注释：天地玄黄']];
    const text = htmlToText(visibleHtml({ pages, layers, pagesVisible: 1 }));
    expect(text).toBe('甲乙丙丁戊己庚辛壬癸。子丑寅卯辰巳午未申酉。');
  });

  it('when the HTML holds our own image placeholder, then it costs nothing and the text after it is kept', () => {
    const pages = ['<p>图前文字<span class="img-placeholder">[图片]</span>图后文字</p><p>下一页的内容</p>'];
    const text = htmlToText(visibleHtml({ pages, layers: [['图前文字', '图后文字']], pagesVisible: 1 }));
    expect(text).toBe('图前文字[图片]图后文字');
  });

  it('when the text layer writes full-width letters, Kangxi radicals or another case, then they count as the characters they stand for', () => {
    const pages = ['<p>ABC一二三dog</p><p>秘密</p>'];
    const text = htmlToText(visibleHtml({ pages, layers: [['ＡＢＣ⼀二三DOG']], pagesVisible: 1 }));
    expect(text).toBe('ABC一二三dog');
  });

  it('when the document has no rendered pages, then the reader gets the stored pages up to the last visible one', () => {
    expect(visibleHtml({ pages: ['<p>一</p>', '<p>二</p>', '<p>三</p>'], layers: null, pagesVisible: 2 })).toBe('<p>一</p>\n<p>二</p>');
  });

  it('when no page may be read, then nothing is', () => {
    expect(visibleHtml({ pages: ['<p>一</p>'], layers: [['一']], pagesVisible: 0 })).toBe('');
  });

  it('when entities and tags sit at the cut, then the output is whole HTML with no half entity and no empty shells', () => {
    const pages = ['<p>A &amp; B 公司</p><p><strong>第二</strong>段落</p>'];
    const html = visibleHtml({ pages, layers: [['A & B 公司']], pagesVisible: 1 });
    expect(html).toBe('<p>A &amp; B 公司</p>');
  });
});
