// The title a document is listed under when the uploader gave none. Property titles are often
// stale (a template's 「标准名称」, 「（填写标准名称）」, another organisation's name), so one is used
// only when the first page shows it; otherwise the first page's most prominent line (largest font,
// earliest on the page), else the file name. Pure functions: the caller extracts the lines
// (e.g. from `pdftotext -bbox-layout` of the first page).
import { TITLE_EXTENSION } from './formats.js';

export interface PageLine {
  text: string;
  /** Font size (or line height) in points; larger is more prominent. */
  fontSize: number;
  /** Distance from the top of the page; smaller is earlier. Optional: the order of the array otherwise. */
  y?: number;
}

export interface TitleInput {
  propertyTitle: string | null;
  firstPageLines: readonly PageLine[];
  fileName: string | null | undefined;
}

export type TitleSource = 'properties' | 'first_page' | 'file';

const MAX_TITLE_CHARS = 200;

// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu;

/** Whitespace collapsed, control and bidi characters removed, the file extension and "Microsoft Word - " dropped. */
export function cleanTitle(raw: string): string {
  let s = raw.normalize('NFC').replace(UNSAFE, '').replace(/\s+/gu, ' ').trim();
  s = s.replace(/^Microsoft (Word|PowerPoint|Excel)\s*-\s*/iu, '');
  for (let i = 0; i < 2 && TITLE_EXTENSION.test(s); i++) s = s.replace(TITLE_EXTENSION, '').trim();
  return [...s].slice(0, MAX_TITLE_CHARS).join('');
}

/** Placeholders and template leftovers that are never a real title. */
export function isPlaceholderTitle(title: string): boolean {
  const t = title.replace(/[\s（）()【】[\]「」《》<>“”"'：:_\-—…·.]/gu, '');
  if (!t) return true;
  if (/^(untitled|无标题|新建|新建文档|新建文本文档|文档\d*|document\d*|doc\d*|title|标题|正文|slide\d*|幻灯片\d*|sheet\d*|工作表\d*|ppt模板|演示文稿\d*|工作簿\d*|pdf)$/iu.test(t)) return true;
  // 「标准名称」 「（填写标准名称）」 「请输入标题」 「在此处键入标题」 「单击此处添加标题」
  if (/^(请)?(填写|输入|键入|在此(处)?(键入|输入)|单击此处(添加|编辑)?|点击(此处)?(添加|输入))?(标准|文档|文件|论文|项目|单位)?(名称|标题|题目)(名称)?$/u.test(t)) return true;
  if (/^(单击此处|点击此处|在此处|请在此)/u.test(t)) return true;
  return false;
}

/** Comparable form: no spaces or punctuation, full-width folded, lower case. */
function comparable(s: string): string {
  return s
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]/gu, '');
}

/** True when the first page's text contains the title (ignoring spacing, punctuation and line breaks). */
export function appearsOnPage(title: string, lines: readonly PageLine[]): boolean {
  const t = comparable(title);
  if (t.length < 2) return false;
  return comparable(lines.map((l) => l.text).join('')).includes(t);
}

/** A line that is a page furniture item rather than a heading: page numbers, dates, lone symbols. */
function isFurniture(text: string): boolean {
  const t = text.trim();
  if ([...t].length < 2) return true;
  if (/^[-—–\s]*(第\s*)?\d+\s*(页)?[-—–\s]*$/u.test(t)) return true; // "— 1 —", "第 3 页"
  if (/^\d{4}[年./-]\d{1,2}([月./-]\d{1,2}日?)?$/u.test(t)) return true;
  if (!/[\p{L}\p{N}]/u.test(t)) return true;
  return false;
}

/**
 * The first page's most prominent line: the largest font, the earliest of those; consecutive
 * lines of the same size right below it join it (a title set over two lines). Null when none.
 */
export function prominentLine(lines: readonly PageLine[]): string | null {
  const usable = lines
    .map((l, i) => ({ ...l, text: cleanTitle(l.text), order: l.y ?? i }))
    .filter((l) => !isFurniture(l.text) && !isPlaceholderTitle(l.text) && Number.isFinite(l.fontSize) && l.fontSize > 0);
  if (usable.length === 0) return null;
  usable.sort((a, b) => a.order - b.order);
  const largest = Math.max(...usable.map((l) => l.fontSize));
  const start = usable.findIndex((l) => l.fontSize >= largest * 0.98);
  const parts = [usable[start]!.text];
  for (let i = start + 1; i < usable.length && parts.length < 3; i++) {
    if (Math.abs(usable[i]!.fontSize - usable[start]!.fontSize) > largest * 0.02) break;
    parts.push(usable[i]!.text);
  }
  const joined = parts.join(/[\p{Script=Han}]$/u.test(parts[0]!) ? '' : ' ');
  return cleanTitle(joined) || null;
}

/** The title by the rules above, and where it came from. The file name always gives something. */
export function chooseTitle(input: TitleInput): { title: string; source: TitleSource } {
  const prop = input.propertyTitle ? cleanTitle(input.propertyTitle) : '';
  if (prop && !isPlaceholderTitle(prop) && appearsOnPage(prop, input.firstPageLines)) return { title: prop, source: 'properties' };
  const line = prominentLine(input.firstPageLines);
  // A property title that holds the page's heading whole (「党办:」 + the heading) is that title, not a stale one.
  if (prop && line && !isPlaceholderTitle(prop) && comparable(line).length >= 4 && comparable(prop).includes(comparable(line))) {
    return { title: prop, source: 'properties' };
  }
  if (line) return { title: line, source: 'first_page' };
  const base = (input.fileName ?? '').split(/[\\/]/u).pop() ?? '';
  const fromFile = cleanTitle(base);
  return { title: fromFile || '未命名文档', source: 'file' };
}

/**
 * Lines with font sizes from `pdftotext -bbox-layout` XHTML (poppler): each <line> with its
 * words; the line height stands in for the font size.
 */
export function linesFromBboxLayout(xhtml: string, page = 1): PageLine[] {
  const pages = xhtml.split(/<page\b/u).slice(1);
  const body = pages[page - 1] ?? '';
  const out: PageLine[] = [];
  for (const m of body.matchAll(/<line\b[^>]*yMin="([\d.]+)"[^>]*yMax="([\d.]+)"[^>]*>([\s\S]*?)<\/line>/gu)) {
    const words = [...m[3]!.matchAll(/<word\b[^>]*>([\s\S]*?)<\/word>/gu)].map((w) => decodeXml(w[1]!));
    const text = words.reduce((acc, w) => (acc && !(/\p{Script=Han}$/u.test(acc) && /^\p{Script=Han}/u.test(w)) ? `${acc} ${w}` : acc + w), '');
    out.push({ text, fontSize: Number(m[2]) - Number(m[1]), y: Number(m[1]) });
  }
  return out;
}

function decodeXml(s: string): string {
  return s
    .replace(/&lt;/gu, '<')
    .replace(/&gt;/gu, '>')
    .replace(/&quot;/gu, '"')
    .replace(/&apos;/gu, "'")
    .replace(/&#(\d+);/gu, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/gu, '&');
}
