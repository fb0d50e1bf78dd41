import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildPdf, foreverPdf, manyPagesPdf, textPage } from './pdf-fixtures.js';
import { extractTextLayer, parseBboxLayout, pdfInfo, RenderError, renderPages, renderThumbnail, DEFAULT_RENDER_LIMITS } from './render.js';
import { sandboxAvailable } from './sandbox.js';
import { spawnSync } from 'node:child_process';

const dir = mkdtempSync(path.join(tmpdir(), 'wk-render-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tools = sandboxAvailable() && spawnSync('mutool', ['-v']).status === 0 && spawnSync('pdftotext', ['-v']).status === 0;

function write(name: string, data: Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
}
function out(name: string): string {
  const p = path.join(dir, name);
  rmSync(p, { recursive: true, force: true });
  return mkdtempSync(`${p}-`);
}

describe('parseBboxLayout', () => {
  it('when poppler gives lines of words, then lines are scaled to the image and CJK runs join without spaces', () => {
    const xhtml = `<doc><page width="595" height="842"><flow><block><line xMin="59.5" yMin="100" xMax="300" yMax="114">
      <word xMin="59.5" yMin="100" xMax="120" yMax="114">关于举办</word><word xMin="120" yMin="100" xMax="150" yMax="114">&amp;&lt;x&gt;</word>
      <word xMin="160" yMin="100" xMax="300" yMax="114">年度</word></line></block></flow></page></doc>`;
    const [page] = parseBboxLayout(xhtml, 3, 1190);
    expect(page).toMatchObject({ number: 3, width: 1190, height: 1684 });
    expect(page!.lines).toEqual([{ x: 119, y: 200, w: 481, h: 28, text: '关于举办&<x> 年度' }]);
  });
});

describe.skipIf(!tools)('renderPages / pdfInfo / extractTextLayer (sandboxed MuPDF and poppler)', () => {
  const simple = () => write('simple.pdf', buildPdf([textPage('Hello page one'), textPage('Second page here')]));

  it('when two A4 pages are rendered at 1000 px, then each PNG is 1000 px wide at the page proportions and grey pages are 4-bit', async () => {
    const pdf = simple();
    const info = await pdfInfo(pdf);
    expect(info.pageCount).toBe(2);
    expect(info.sizes).toEqual([{ number: 1, widthPt: 595, heightPt: 842 }, { number: 2, widthPt: 595, heightPt: 842 }]);
    const o = out('simple');
    const pages = await renderPages(pdf, [2, 1], { outDir: o });
    expect(pages.map((p) => [p.number, p.width, p.height, p.clamped])).toEqual([[2, 1000, 1416, false], [1, 1000, 1416, false]]);
    const png = readFileSync(path.join(o, 'page-1.png'));
    expect(png[24]).toBe(4); // IHDR bit depth
    expect(png.length).toBe(pages[1]!.bytes);
    expect(readdirSync(o).sort()).toEqual(['page-1.png', 'page-2.png']);
    expect(readdirSync(dir).filter((f) => f.startsWith('render-'))).toEqual([]); // job folders removed
  });

  it('when a watermark is asked for, then the image carries extra grey pixels; without one it does not', async () => {
    const pdf = simple();
    const a = await renderPages(pdf, [1], { outDir: out('plain'), widthPx: 400 });
    const b = await renderPages(pdf, [1], { outDir: out('marked'), widthPx: 400, watermark: '文库 wenku' });
    // The watermark's faint grey glyphs cover the page: many more non-white pixels, a bigger PNG.
    expect(b[0]!.bytes).toBeGreaterThan(a[0]!.bytes * 1.3);
  });

  it('when the first page is thumbnailed, then a 200 px wide PNG is written at the given path', async () => {
    const file = path.join(dir, 'thumb.png');
    const t = await renderThumbnail(simple(), file);
    expect(t).toMatchObject({ number: 1, width: 200, height: 284, file });
    expect(existsSync(file)).toBe(true);
  });

  it('when a page has an enormous or absurdly tall media box, then it is scaled down to fit instead of allocating a huge image', async () => {
    const pdf = write('huge.pdf', buildPdf([textPage('Huge', [0, 0, 14_400_000, 14_400_000]), textPage('Tall', [0, 0, 595, 5_000_000]), textPage('ok')]));
    const pages = await renderPages(pdf, [1, 2, 3], { outDir: out('huge') });
    expect(pages.map((p) => [p.width, p.height, p.clamped])).toEqual([[1000, 1000, true], [1, 5000, true], [1000, 1416, false]]);
    expect(Math.max(...pages.map((p) => p.bytes))).toBeLessThan(200_000);
  });

  it('when a PDF has 5,000 pages, then only the requested pages render and more than the cap per call is refused', async () => {
    const pdf = write('many.pdf', manyPagesPdf(5000));
    expect((await pdfInfo(pdf, 3)).pageCount).toBe(5000);
    const o = out('many');
    const pages = await renderPages(pdf, [4999], { outDir: o, widthPx: 300 });
    expect(pages.map((p) => p.number)).toEqual([4999]);
    expect(readdirSync(o)).toEqual(['page-4999.png']);
    const tooMany = Array.from({ length: DEFAULT_RENDER_LIMITS.maxPagesPerCall + 1 }, (_, i) => i + 1);
    await expect(renderPages(pdf, tooMany, { outDir: o })).rejects.toMatchObject({ kind: 'too_many_pages' });
    await expect(renderPages(pdf, [5001], { outDir: o })).rejects.toMatchObject({ kind: 'no_such_page' });
    const text = await extractTextLayer(pdf, 4999, 5000, { widthPx: 595 });
    expect(text.map((p) => [p.number, p.lines[0]?.text])).toEqual([[4999, 'page'], [5000, 'page']]);
  });

  it('when a page takes forever to draw, then the time limit kills the renderer and a RenderError(timeout) is thrown', async () => {
    const pdf = write('forever.pdf', foreverPdf(9));
    const t0 = Date.now();
    const err = await renderPages(pdf, [1], { outDir: out('forever'), limits: { ...DEFAULT_RENDER_LIMITS, timeoutMs: 1500 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RenderError);
    expect((err as RenderError).kind).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(6000);
  });

  it('when the renderer needs more memory than its limit, then it fails instead of growing', async () => {
    const pdf = simple();
    const o = out('mem');
    const err = await renderPages(pdf, [1], { outDir: o, widthPx: 4000, limits: { ...DEFAULT_RENDER_LIMITS, memoryBytes: 40 * 1024 * 1024 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RenderError);
    expect(['memory', 'failed']).toContain((err as RenderError).kind);
    expect(readdirSync(o)).toEqual([]);
    // The same page renders within the default limit.
    expect((await renderPages(pdf, [1], { outDir: o, widthPx: 4000 }))[0]!.width).toBe(4000);
  });

  it('when text is extracted, then lines are in reading order in image pixels', async () => {
    const [p1, p2] = await extractTextLayer(simple(), 1, 2);
    expect(p1).toMatchObject({ number: 1, width: 1000, height: 1416 });
    expect(p1!.lines.map((l) => l.text)).toEqual(['Hello page one']);
    expect(p2!.lines.map((l) => l.text)).toEqual(['Second page here']);
    const l = p1!.lines[0]!;
    // 72 pt from the left and ~720 pt from the bottom, at 1000/595 px per pt.
    expect(l.x).toBeCloseTo(72 * (1000 / 595), 0);
    expect(l.y).toBeGreaterThan(150);
    expect(l.y).toBeLessThan(230);
  });
});
