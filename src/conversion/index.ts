// Public API of the conversion engine. The documents feature (upload, queue, worker) depends
// only on what is exported here. Pipeline (docs/conversion.md):
//   DOC/DOCX → LibreOffice in a sandbox, over UNO (layout: page count, page-start markers,
//   vector images → PNG) → DOCX → mammoth in a capped child process → sanitiser → pages.
//   Without LibreOffice: DOCX → mammoth directly; DOC → word-extractor text-only preview.
import { copyFile, mkdir, mkdtemp, open, rename, rm, truncate } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import WordExtractor from 'word-extractor';
import { countWords } from '../text/chinese.js';
import { ChildFailure } from './children.js';
import { estimatePageMarkers, htmlToText, PAGE_MARKER_PREFIX, paragraphsToHtml, sanitize, splitPages } from './html.js';
import { findSoffice, LibreOfficePool, sandboxProblem, type BridgeRequest, type ReplyFor } from './libreoffice.js';
import { DEFAULT_MAMMOTH_LIMITS, MammothRunner, type MammothLimits } from './mammoth-runner.js';
import { storedProperties, type StoredProperties } from './properties.js';
import { FORMATS, type DocumentFormat } from './formats.js';
import { checkPdf } from './pdf-check.js';
import { extractTextLayer, DEFAULT_RENDER_LIMITS, type TextLayerPage } from './render.js';
import { sniffDocument } from './sniff.js';
import { decodeTextFile, looksLikeJunk } from './text-decode.js';
import { type PageLine } from './title.js';
import { AppError } from '../errors.js';
import { checkEmbeddedPackages, embeddedBombInCompoundFile } from './embedded.js';
import { expandedCellsOf, MAX_EXPANDED_CELLS } from './odf-cells.js';
import { checkZipBounds, DEFAULT_ZIP_LIMITS, inflateZip, listZip, ZipError, type ZipLimits } from './zip.js';

export { sniffWordFile, sniffUpload, type WordFormat } from './sniff.js';
export { pdfNeedsPassword } from './pdf-check.js';
export { chooseTitle, type PageLine } from './title.js';
export { FORMATS, type DocumentFormat } from './formats.js';
export { DEFAULT_MAX_EXPORT_PAGES, type FontSubstitution, type OfficeFormat, type PdfExport } from './pdf-export.js';
export * from './render.js';
import { DEFAULT_MAX_EXPORT_PAGES, exportPdf, pdfExportOf, PdfExportError, type OfficeFormat, type PdfExport } from './pdf-export.js';
import type { WordFormat } from './sniff.js';

/** Word-processing formats: their 文字版 comes from the .docx path (mammoth), their pages from the same load. */
export type WordFamilyFormat = WordFormat | 'WPS' | 'RTF' | 'ODT';
const WORD_FAMILY: readonly string[] = ['DOC', 'DOCX', 'WPS', 'RTF', 'ODT'];
const ZIP_FORMATS: readonly string[] = ['DOCX', 'ODT', 'PPTX', 'XLSX', 'ODP', 'ODS'];
const ODF_FORMATS: readonly string[] = ['ODT', 'ODS', 'ODP'];
const OLE_FORMATS: readonly string[] = ['DOC', 'WPS', 'XLS', 'ET', 'PPT', 'DPS'];

/** The page preview keeps at most this many pages (the true count is kept; the rest is never shown). */
export const MAX_PREVIEW_PAGES = 200;
/** A text file is laid out up to this many bytes of UTF-8 (about 100 dense A4 pages of Chinese). */
export const MAX_TEXT_LAYOUT_BYTES = 300_000;
/**
 * …and up to this many lines (paragraphs, to LibreOffice): about 45 A4 pages of short lines. A
 * 300 KB file of 150,000 two-byte lines is ~3,300 pages of layout, past the converter's timeout
 * (measured: 5,000 lines took 44 s on a busy machine); cut here it previews its start and the
 * page count is estimated from the whole.
 */
export const MAX_TEXT_LAYOUT_LINES = 2_000;

