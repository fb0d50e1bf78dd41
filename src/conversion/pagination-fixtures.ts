// Generated .docx files whose structures cross page ends (tests only): long tables (some with a
// repeated header row), paragraphs longer than a page, footnotes. Every table row, paragraph,
// heading and footnote carries a token of its own (a letter, the document's digit and four
// digits: T30042, P30007, H30003, F30011 in document 3) among Han filler that has neither, so a test can tell exactly which of them a
// text contains, and the text layer of each page says which of them that page shows.
import { buildZip } from './test-fixtures.js';

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
const R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const FILLER = '国家政府工作发展建设经济社会管理服务人民群众推进落实改革创新制度体系安全生产质量环境教育科技文化卫生';

/** Tokens a text holds (whitespace removed first: a layer line may split nothing else). */
export const TOKEN_RE = /[PTHF]\d{5}/gu;
export const tokensIn = (text: string): Set<string> => new Set(text.replace(/\s+/gu, '').match(TOKEN_RE) ?? []);

/** A small deterministic generator (mulberry32), so a failing seed can be run again. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface PaginationDoc {
  docx: Buffer;
  /** Every token, in document order (footnotes where they are referenced). */
  tokens: string[];
  /** What it holds, for a failing test's message. */
  outline: string[];
}

const esc = (s: string) => s.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;');
const run = (text: string) => `<w:r><w:t xml:space="preserve">${esc(text)}</w:t></w:r>`;

/**
 * A document of `blocks` structures chosen by `seed`: paragraphs (some longer than a page, some
 * with footnotes), headings, and tables of 30–160 rows that cross one or more page ends.
 */
export function paginationDocx(seed: number, options: { blocks?: number; docDigit?: number } = {}): PaginationDoc {
  const blocks = options.blocks ?? 7;
  const docDigit = options.docDigit ?? 0;
  const rand = seededRandom(seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const filler = (n: number) => Array.from({ length: n }, () => FILLER[pick(FILLER.length)]).join('');
  const counters = { P: 0, T: 0, H: 0, F: 0 };
  const next = (kind: keyof typeof counters) => `${kind}${docDigit}${String(++counters[kind]).padStart(4, '0')}`;
  const tokens: string[] = [];
  const outline: string[] = [];
  const footnotes: string[] = [];
  let body = '';

  const paragraph = (chars: number, withFootnote: boolean) => {
    const sentences: string[] = [];
    let out = '';
    for (let left = chars; left > 0; left -= 40) {
      const t = next('P');
      tokens.push(t);
      sentences.push(`${t}${filler(Math.min(38, left))}。`);
    }
    const footAt = withFootnote ? pick(sentences.length) : -1;
    sentences.forEach((s, i) => {
      out += run(s);
      if (i === footAt) {
        const f = next('F');
        tokens.push(f);
        const id = footnotes.length + 1;
        footnotes.push(`<w:footnote w:id="${id}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>${run(` 注${f}${filler(30 + pick(60))}。`)}</w:p></w:footnote>`);
        out += `<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteReference w:id="${id}"/></w:r>`;
      }
    });
    body += `<w:p><w:pPr><w:ind w:firstLineChars="200"/></w:pPr>${out}</w:p>`;
  };

  const table = (rows: number, cols: number, repeatHeader: boolean) => {
    const cell = (text: string) => `<w:tc><w:tcPr><w:tcW w:w="${Math.floor(9000 / cols)}" w:type="dxa"/></w:tcPr><w:p>${run(text)}</w:p></w:tc>`;
    const h = next('H');
    tokens.push(h);
    let xml = `<w:tr>${repeatHeader ? '<w:trPr><w:tblHeader/></w:trPr>' : ''}${cell(`${h}表头`)}${Array.from({ length: cols - 1 }, (_, i) => cell(`列${'甲乙丙丁'[i]}`)).join('')}</w:tr>`;
    for (let r = 0; r < rows; r++) {
      const t = next('T');
      tokens.push(t);
      xml += `<w:tr>${cell(t)}${Array.from({ length: cols - 1 }, () => cell(filler(2 + pick(cols > 2 ? 6 : 14)))).join('')}</w:tr>`;
    }
    body +=
      `<w:tbl><w:tblPr><w:tblW w:w="9000" w:type="dxa"/><w:tblBorders><w:top w:val="single" w:sz="4"/><w:bottom w:val="single" w:sz="4"/>` +
      `<w:insideH w:val="single" w:sz="4"/><w:insideV w:val="single" w:sz="4"/></w:tblBorders></w:tblPr>${xml}</w:tbl><w:p/>`;
  };

  for (let b = 0; b < blocks; b++) {
    const kind = pick(4);
    if (kind === 0) {
      const rows = 30 + pick(130);
      const cols = 2 + pick(3);
      const repeat = rand() < 0.5;
      outline.push(`table ${rows}×${cols}${repeat ? ' (header repeated)' : ''}`);
      table(rows, cols, repeat);
    } else if (kind === 1) {
      const chars = 1200 + pick(1600);
      outline.push(`paragraph of ${chars} characters with a footnote`);
      paragraph(chars, true);
    } else if (kind === 2) {
      const h = next('H');
      tokens.push(h);
      outline.push('heading and short paragraphs');
      body += `<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:sz w:val="36"/></w:rPr><w:t>${h}${filler(8)}</w:t></w:r></w:p>`;
      for (let i = 0; i < 2 + pick(4); i++) paragraph(60 + pick(200), rand() < 0.3);
    } else {
      const chars = 300 + pick(600);
      outline.push(`paragraph of ${chars} characters`);
      paragraph(chars, rand() < 0.5);
    }
  }

  const sect = '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="720" w:footer="720"/></w:sectPr>';
  const separator =
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>' +
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>';
  const docx = buildZip([
    {
      name: '[Content_Types].xml',
      data:
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>' +
        '<Override PartName="/word/footnotes.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>',
    },
    {
      name: '_rels/.rels',
      data: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${R}/officeDocument" Target="word/document.xml"/></Relationships>`,
    },
    {
      name: 'word/_rels/document.xml.rels',
      data: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdFn" Type="${R}/footnotes" Target="footnotes.xml"/></Relationships>`,
    },
    { name: 'word/document.xml', data: `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="${W}" xmlns:r="${R}"><w:body>${body}${sect}</w:body></w:document>` },
    { name: 'word/footnotes.xml', data: `<?xml version="1.0" encoding="UTF-8"?><w:footnotes xmlns:w="${W}" xmlns:r="${R}">${separator}${footnotes.join('')}</w:footnotes>` },
  ]);
  return { docx, tokens, outline };
}
