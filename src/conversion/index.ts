// Public API of the conversion engine. The documents feature (upload, queue, worker) depends
// only on what is exported here. Pipeline (docs/conversion.md):
//   DOC/DOCX → LibreOffice in a sandbox, over UNO (layout: page count, page-start markers,
//   vector images → PNG) → DOCX → mammoth in a capped child process → sanitiser → pages.
//   Without LibreOffice: DOCX → mammoth directly; DOC → word-extractor text-only preview.
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import WordExtractor from 'word-extractor';
import { countWords } from '../text/chinese.js';
import { ChildFailure } from './children.js';
import { estimatePageMarkers, htmlToText, PAGE_MARKER_PREFIX, paragraphsToHtml, sanitize, splitPages } from './html.js';
import { findSoffice, LibreOfficePool, sandboxProblem, type BridgeRequest, type ReplyFor } from './libreoffice.js';
import { DEFAULT_MAMMOTH_LIMITS, MammothRunner, type MammothLimits } from './mammoth-runner.js';
import { docProperties, docxProperties, type StoredProperties } from './properties.js';
import { checkEmbeddedPackages, embeddedBombInCompoundFile } from './embedded.js';
import { checkZipBounds, DEFAULT_ZIP_LIMITS, inflateZip, listZip, ZipError, type ZipLimits } from './zip.js';

export { sniffWordFile, type WordFormat } from './sniff.js';
export { DEFAULT_MAX_EXPORT_PAGES, type FontSubstitution, type OfficeFormat, type PdfExport } from './pdf-export.js';
export * from './render.js';
import { DEFAULT_MAX_EXPORT_PAGES, exportPdf, pdfExportOf, PdfExportError, type OfficeFormat, type PdfExport } from './pdf-export.js';
import type { WordFormat } from './sniff.js';

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
  convert(input: { filePath: string; format: WordFormat; pdfOutDir?: string; maxPdfPages?: number }): Promise<ConversionResult>;
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
      // The instance is replaced either way; a second failure on a fresh one is the document's fault.
      log.warn({ err: err.message }, 'LibreOffice failed on a document; retrying once on a fresh instance');
      try {
        return await lo!.run(req);
      } catch (again) {
        if (again instanceof ChildFailure && again.kind === 'timeout') throw fail.timeout(again.message);
        if (again instanceof ChildFailure && again.kind === 'crashed') throw fail.memory(`LibreOffice ${again.message}`);
        throw again;
      }
    }
  }

  async function checkZip(filePath: string, zipLimits: ZipLimits = limits.zip): Promise<void> {
    try {
      const reason = checkZipBounds(await listZip(filePath, zipLimits.maxEntries), zipLimits);
      if (reason) throw fail.bomb(reason);
      // Then prove the declared sizes true: inflate as a stream, counting, output discarded.
      await inflateZip(filePath, limits.zip.maxTotalBytes);
      await checkEmbeddedPackages(filePath, zipLimits); // OLE objects, alt chunks, nested zips
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
    await checkZip(docxPath, fromLibreOffice ? { ...limits.zip, maxRatio: Number.POSITIVE_INFINITY } : limits.zip);
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

  async function convert(input: { filePath: string; format: WordFormat; pdfOutDir?: string; maxPdfPages?: number }): Promise<ConversionResult> {
    if (closed) throw new Error('converter is closed');
    const { filePath, format } = input;
    const warnings: string[] = [];
    if (format === 'DOCX') await checkZip(filePath); // refuse bombs before LibreOffice or mammoth touch them
    const docBomb = format === 'DOC' ? await embeddedBombInCompoundFile(filePath, limits.zip) : null;
    if (docBomb) throw fail.bomb(docBomb); // packages embedded in a .doc's OLE objects
    const stored = format === 'DOC' ? await docProperties(filePath) : await docxProperties(filePath);
    await mkdir(workDir, { recursive: true });
    const jobDir = await mkdtemp(path.join(workDir, 'job-'));
    try {
      if (!lo) {
        if (format === 'DOC') return await textOnly(filePath, stored, warnings);
        const html = sanitize(await toHtml(filePath));
        warnings.push('page cuts estimated: LibreOffice not available');
        return result(html.includes(PAGE_MARKER_PREFIX) ? html : estimatePageMarkers(html), null, stored, false, warnings);
      }
      const reply = await runLibreOffice({
        inputPath: filePath,
        inputExt: format === 'DOC' ? 'doc' : 'docx',
        outDir: jobDir,
        marker: PAGE_MARKER_PREFIX,
        ...(input.pdfOutDir ? { pdf: { maxPages: input.maxPdfPages ?? DEFAULT_MAX_EXPORT_PAGES } } : {}),
      });
      if (!reply.ok) {
        if (format === 'DOC') throw fail.unreadable(`${reply.error}: ${reply.detail}`);
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

  return {
    convert,
    exportPdf: toPdf,
    async close() {
      closed = true;
      await Promise.all([mammoth.close(), lo?.close()]);
    },
  };
}
