// Page images, page sizes, thumbnails and positioned text layers from a PDF, every step inside the
// sandbox (sandbox.ts: no network, only the job's folder writable) with a time limit, a memory
// limit and a page cap. The PDF itself never leaves the server: callers serve the PNGs and the
// text-layer JSON. Tools: MuPDF's `mutool run` (mupdf-pages.js) for images, poppler's
// `pdftotext -bbox-layout` for text (tighter line boxes than MuPDF's; docs/conversion.md).
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { asset } from './libreoffice.js';
import { shrinkPng } from './png.js';
import { runSandboxed, type SandboxResult } from './sandbox.js';

export interface RenderLimits {
  timeoutMs: number;
  memoryBytes: number;
  /** At most this many pages per call (the caller renders the rest on demand). */
  maxPagesPerCall: number;
  /** A page image is never taller than widthPx × this. */
  maxAspect: number;
}

export const DEFAULT_RENDER_LIMITS: RenderLimits = {
  timeoutMs: 30_000,
  memoryBytes: 1024 * 1024 * 1024,
  maxPagesPerCall: 50,
  maxAspect: 5,
};

/** Width of the page images a laptop gets (1×); HiDPI screens get 2× (docs/conversion.md). */
export const PAGE_WIDTH_PX = 1000;
export const THUMBNAIL_WIDTH_PX = 200;

export interface PageSize {
  number: number;
  widthPt: number;
  heightPt: number;
}

export interface RenderedPage {
  number: number;
  /** Host path of the PNG. */
  file: string;
  width: number;
  height: number;
  bytes: number;
  /** The media box was too large or too tall and was scaled down to fit. */
  clamped: boolean;
}

export interface TextLine {
  x: number;
  y: number;
  w: number;
  h: number;
  text: string;
}

/** A page's text in the pixel coordinates of its image at `width` px. */
export interface TextLayerPage {
  number: number;
  width: number;
  height: number;
  lines: TextLine[];
}

export class RenderError extends Error {
  constructor(
    readonly kind: 'timeout' | 'memory' | 'too_many_pages' | 'no_such_page' | 'password' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'RenderError';
  }
}

/** The pixel size of a page rendered at widthPx, clamped like mupdf-pages.js does. */
export function pixelSize(widthPt: number, heightPt: number, widthPx: number, maxAspect = DEFAULT_RENDER_LIMITS.maxAspect): { width: number; height: number; scale: number } {
  let scale = widthPx / Math.max(widthPt, 1);
  const maxHeight = widthPx * maxAspect;
  if (heightPt * scale > maxHeight) scale = maxHeight / Math.max(heightPt, 1);
  // MuPDF rounds the pixmap's bounds outwards (fz_round_rect).
  return { width: Math.max(1, Math.ceil(widthPt * scale - 0.001)), height: Math.max(1, Math.ceil(heightPt * scale - 0.001)), scale };
}

let watermarkFont: string | null | undefined;
/** A CJK font file whose first face is Chinese (mutool loads face 0 of a collection). */
function fontForWatermark(): string | null {
  if (watermarkFont !== undefined) return watermarkFont;
  for (const family of ['WenQuanYi Zen Hei', 'Droid Sans Fallback', 'AR PL UMing CN']) {
    const r = spawnSync('fc-match', ['-f', '%{file}|%{index}|%{family[0]}', family], { encoding: 'utf8', timeout: 5000 });
    const [file, index, got] = (r.stdout ?? '').split('|');
    if (file && index === '0' && got === family) return (watermarkFont = file);
  }
  return (watermarkFont = null);
}

function failure(what: string, r: SandboxResult): RenderError {
  if (r.timedOut) return new RenderError('timeout', `${what} took too long`);
  if (/out of memory|cannot allocate|malloc/iu.test(r.stderr)) return new RenderError('memory', `${what} ran out of memory`);
  return new RenderError('failed', `${what} failed (${r.signal ?? r.code}): ${r.stderr.slice(-300)}`);
}

function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function inJob<T>(pdfPath: string, fn: (jobDir: string, binds: Array<[string, string]>) => Promise<T>): Promise<T> {
  const jobDir = await mkdtemp(path.join(path.dirname(path.resolve(pdfPath)), 'render-'));
  try {
    return await fn(jobDir, [
      [path.resolve(pdfPath), '/in/doc.pdf'],
      [asset('mupdf-pages.js'), '/opt/wk/mupdf-pages.js'],
    ]);
  } finally {
    await rm(jobDir, { recursive: true, force: true });
  }
}

