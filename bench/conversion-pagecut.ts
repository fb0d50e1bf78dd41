// Page-cut accuracy: for every corpus file LibreOffice lays out, where do the layout cuts
// (markers at each laid-out page start) land compared with the fallback used without
// LibreOffice (explicit page breaks, else ~30 lines × 38 characters per page)?
// Offsets are counted in non-space characters of the preview text.
//   npx tsx bench/conversion-pagecut.ts
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createConverter, sniffWordFile } from '../src/conversion/index.js';
import { estimatePageMarkers, htmlToText, splitPages } from '../src/conversion/html.js';

const CORPUS = path.resolve(import.meta.dirname, '../../shared/corpus');
const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .filter((f) => /\.(doc|docx|docm)$/iu.test(f))
    .sort();
const size = (html: string) => htmlToText(html).replace(/\s+/gu, '').length;
const starts = (pages: string[]) => {
  const out: number[] = [];
  let acc = 0;
  for (const p of pages.slice(0, -1)) out.push((acc += size(p)));
  return out;
};

const work = mkdtempSync(path.join(tmpdir(), 'wk-pagecut-'));
const converter = createConverter({ workDir: work, log: pino({ level: 'warn' }) });
let docs = 0;
let exactCount = 0;
let estCount = 0;
const errors: number[] = [];
for (const file of walk(CORPUS)) {
  if (/bomb/u.test(file)) continue;
  try {
    const { format } = await sniffWordFile(file);
    const r = await converter.convert({ filePath: file, format });
    if (r.pageCount < 2) continue;
    docs++;
    if (r.pages.length === r.pageCount) exactCount++;
    const layout = starts(r.pages);
    const estimated = splitPages(estimatePageMarkers(r.pages.join('')));
    if (estimated.length === r.pageCount) estCount++;
    const est = starts(estimated);
    const perPage = size(r.pages.join('')) / r.pageCount;
    layout.forEach((off, i) => {
      const e = est[i] ?? size(r.pages.join(''));
      errors.push(Math.abs(e - off) / Math.max(1, perPage));
    });
    console.log(`${path.relative(CORPUS, file)}: layout ${r.pageCount} pages, cut into ${r.pages.length}; estimate ${estimated.length}`);
  } catch {
    /* refused files have no pages */
  }
}
await converter.close();
rmSync(work, { recursive: true, force: true });
errors.sort((a, b) => a - b);
const q = (p: number) => (errors[Math.floor(p * (errors.length - 1))] ?? 0).toFixed(2);
console.log(`\n${docs} multi-page documents; layout cut gives pages[] = pageCount in ${exactCount}; the estimate gets the page count right in ${estCount}`);
console.log(`estimate vs layout, distance of each page start in pages: median ${q(0.5)}, p90 ${q(0.9)}, max ${q(1)} (${errors.length} page starts)`);
