// Office document → PDF through the kept-warm LibreOffice (libreoffice.ts, bridge.py op "pdf"):
// LibreOffice's own layout, automatically inserted blank pages kept (so PDF pages = layout
// pages), spreadsheets capped at maxPages with their true page count reported. Also which of the
// fonts the document asks for are not installed and what fontconfig (our fonts.conf) gives
// instead, for the uploader's 「字体已替换」 notice.
import { spawnSync } from 'node:child_process';
import { asset, type LibreOfficePool, type OfficeExt, type PdfFacts, type PdfReply } from './libreoffice.js';

/** Every format of the contract that goes through LibreOffice (PDF goes through pdf-check). */
export type OfficeFormat = 'doc' | 'docx' | 'docm' | 'dotx' | 'wps' | 'rtf' | 'odt' | 'ppt' | 'pptx' | 'dps' | 'odp' | 'xls' | 'xlsx' | 'et' | 'ods' | 'txt';

/** Kingsoft's formats are the Microsoft binary formats under another name; LibreOffice's type
 *  detection trusts the extension (.wps means MS Works to it), so it gets the Microsoft one. */
const LOAD_AS: Record<OfficeFormat, OfficeExt> = {
  doc: 'doc', docx: 'docx', docm: 'docm', dotx: 'dotx', wps: 'doc', rtf: 'rtf', odt: 'odt',
  ppt: 'ppt', pptx: 'pptx', dps: 'ppt', odp: 'odp', xls: 'xls', xlsx: 'xlsx', et: 'xls', ods: 'ods', txt: 'txt',
};

/** Spreadsheets: at most this many preview pages (a 50,000-row sheet prints ~1,850). */
export const DEFAULT_MAX_EXPORT_PAGES = 50;

export interface FontSubstitution {
  requested: string;
  used: string;
}

export interface PdfExport {
  pdfPath: string;
  /** Pages in the PDF (what can be previewed). */
  pageCount: number;
  /** Pages of the whole document as LibreOffice lays it out; > pageCount when capped. */
  totalPages: number;
  /** The PDF holds only the first pageCount of totalPages pages. */
  truncated: boolean;
  app: 'writer' | 'calc' | 'impress' | 'draw';
  fontSubstitutions: FontSubstitution[];
}

export class PdfExportError extends Error {
  constructor(
    readonly kind: 'load_failed' | 'no_output' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'PdfExportError';
  }
}

const resolved = new Map<string, string[]>();
/** Family names fontconfig (with our fonts.conf) gives for `family`: what LibreOffice will use. */
export function fontconfigFamilies(family: string): string[] {
  const hit = resolved.get(family);
  if (hit) return hit;
  const r = spawnSync('fc-match', ['-f', '%{family}', family], {
    encoding: 'utf8',
    timeout: 5000,
    env: { ...process.env, FONTCONFIG_FILE: asset('fonts.conf') },
  });
  const names = (r.stdout ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  resolved.set(family, names);
  return names;
}

/** The requested families that are not installed, with the face used instead. */
export function fontSubstitutions(requested: string[]): FontSubstitution[] {
  const out: FontSubstitution[] = [];
  for (const name of requested) {
    // LibreOffice's own placeholder names are not fonts a document asks for.
    if (!name || /^(OpenSymbol|StarSymbol)$/iu.test(name)) continue;
    const got = fontconfigFamilies(name);
    if (got.length === 0) continue;
    if (got.some((g) => g.toLowerCase() === name.toLowerCase())) continue;
    out.push({ requested: name, used: got[0]! });
  }
  return out;
}

/** Counts pages from the PDF's page tree (qpdf, in the sandbox, is not needed: this is our own output). */
function pdfPages(pdfPath: string): number | null {
  const r = spawnSync('qpdf', ['--show-npages', pdfPath], { encoding: 'utf8', timeout: 30_000 });
  const n = Number(r.stdout?.trim());
  return r.status === 0 && Number.isInteger(n) ? n : null;
}

/**
 * Exports an office file to `${outDir}/out.pdf`. Throws PdfExportError for documents LibreOffice
 * cannot load; ChildFailure (timeout/crash) passes through from the pool.
 */
export async function exportPdf(
  pool: Pick<LibreOfficePool, 'run'>,
  input: { filePath: string; format: OfficeFormat; outDir: string; maxPages?: number },
): Promise<PdfExport> {
  const reply: PdfReply = await pool.run({
    op: 'pdf',
    inputPath: input.filePath,
    inputExt: LOAD_AS[input.format],
    outDir: input.outDir,
    maxPages: input.maxPages ?? DEFAULT_MAX_EXPORT_PAGES,
  });
  if (!reply.ok) throw new PdfExportError(reply.error === 'load_failed' || reply.error === 'no_output' ? reply.error : 'failed', `${reply.error}: ${reply.detail}`);
  return pdfExportOf(`${input.outDir}/out.pdf`, reply);
}

/** The PdfExport of a PDF the bridge stored (by the `pdf` op or alongside the text view's .docx). */
export function pdfExportOf(pdfPath: string, facts: PdfFacts): PdfExport {
  const pageCount = pdfPages(pdfPath);
  if (pageCount === null) throw new PdfExportError('no_output', 'LibreOffice wrote an unreadable PDF');
  const total = Math.max(pageCount, facts.totalPages ?? pageCount);
  return {
    pdfPath,
    pageCount,
    totalPages: facts.app === 'calc' ? total : pageCount,
    truncated: facts.app === 'calc' && total > pageCount,
    app: facts.app,
    fontSubstitutions: fontSubstitutions(facts.fonts),
  };
}