/** Page count and the size of the first `maxPages` pages. */
export async function pdfInfo(pdfPath: string, maxPages = 10_000, limits: RenderLimits = DEFAULT_RENDER_LIMITS): Promise<{ pageCount: number; sizes: PageSize[] }> {
  return inJob(pdfPath, async (jobDir, roBinds) => {
    const r = await runSandboxed({
      jobDir,
      roBinds,
      command: ['mutool', 'run', '/opt/wk/mupdf-pages.js', 'info', '/in/doc.pdf', String(maxPages)],
      timeoutMs: limits.timeoutMs,
      memoryBytes: limits.memoryBytes,
    });
    const lines = r.code === 0 || r.code === 2 ? jsonLines(r.stdout) : [];
    if (lines[0]?.error === 'password') throw new RenderError('password', 'the PDF needs a password');
    if (r.code !== 0 || typeof lines[0]?.pages !== 'number') throw failure('reading the PDF', r);
    return {
      pageCount: lines[0].pages,
      sizes: lines.slice(1).map((l) => ({ number: l.number as number, widthPt: l.widthPt as number, heightPt: l.heightPt as number })),
    };
  });
}

/**
 * Renders the given pages (1-based) as PNG into outDir (`page-N.png`, or `${prefix}N.png`).
 * Grey pages are stored as 4-bit grey. watermark: faint repeated diagonal text; '' = none.
 */
export async function renderPages(
  pdfPath: string,
  pages: number[],
  options: { outDir: string; widthPx?: number; watermark?: string; prefix?: string; limits?: RenderLimits },
): Promise<RenderedPage[]> {
  const limits = options.limits ?? DEFAULT_RENDER_LIMITS;
  const widthPx = Math.round(options.widthPx ?? PAGE_WIDTH_PX);
  if (!(widthPx >= 16 && widthPx <= 4000)) throw new RenderError('failed', `width ${widthPx} px out of range`);
  const wanted = [...new Set(pages)];
  if (wanted.length === 0) return [];
  if (wanted.length > limits.maxPagesPerCall) throw new RenderError('too_many_pages', `${wanted.length} pages asked, at most ${limits.maxPagesPerCall} per call`);
  if (wanted.some((n) => !Number.isInteger(n) || n < 1)) throw new RenderError('no_such_page', 'page numbers start at 1');
  // One short line (the site name): longer text would only slow the drawing down.
  const mark = (options.watermark ?? '').replace(/[\p{Cc}\s]+/gu, ' ').trim().slice(0, 60);
  const font = mark ? fontForWatermark() : null;
  const extra: Array<[string, string]> = font ? [[font, '/opt/wk/watermark-font']] : [];
  return inJob(pdfPath, async (jobDir, roBinds) => {
    const r = await runSandboxed({
      jobDir,
      roBinds: [...roBinds, ...extra],
      command: [
        'mutool', 'run', '/opt/wk/mupdf-pages.js', 'render', '/in/doc.pdf', '/job', wanted.join(','),
        String(widthPx), String(widthPx * limits.maxAspect), font ? mark : '', '/opt/wk/watermark-font',
      ],
      timeoutMs: limits.timeoutMs,
      memoryBytes: limits.memoryBytes,
    });
    const lines = jsonLines(r.stdout);
    if (lines[0]?.error === 'password') throw new RenderError('password', 'the PDF needs a password');
    if (r.code !== 0) throw failure('rendering the PDF', r);
    const out: RenderedPage[] = [];
    for (const l of lines.slice(1)) {
      if (l.error === 'no_such_page') throw new RenderError('no_such_page', `the PDF has no page ${String(l.number)}`);
      const n = l.number as number;
      const from = path.join(jobDir, `page-${n}.png`);
      const to = path.join(options.outDir, `${options.prefix ?? 'page-'}${n}.png`);
      const png = shrinkPng(await readFile(from));
      await writeFile(`${to}.tmp`, png);
      await rename(`${to}.tmp`, to);
      out.push({ number: n, file: to, width: l.width as number, height: l.height as number, bytes: png.length, clamped: l.clamped === true });
    }
    return out;
  });
}