/** Where a decoded text file is cut for layout: after the last whole line inside both budgets. */
export function textLayoutCut(head: Buffer, size: number): number {
  let cut = head.length < size ? head.lastIndexOf(0x0a) + 1 : head.length;
  let newlines = 0;
  for (let i = head.indexOf(0x0a); i !== -1 && i < cut; i = head.indexOf(0x0a, i + 1)) {
    if (++newlines === MAX_TEXT_LAYOUT_LINES) {
      cut = i + 1;
      break;
    }
  }
  // A budget without a single line break: cut at the byte bound (never inside a UTF-8 sequence).
  return cut > 0 ? cut : MAX_TEXT_LAYOUT_BYTES - 4;
}
export const SCANNED_ZH = '此文档为扫描件，暂无文字版';

/** What the documents feature stores for one upload: the 文字版, the PDF and its pages, metadata. */
// `pages` is the 文字版 of the previewable pages; `pageCount` the true count (slides = slides,
// spreadsheets as printed before the cap, PDFs as they are).
export interface DocumentConversion extends Omit<ConversionResult, 'pdf'> {
  /** `${outDir}/out.pdf`, holding the first `layers.length` pages; null when none could be made. */
  pdfPath: string | null;
  /** Size and positioned text of each previewable page, in pixels at PAGE_WIDTH_PX. */
  layers: TextLayerPage[];
  fontSubstitutions: Array<{ requested: string; used: string }>;
  /** For chooseTitle: page 1's lines with their height standing in for the font size. */
  firstPageLines: PageLine[];
  /** No text layer at all (an image-only PDF). */
  scanned: boolean;
}