/** The first page at THUMBNAIL_WIDTH_PX (no watermark: too small to read), as outFile. */
export async function renderThumbnail(pdfPath: string, outFile: string, options: { widthPx?: number; limits?: RenderLimits } = {}): Promise<RenderedPage> {
  const dir = path.dirname(outFile);
  const [page] = await renderPages(pdfPath, [1], { outDir: dir, widthPx: options.widthPx ?? THUMBNAIL_WIDTH_PX, prefix: '.thumb-', limits: options.limits });
  await rename(page!.file, outFile);
  return { ...page!, file: outFile };
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function unescapeXml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);/giu, (_, e: string) =>
    e.startsWith('#x') || e.startsWith('#X') ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(parseInt(e.slice(1), 10)) : ENTITIES[e]!,
  );
}

const num = (attrs: string, name: string): number => Number(new RegExp(`${name}="([-0-9.e]+)"`, 'u').exec(attrs)?.[1] ?? 0);

/** Parses `pdftotext -bbox-layout` output into text layers scaled to images widthPx wide. */
export function parseBboxLayout(xhtml: string, firstPage: number, widthPx: number, maxAspect = DEFAULT_RENDER_LIMITS.maxAspect): TextLayerPage[] {
  const pages: TextLayerPage[] = [];
  const pageRe = /<page ([^>]*)>([\s\S]*?)<\/page>/gu;
  let m: RegExpExecArray | null;
  let n = firstPage;
  while ((m = pageRe.exec(xhtml))) {
    const { width, height, scale } = pixelSize(num(m[1]!, 'width'), num(m[1]!, 'height'), widthPx, maxAspect);
    const lines: TextLine[] = [];
    const lineRe = /<line ([^>]*)>([\s\S]*?)<\/line>/gu;
    let l: RegExpExecArray | null;
    while ((l = lineRe.exec(m[2]!))) {
      const words = [...l[2]!.matchAll(/<word ([^>]*)>([\s\S]*?)<\/word>/gu)].map((w) => ({ x0: num(w[1]!, 'xMin'), x1: num(w[1]!, 'xMax'), text: unescapeXml(w[2]!) }));
      if (words.length === 0) continue;
      const h = num(l[1]!, 'yMax') - num(l[1]!, 'yMin');
      // Words touching each other (CJK runs split by font) join without a space.
      let text = words[0]!.text;
      for (let i = 1; i < words.length; i++) text += (words[i]!.x0 - words[i - 1]!.x1 > h * 0.15 ? ' ' : '') + words[i]!.text;
      const r = (v: number) => Math.round(v * scale * 10) / 10;
      lines.push({ x: r(num(l[1]!, 'xMin')), y: r(num(l[1]!, 'yMin')), w: r(num(l[1]!, 'xMax') - num(l[1]!, 'xMin')), h: r(h), text });
    }
    pages.push({ number: n++, width, height, lines });
  }
  return pages;
}

/** The positioned text of pages first..last (inclusive), in pixels of images widthPx wide. */
export async function extractTextLayer(pdfPath: string, first: number, last = first, options: { widthPx?: number; limits?: RenderLimits } = {}): Promise<TextLayerPage[]> {
  const limits = options.limits ?? DEFAULT_RENDER_LIMITS;
  if (!(Number.isInteger(first) && Number.isInteger(last) && first >= 1 && last >= first)) throw new RenderError('no_such_page', 'bad page range');
  if (last - first + 1 > limits.maxPagesPerCall) throw new RenderError('too_many_pages', `at most ${limits.maxPagesPerCall} pages per call`);
  return inJob(pdfPath, async (jobDir, roBinds) => {
    const r = await runSandboxed({
      jobDir,
      roBinds,
      command: ['pdftotext', '-q', '-f', String(first), '-l', String(last), '-bbox-layout', '-enc', 'UTF-8', '/in/doc.pdf', '-'],
      timeoutMs: limits.timeoutMs,
      memoryBytes: limits.memoryBytes,
    });
    if (r.code !== 0) throw failure('extracting text', r);
    return parseBboxLayout(r.stdout, first, options.widthPx ?? PAGE_WIDTH_PX, limits.maxAspect);
  });
}