const escapeHtml = (s: string) => s.replace(/&/gu, '&amp;').replace(/</gu, '&lt;').replace(/>/gu, '&gt;').replace(/"/gu, '&quot;');

/** Pages per pdftotext call: a dense page's -bbox-layout XHTML is ~150 KB, the sandbox keeps 16 MB of output. */
const TEXT_LAYER_PAGES_PER_CALL = Math.min(20, DEFAULT_RENDER_LIMITS.maxPagesPerCall);

/** Positioned text of pages 1..n of a PDF, a few pages per sandboxed call. */
async function textLayers(pdfPath: string, n: number): Promise<TextLayerPage[]> {
  const out: TextLayerPage[] = [];
  for (let first = 1; first <= n; first += TEXT_LAYER_PAGES_PER_CALL) {
    const last = Math.min(n, first + TEXT_LAYER_PAGES_PER_CALL - 1);
    out.push(...(await extractTextLayer(pdfPath, first, last)));
  }
  return out;
}

/** The 文字版 of a non-Word format: each page's lines as paragraphs (text only, escaped). */
export function textViewFromLayers(layers: readonly TextLayerPage[]): { pages: string[]; text: string; scanned: boolean } {
  const pageTexts = layers.map((p) => p.lines.map((l) => l.text.trim()).filter(Boolean));
  const scanned = pageTexts.every((lines) => lines.length === 0);
  const pages = scanned
    ? layers.map((_, i) => (i === 0 ? `<p class="doc-empty">${SCANNED_ZH}</p>` : ''))
    : pageTexts.map((lines) => lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n'));
  return { pages: pages.length ? pages : [`<p class="doc-empty">${SCANNED_ZH}</p>`], text: pageTexts.map((l) => l.join('\n')).join('\n'), scanned };
}

const firstLines = (layers: readonly TextLayerPage[]): PageLine[] => (layers[0]?.lines ?? []).map((l) => ({ text: l.text, fontSize: l.h, y: l.y }));

export interface ConversionResult {
  /** Sanitised HTML, one string per page (page boundaries), at least one. */
  pages: string[];
  /** From LibreOffice's layout when available, else the fallback. */
  pageCount: number;
  /** Recounted: each Han character one word, each run of Latin letters/digits one word. */
  wordCount: number;
  /** Plain body text (for search / related). */
  text: string;
  /** From OLE SummaryInformation / docProps/core.xml, decoded by codepage. */
  properties: { title: string | null; author: string | null };
  /** True when the preview is text-only (no LibreOffice available). */
  simplified: boolean;
  warnings: string[];
  /** With `pdfOutDir`: the page preview's PDF from the same LibreOffice load (null if it failed). */
  pdf?: PdfExport | null;
}

export class ConversionError extends Error {
  constructor(
    /** For the uploader, in Chinese. */
    readonly reasonZh: string,
    message: string,
    /** true: retrying the same file will fail again. */
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'ConversionError';
  }
}

export interface Converter {
  /** Throws ConversionError. Must not be called after close(). */
  convert(input: { filePath: string; format: WordFormat }): Promise<ConversionResult>;
  close(): Promise<void>;
}

/** What createConverter returns: the text view (convert) and the page preview's PDF. */
export interface PageConverter extends Converter {
  /**
   * The text view as before; with `pdfOutDir` (Word files) also the page preview's PDF
   * (`${pdfOutDir}/out.pdf`, `result.pdf`) from the same LibreOffice load: one load, not two.
   */
  convert(input: { filePath: string; format: WordFamilyFormat; pdfOutDir?: string; maxPdfPages?: number }): Promise<ConversionResult>;
  /** Any contract format: the 文字版, `${outDir}/out.pdf`, page sizes and text layers, metadata. Throws ConversionError. */
  convertDocument(input: { filePath: string; format: DocumentFormat; outDir: string }): Promise<DocumentConversion>;
  /**
   * The page-faithful preview's first step: LibreOffice's layout as `${outDir}/out.pdf`
   * (pdf-export.ts). Throws ConversionError (also when LibreOffice is not available).
   */
  exportPdf(input: { filePath: string; format: OfficeFormat; outDir: string; maxPages?: number }): Promise<PdfExport>;
}

export interface ConverterLimits {
  libreOfficeTimeoutMs: number;
  /** Restart a LibreOffice instance after this many documents. */
  libreOfficeMaxJobs: number;
  mammoth: MammothLimits;
  zip: ZipLimits;
}

export const DEFAULT_LIMITS: ConverterLimits = {
  libreOfficeTimeoutMs: 60_000,
  libreOfficeMaxJobs: 200,
  mammoth: DEFAULT_MAMMOTH_LIMITS,
  zip: DEFAULT_ZIP_LIMITS,
};

/** Bumped whenever the output changes, so stored previews can be regenerated. */
export const CONVERTER_VERSION = 1;

const INSTALL_HINT =
  'LibreOffice not available: .doc files get a text-only preview and page counts are estimated. ' +
  'Install it with scripts/install-system-deps.sh (Debian: apt-get install libreoffice-writer python3-uno bubblewrap ' +
  'fonts-noto-cjk fonts-wqy-zenhei) or set SOFFICE_PATH.';

const EMPTY_PAGE = '<p class="doc-empty">（此文档没有可显示的文字内容）</p>';

const fail = {
  bomb: (detail: string) => new ConversionError('文档解压后体积异常（疑似压缩炸弹），已拒绝处理', `zip bounds: ${detail}`, true),
  corrupt: (detail: string) => new ConversionError('文件已损坏或不完整，无法读取', `corrupt: ${detail}`, true),
  unreadable: (detail: string) => new ConversionError('无法读取该 Word 文档，文件可能已损坏或已加密', `LibreOffice: ${detail}`, true),
  unreadableAny: (detail: string) => new ConversionError('无法读取该文档，文件可能已损坏或已加密', `LibreOffice: ${detail}`, true),
  timeout: (detail: string) => new ConversionError('文档过大或过于复杂，转换超时', `timeout: ${detail}`, true),
  memory: (detail: string) => new ConversionError('文档过大或过于复杂，转换时内存不足', `crashed: ${detail}`, true),
  parse: (detail: string) => new ConversionError('文档内容格式错误，无法解析', `mammoth: ${detail}`, true),
  tooManyCells: (detail: string) =>
    new ConversionError(`表格展开后单元格过多（超过 ${MAX_EXPANDED_CELLS / 10_000} 万个），超出预览的处理上限`, `table bounds: ${detail}`, true),
};

export function createConverter(options: {
  sofficePath?: string | null;
  workDir: string;
  log: Logger;
  concurrency?: number;
  limits?: Partial<ConverterLimits>;
}): PageConverter {
  const log = options.log.child({ module: 'conversion' });
  const limits: ConverterLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const workDir = path.resolve(options.workDir);
  const mammoth = new MammothRunner(concurrency, limits.mammoth, log);

  let lo: LibreOfficePool | null = null;
  const soffice = findSoffice(options.sofficePath);
  if (!soffice) log.warn(INSTALL_HINT);
  else {
    const problem = sandboxProblem();
    if (problem) log.error(`LibreOffice found at ${soffice} but not used: ${problem}. ${INSTALL_HINT}`);
    else {
      lo = new LibreOfficePool({
        sofficePath: soffice,
        workDir,
        instances: concurrency,
        timeoutMs: limits.libreOfficeTimeoutMs,
        maxJobsPerInstance: limits.libreOfficeMaxJobs,
        log,
      });
    }
  }
  let closed = false;

  async function runLibreOffice<R extends BridgeRequest>(req: R): Promise<ReplyFor<R>> {
    try {
      return await lo!.run(req);
    } catch (err) {
      if (!(err instanceof ChildFailure) || err.kind === 'closed') throw err;
      // A timeout is the document's own (it would take as long again): never tried twice, so a
      // hostile file holds a slot for one timeout, not two.
      if (err.kind === 'timeout') throw fail.timeout(err.message);
      // A crash may be the instance's (memory grown over earlier documents): once more on a fresh
      // one, and a second crash is the document's fault.
      log.warn({ err: err.message }, 'LibreOffice crashed on a document; retrying once on a fresh instance');
      try {
        return await lo!.run(req);
      } catch (again) {
        if (again instanceof ChildFailure && again.kind === 'timeout') throw fail.timeout(again.message);
        if (again instanceof ChildFailure && again.kind === 'crashed') throw fail.memory(`LibreOffice ${again.message}`);
        throw again;
      }
    }
  }

  async function checkZip(filePath: string, zipLimits: ZipLimits = limits.zip, ownOutput = false): Promise<void> {
    try {
      const reason = checkZipBounds(await listZip(filePath, zipLimits.maxEntries), zipLimits);
      if (reason) throw fail.bomb(reason);
      // Then prove the declared sizes true: inflate as a stream, counting, output discarded.
      await inflateZip(filePath, limits.zip.maxTotalBytes);
      await checkEmbeddedPackages(filePath, zipLimits).catch((err: unknown) => {
        // LibreOffice copies an object it could not read (an RTF's damaged OLE package) into its
        // own .docx as it found it and shows its icon: a bomb still counts, a damaged object is no reason to fail.
        if (ownOutput && err instanceof ZipError && err.kind === 'corrupt') return;
        throw err;
      }); // OLE objects, alt chunks, nested zips
    } catch (err) {
      if (err instanceof ConversionError) throw err;
      if (err instanceof ZipError && (err.kind === 'bounds' || /too many bytes|too few bytes/u.test(err.message))) {
        throw fail.bomb(err.message);
      }
      throw fail.corrupt((err as Error).message);
    }
  }

  async function toHtml(docxPath: string, fromLibreOffice = false): Promise<string> {
    // LibreOffice's own output came from a file that passed the checks; its embedded previews
    // (WMF of OLE objects) compress very well, so only the absolute sizes apply to it.
    await checkZip(docxPath, fromLibreOffice ? { ...limits.zip, maxRatio: Number.POSITIVE_INFINITY } : limits.zip, fromLibreOffice);
    let reply;
    try {
      reply = await mammoth.convert(docxPath);
    } catch (err) {
      if (err instanceof ChildFailure && err.kind === 'timeout') throw fail.timeout(err.message);
      if (err instanceof ChildFailure && err.kind === 'crashed') throw fail.memory(err.message);
      throw err;
    }
    if (!reply.ok) {
      if (reply.kind === 'bounds') throw fail.bomb(reply.message);
      if (reply.kind === 'corrupt') throw fail.corrupt(reply.message);
      throw fail.parse(reply.message);
    }
    return reply.html;
  }

  function result(html: string, pageCount: number | null, stored: StoredProperties, simplified: boolean, warnings: string[]): ConversionResult {
    let pages = splitPages(html);
    const text = htmlToText(pages.join('\n'));
    if (!text.trim() && !pages.some((p) => p.includes('<img') || p.includes('img-placeholder'))) {
      pages = [EMPTY_PAGE];
      warnings.push('empty document');
    }
    return {
      pages,
      pageCount: Math.max(1, pageCount ?? stored.pageCount ?? pages.length),
      wordCount: countWords(text),
      text,
      properties: { title: stored.title, author: stored.author },
      simplified,
      warnings,
    };
  }

  async function textOnly(filePath: string, stored: StoredProperties, warnings: string[]): Promise<ConversionResult> {
    let body: string;
    try {
      const doc = await new WordExtractor().extract(filePath);
      // filterUnicode: false keeps “” and —— instead of turning them into ASCII.
      body = [doc.getBody({ filterUnicode: false }), doc.getFootnotes({ filterUnicode: false }), doc.getEndnotes({ filterUnicode: false })]
        .filter((s) => s.trim())
        .join('\n');
    } catch (err) {
      throw new ConversionError(
        '服务器未安装 LibreOffice，无法读取此格式的文档（仅支持 Word 97 及以后的 .doc）',
        `word-extractor: ${(err as Error).message}`,
        true,
      );
    }
    const paragraphs = body.split(/\r?\n/u).map((p) => p.trim()).filter(Boolean);
    const html = estimatePageMarkers(sanitize(paragraphsToHtml(paragraphs)));
    warnings.push('text-only preview: LibreOffice not available');
    // The stored count beats our estimate here; pages.length is the estimate.
    return result(html, stored.pageCount, stored, true, warnings);
  }

  /** Zip packages held to the zip bounds, compound files' embedded packages too, before LibreOffice opens them. */
  async function checkPackages(filePath: string, format: DocumentFormat): Promise<void> {
    if (ZIP_FORMATS.includes(format)) await checkZip(filePath);
    if (ODF_FORMATS.includes(format)) {
      const cells = await expandedCellsOf(filePath, limits.zip.maxEntryBytes);
      if (cells > MAX_EXPANDED_CELLS) throw fail.tooManyCells(`${cells} cells once rows and columns are repeated`);
    }
    const bomb = OLE_FORMATS.includes(format) ? await embeddedBombInCompoundFile(filePath, limits.zip) : null;
    if (bomb) throw fail.bomb(bomb);
  }

  async function convert(input: { filePath: string; format: WordFamilyFormat; pdfOutDir?: string; maxPdfPages?: number }): Promise<ConversionResult> {
    if (closed) throw new Error('converter is closed');
    const { filePath, format } = input;
    const warnings: string[] = [];
    await checkPackages(filePath, format);
    const stored = await storedProperties(filePath, format);
    const binaryWord = format === 'DOC' || format === 'WPS';
    await mkdir(workDir, { recursive: true });
    const jobDir = await mkdtemp(path.join(workDir, 'job-'));
    try {
      if (!lo) {
        if (binaryWord) return await textOnly(filePath, stored, warnings);
        if (format !== 'DOCX') throw new ConversionError('服务器未安装 LibreOffice，暂时无法转换此格式的文档', 'LibreOffice not available', false);
        const html = sanitize(await toHtml(filePath));
        warnings.push('page cuts estimated: LibreOffice not available');
        return result(html.includes(PAGE_MARKER_PREFIX) ? html : estimatePageMarkers(html), null, stored, false, warnings);
      }
      const reply = await runLibreOffice({
        inputPath: filePath,
        inputExt: binaryWord ? 'doc' : format === 'DOCX' ? 'docx' : format === 'RTF' ? 'rtf' : 'odt',
        outDir: jobDir,
        marker: PAGE_MARKER_PREFIX,
        ...(input.pdfOutDir ? { pdf: { maxPages: input.maxPdfPages ?? DEFAULT_MAX_EXPORT_PAGES } } : {}),
      });
      if (!reply.ok) {
        if (format !== 'DOCX') throw fail.unreadable(`${reply.error}: ${reply.detail}`);
        // LibreOffice refuses some packages mammoth still reads: show them with estimated pages.
        log.info({ error: reply.error, detail: reply.detail }, 'LibreOffice could not lay out a .docx; mammoth only');
        warnings.push(`LibreOffice could not read the file (${reply.error}); page cuts estimated`);
        const html = sanitize(await toHtml(filePath));
        return result(html.includes(PAGE_MARKER_PREFIX) ? html : estimatePageMarkers(html), null, stored, false, warnings);
      }
      if (reply.graphicsFailed > 0) warnings.push(`${reply.graphicsFailed} image(s) could not be converted`);
      if (reply.markedPages < reply.pageCount - 1) warnings.push(`${reply.pageCount - 1 - reply.markedPages} page start(s) not marked`);
      const html = sanitize(await toHtml(path.join(jobDir, 'out.docx'), true));
      const out = result(html, reply.pageCount, stored, false, warnings);
      if (input.pdfOutDir) {
        out.pdf = null;
        try {
          if (!reply.pdf?.ok) throw new Error(reply.pdf ? reply.pdf.error : 'not written');
          await rename(path.join(jobDir, 'out.pdf'), path.join(input.pdfOutDir, 'out.pdf'));
          out.pdf = pdfExportOf(path.join(input.pdfOutDir, 'out.pdf'), reply.pdf);
        } catch (err) {
          warnings.push(`no page preview PDF (${(err as Error).message})`);
        }
      }
      return out;
    } finally {
      await rm(jobDir, { recursive: true, force: true });
    }
  }

  async function toPdf(input: { filePath: string; format: OfficeFormat; outDir: string; maxPages?: number }): Promise<PdfExport> {
    if (closed) throw new Error('converter is closed');
    if (!lo) throw new ConversionError('服务器未安装 LibreOffice，暂时无法生成页面预览', 'LibreOffice not available', false);
    try {
      return await exportPdf({ run: runLibreOffice }, input);
    } catch (err) {
      if (err instanceof PdfExportError) {
        throw err.kind === 'load_failed' ? fail.unreadableAny(err.message) : new ConversionError('文档转换失败', err.message, true);
      }
      throw err;
    }
  }


  /** A text file decoded to UTF-8 (lines broken, laid out up to MAX_TEXT_LAYOUT_BYTES). */
  async function decodedText(filePath: string, jobDir: string): Promise<{ path: string; fraction: number }> {
    let sniffed;
    try {
      sniffed = await sniffDocument(filePath);
    } catch (err) {
      throw new ConversionError(err instanceof AppError ? err.message : '无法识别文本文件的编码', `sniff: ${(err as Error).message}`, true);
    }
    if (sniffed.format !== 'TXT' || !sniffed.encoding) throw fail.corrupt('not a text file');
    const out = path.join(jobDir, 'in.txt');
    const stats = await decodeTextFile(filePath, out, sniffed.encoding, { maxLineChars: 2000 });
    if (looksLikeJunk(stats)) throw new ConversionError('文件内容不是可读的文本', 'text: too many undecodable bytes', true);
    const handle = await open(out, 'r');
    let size: number;
    try {
      size = (await handle.stat()).size;
      if (size > MAX_TEXT_LAYOUT_BYTES || stats.lines > MAX_TEXT_LAYOUT_LINES) {
        const head = Buffer.alloc(Math.min(size, MAX_TEXT_LAYOUT_BYTES));
        await handle.read(head, 0, head.length, 0);
        await truncate(out, textLayoutCut(head, size));
      }
    } finally {
      await handle.close();
    }
    // What share of the file is laid out, by bytes or by lines, whichever ran out first.
    return { path: out, fraction: Math.min(1, MAX_TEXT_LAYOUT_BYTES / Math.max(1, size), MAX_TEXT_LAYOUT_LINES / Math.max(1, stats.lines)) };
  }

  /**
   * Any format of the contract → the 文字版, the page preview's PDF (`${outDir}/out.pdf`), each
   * previewable page's size and text layer, metadata. Word formats keep the .docx path's HTML;
   * the others' 文字版 and search text come from the PDF (an image-only PDF has none).
   */
  async function convertDocument(input: { filePath: string; format: DocumentFormat; outDir: string }): Promise<DocumentConversion> {
    if (closed) throw new Error('converter is closed');
    const { filePath, format, outDir } = input;
    const outPdf = path.join(outDir, 'out.pdf');
    const layersOf = async (pdfPath: string, pages: number) => {
      try {
        return await textLayers(pdfPath, Math.min(pages, MAX_PREVIEW_PAGES));
      } catch (err) {
        throw new ConversionError('文档页面无法生成预览', `text layer: ${(err as Error).message}`, true);
      }
    };
    if (WORD_FAMILY.includes(format)) {
      const r = await convert({ filePath, format: format as WordFamilyFormat, pdfOutDir: outDir, maxPdfPages: MAX_PREVIEW_PAGES });
      const layers = r.pdf ? await layersOf(r.pdf.pdfPath, r.pdf.pageCount) : [];
      return {
        // The larger count: the PDF may show a page the text view counts not (endnotes on their own page), or stop at the preview cap.
        pages: r.pages, pageCount: Math.max(r.pageCount, r.pdf?.totalPages ?? 0, layers.length), wordCount: r.wordCount, text: r.text, properties: r.properties,
        simplified: r.simplified, warnings: r.warnings, pdfPath: r.pdf ? r.pdf.pdfPath : null, layers,
        fontSubstitutions: r.pdf?.fontSubstitutions ?? [], firstPageLines: firstLines(layers), scanned: false,
      };
    }
    const warnings: string[] = [];
    let totalPages: number;
    /** Pages in out.pdf (what can be previewed): spreadsheets and partly laid out text hold fewer than totalPages. */
    let pdfPages: number;
    let fonts: Array<{ requested: string; used: string }> = [];
    const stored = await storedProperties(filePath, format);
    await mkdir(workDir, { recursive: true });
    if (format === 'PDF') {
      let checked;
      try {
        checked = await checkPdf(filePath, { workDir });
      } catch (err) {
        if (err instanceof AppError) throw new ConversionError(err.message.replace(/\s*\([^)]*\)$/u, ''), `pdf check: ${err.message}`, true);
        throw err;
      }
      try {
        await copyFile(checked.pdfPath, outPdf);
        totalPages = checked.pages;
        pdfPages = checked.pages;
        if (checked.repaired) warnings.push('PDF repaired by qpdf');
      } finally {
        await checked.cleanup();
      }
    } else {
      await checkPackages(filePath, format);
      const jobDir = await mkdtemp(path.join(workDir, 'doc-'));
      try {
        let source = filePath;
        let fraction = 1;
        if (format === 'TXT') ({ path: source, fraction } = await decodedText(filePath, jobDir));
        const pdf = await toPdf({ filePath: source, format: FORMATS[format].ext as OfficeFormat, outDir: jobDir, maxPages: MAX_PREVIEW_PAGES });
        await rename(pdf.pdfPath, outPdf);
        // A text file laid out only in part: the whole would take about this many pages.
        totalPages = fraction < 1 ? Math.max(pdf.totalPages, Math.ceil(pdf.pageCount / fraction)) : pdf.totalPages;
        fonts = pdf.fontSubstitutions;
        pdfPages = pdf.pageCount;
      } finally {
        await rm(jobDir, { recursive: true, force: true });
      }
    }
    const layers = await layersOf(outPdf, pdfPages);
    const view = textViewFromLayers(layers);
    return {
      pages: view.pages, pageCount: Math.max(totalPages, layers.length), wordCount: countWords(view.text), text: view.text,
      properties: { title: stored.title, author: stored.author }, simplified: false, warnings, pdfPath: outPdf, layers,
      fontSubstitutions: fonts, firstPageLines: firstLines(layers), scanned: view.scanned,
    };
  }

  return {
    convert,
    convertDocument,
    exportPdf: toPdf,
    async close() {
      closed = true;
      await Promise.all([mammoth.close(), lo?.close()]);
    },
  };
}
