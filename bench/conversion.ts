// Conversion benchmark, three pipelines over the same corpus files in the same run:
//   1. today's text view: LibreOffice kept running over UNO (sandboxed) + mammoth child → HTML pages;
//   2. the page preview: 1 with the PDF stored from the same UNO load + the free pages as images
//      (1000 px) with text layers + the first-page thumbnail, every renderer step sandboxed;
//   3. one-shot `soffice --convert-to pdf` per file, as most document sites run it.
// Then the page preview alone on files of every other office format (ppt, xlsx, txt, …) against
// one-shot soffice on the same files. Prints latency, documents/minute, bytes per page image,
// peak memory and the ratios.
//   npm run bench:conversion [-- --limit 20] [-- --concurrency 2] [-- --free-pages 3]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createConverter, extractTextLayer, renderPages, renderThumbnail, sniffWordFile, type OfficeFormat, type PageConverter, type WordFormat } from '../src/conversion/index.js';
import { findSoffice, groupRss } from '../src/conversion/libreoffice.js';
import { ratioRow, recordRows, smoke } from './lib/report.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const LIMIT = opt('limit', smoke() ? 8 : Infinity);
const CONCURRENCY = opt('concurrency', 1);
const FREE_PAGES = opt('free-pages', 3);
const CORPUS = [path.resolve(import.meta.dirname, '../../shared/corpus'), '/work/shared/corpus'].find((p) => {
  try {
    readdirSync(p);
    return true;
  } catch {
    return false;
  }
})!;
const OTHER_FORMATS = /\.(pdf|ppt|pptx|odp|xls|xlsx|ods|rtf|wps|odt|txt)$/iu;

/** Everything the page preview does eagerly for one document (issue 12): PDF, free pages, thumbnail. */
async function pagePreview(converter: PageConverter, filePath: string, format: OfficeFormat | 'pdf', dir: string, bytes: number[], word?: WordFormat): Promise<void> {
  mkdirSync(dir, { recursive: true });
  // Word files: the text view and the PDF from one LibreOffice load; PDFs checked (qpdf in the
  // sandbox) and used as they are; other formats: the PDF alone.
  const pdf = word
    ? (await converter.convert({ filePath, format: word, pdfOutDir: dir })).pdf
    : format === 'pdf'
      ? await converter.convertDocument({ filePath, format: 'PDF', outDir: dir }).then((r) => (r.pdfPath ? { pdfPath: r.pdfPath, pageCount: r.pageCount } : null))
      : await converter.exportPdf({ filePath, format, outDir: dir });
  if (!pdf) throw new Error('no PDF');
  const pages = Array.from({ length: Math.min(FREE_PAGES, pdf.pageCount) }, (_, i) => i + 1);
  const images = await renderPages(pdf.pdfPath, pages, { outDir: dir, watermark: 'wenku.example 文库' });
  for (const img of images) bytes.push(img.bytes);
  await extractTextLayer(pdf.pdfPath, 1, pages.length);
  await renderThumbnail(pdf.pdfPath, path.join(dir, 'thumb.png'));
  rmSync(dir, { recursive: true, force: true });
}

function walkAll(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walkAll(path.join(dir, e.name)) : [path.join(dir, e.name)])).sort();
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .filter((f) => /\.(doc|docx|docm)$/iu.test(f))
    // The hostile fixtures (a zip bomb that lays out as 4,667 pages…) measure the defences, not throughput.
    .filter((f) => !f.includes(`${path.sep}security${path.sep}`))
    .sort();
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

/** Samples RSS of this process and of its descendants every 100 ms. */
function sampler() {
  let self = 0;
  let children = 0;
  const t = setInterval(() => {
    const own = process.memoryUsage().rss;
    self = Math.max(self, own);
    children = Math.max(children, groupRss(process.pid) - own);
  }, 100);
  return { stop: () => (clearInterval(t), { self, children }) };
}

async function main() {
  const soffice = findSoffice(process.env.SOFFICE_PATH);
  if (!soffice) throw new Error('LibreOffice not found: the benchmark compares two ways of running it');
  // Only files that convert: refused ones would flatter both sides.
  const files: Array<{ filePath: string; format: WordFormat }> = [];
  for (const file of walk(CORPUS)) {
    if (/bomb|ExternalEntity|testLargeOLEDoc/u.test(file)) continue; // refused, or an 11 s outlier that dominates both
    try {
      files.push({ filePath: file, format: (await sniffWordFile(file)).format });
    } catch {
      /* unsupported: skipped */
    }
    if (files.length >= LIMIT) break;
  }
  const work = mkdtempSync(path.join(tmpdir(), 'wk-bench-'));
  console.log(`${files.length} files, concurrency ${CONCURRENCY}, LibreOffice ${soffice}`);

  // Ours. Start-up is measured apart: it is paid once per instance, not per document.
  const converter = createConverter({ workDir: path.join(work, 'ours'), log: pino({ level: 'warn' }), sofficePath: soffice, concurrency: CONCURRENCY });
  let t = Date.now();
  await converter.convert(files[0]!);
  const warmup = Date.now() - t;
  const oursLat: number[] = [];
  let mem = sampler();
  t = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < files.length) {
        const f = files[next++]!;
        const t0 = Date.now();
        await converter.convert(f).catch(() => undefined);
        oursLat.push(Date.now() - t0);
      }
    }),
  );
  const oursWall = Date.now() - t;
  const oursMem = mem.stop();

  // Today's text view plus the page preview, per document.
  const pageBytes: number[] = [];
  const pageLat: number[] = [];
  await pagePreview(converter, files[0]!.filePath, files[0]!.format === 'DOC' ? 'doc' : 'docx', path.join(work, 'warm'), [], files[0]!.format);
  mem = sampler();
  t = Date.now();
  next = 0;
  let pageFailures = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, slot) => {
      while (next < files.length) {
        const i = next++;
        const f = files[i]!;
        const t0 = Date.now();
        await pagePreview(converter, f.filePath, f.format === 'DOC' ? 'doc' : 'docx', path.join(work, `pages-${slot}-${i}`), pageBytes, f.format).catch(() => pageFailures++);
        pageLat.push(Date.now() - t0);
      }
    }),
  );
  const pageWall = Date.now() - t;
  const pageMem = mem.stop();

  // The page preview alone on every other office format.
  const others = walkAll(path.join(CORPUS, 'external/formats')).filter((f) => OTHER_FORMATS.test(f) && !/protected|Encrypted|notaZip/iu.test(f));
  const otherLat: number[] = [];
  const otherBytes: number[] = [];
  const perFormat = new Map<string, number[]>();
  const peakPerFormat = new Map<string, number>();
  mem = sampler();
  t = Date.now();
  for (const [i, f] of others.entries()) {
    const ext = path.extname(f).slice(1).toLowerCase() as OfficeFormat | 'pdf';
    const t0 = Date.now();
    const fileMem = sampler();
    await pagePreview(converter, f, ext, path.join(work, `other-${i}`), otherBytes).catch(() => undefined);
    otherLat.push(Date.now() - t0);
    perFormat.set(ext, [...(perFormat.get(ext) ?? []), Date.now() - t0]);
    // The kept-warm LibreOffice and the renderers while this file was converted.
    peakPerFormat.set(ext, Math.max(peakPerFormat.get(ext) ?? 0, fileMem.stop().children));
  }
  const otherWall = Date.now() - t;
  const otherMem = mem.stop();
  await converter.close();

  // One-shot soffice per file, as most document sites run it (same private profile reused, no sandbox).
  const profile = `file://${path.join(work, 'oneshot-profile')}`;
  const oneLat: number[] = [];
  let onePeak = 0;
  mem = sampler();
  t = Date.now();
  next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, slot) => {
      while (next < files.length) {
        const f = files[next++]!;
        const out = path.join(work, `oneshot-${slot}`);
        const t0 = Date.now();
        await new Promise<void>((resolve) => {
          const p = spawn(soffice, ['--headless', `-env:UserInstallation=${profile}-${slot}`, '--convert-to', 'pdf', '--outdir', out, f.filePath], { stdio: 'ignore' });
          const peak = setInterval(() => (onePeak = Math.max(onePeak, groupRss(p.pid ?? 0))), 100);
          p.on('exit', () => (clearInterval(peak), resolve()));
        });
        oneLat.push(Date.now() - t0);
      }
    }),
  );
  const oneWall = Date.now() - t;
  mem.stop();

  // One-shot soffice on the other formats too.
  const otherOneLat: number[] = [];
  const onePerFormat = new Map<string, number[]>();
  t = Date.now();
  const onePeakPerFormat = new Map<string, number>();
  mkdirSync(path.join(work, 'oneshot-other'), { recursive: true });
  for (const f of others) {
    const t0 = Date.now();
    let filePeak = 0;
    await new Promise<void>((resolve) => {
      // A PDF needs no LibreOffice: the one-shot way is pdftoppm of its free pages.
      const p = /\.pdf$/iu.test(f)
        ? spawn('pdftoppm', ['-f', '1', '-l', String(FREE_PAGES), '-png', '-scale-to-x', '1000', '-scale-to-y', '-1', f, path.join(work, 'oneshot-other', 'p')], { stdio: 'ignore' })
        : spawn(soffice, ['--headless', `-env:UserInstallation=${profile}-0`, '--convert-to', 'pdf', '--outdir', path.join(work, 'oneshot-other'), f], { stdio: 'ignore' });
      const peak = setInterval(() => (filePeak = Math.max(filePeak, groupRss(p.pid ?? 0))), 100);
      p.on('exit', () => (clearInterval(peak), resolve()));
    });
    onePeak = Math.max(onePeak, filePeak);
    otherOneLat.push(Date.now() - t0);
    const ext = path.extname(f).slice(1).toLowerCase();
    onePerFormat.set(ext, [...(onePerFormat.get(ext) ?? []), Date.now() - t0]);
    onePeakPerFormat.set(ext, Math.max(onePeakPerFormat.get(ext) ?? 0, filePeak));
  }
  const otherOneWall = Date.now() - t;
  rmSync(work, { recursive: true, force: true });

  const row = (name: string, lat: number[], wall: number, memo: string) =>
    `| ${name} | ${pct(lat, 50)} | ${pct(lat, 90)} | ${Math.max(...lat)} | ${(lat.reduce((a, b) => a + b, 0) / lat.length).toFixed(0)} | ${((files.length / wall) * 1000).toFixed(2)} | ${memo} |`;
  console.log(`\nfirst document incl. LibreOffice start: ${warmup} ms\n`);
  console.log('| pipeline | p50 ms | p90 ms | max ms | mean ms | docs/s | peak RSS |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  console.log(row('ours: UNO + mammoth child (→ HTML pages)', oursLat, oursWall, `node ${mb(oursMem.self)}, LibreOffice + children ${mb(oursMem.children)}`));
  console.log(row(`ours + page preview (PDF, ${FREE_PAGES} page images + text layers, thumbnail)`, pageLat, pageWall, `node ${mb(pageMem.self)}, LibreOffice + renderers ${mb(pageMem.children)}`));
  console.log(row('one-shot soffice --convert-to pdf', oneLat, oneWall, `soffice ${mb(onePeak)}`));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const perMinute = (wall: number, n = files.length) => (n / wall) * 60_000;
  console.log(`\ndocuments/minute: text view ${perMinute(oursWall).toFixed(1)}, text view + page preview ${perMinute(pageWall).toFixed(1)}, one-shot soffice ${perMinute(oneWall).toFixed(1)}`);
  console.log(`ratio page preview / today: ${(perMinute(pageWall) / perMinute(oursWall)).toFixed(2)}×; page preview / one-shot: ${(perMinute(pageWall) / perMinute(oneWall)).toFixed(2)}×; today / one-shot: ${(perMinute(oursWall) / perMinute(oneWall)).toFixed(2)}×`);
  console.log(`page images (1000 px, watermarked): ${pageBytes.length} pages, mean ${(mean(pageBytes) / 1024).toFixed(0)} KB, p90 ${(pct(pageBytes, 90) / 1024).toFixed(0)} KB, max ${(Math.max(...pageBytes) / 1024).toFixed(0)} KB; ${pageFailures} document(s) without a page preview`);
  console.log(`\nother formats (${others.length} files): page preview ${perMinute(otherWall, others.length).toFixed(1)} docs/min vs one-shot ${perMinute(otherOneWall, others.length).toFixed(1)} docs/min (${(otherOneWall / otherWall).toFixed(2)}×); images mean ${(mean(otherBytes) / 1024).toFixed(0)} KB/page; peak node ${mb(otherMem.self)}, LibreOffice + renderers ${mb(otherMem.children)}`);
  console.log('| format | files | page preview mean ms | one-shot mean ms | docs/min ratio | peak RSS ours (LibreOffice + renderers) | peak RSS one-shot |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const [ext, lat] of [...perFormat.entries()].sort()) {
    const one = onePerFormat.get(ext) ?? [];
    console.log(`| ${ext} | ${lat.length} | ${mean(lat).toFixed(0)} | ${mean(one).toFixed(0)} | ${(mean(one) / mean(lat)).toFixed(1)}× | ${mb(peakPerFormat.get(ext) ?? 0)} | ${mb(onePeakPerFormat.get(ext) ?? 0)} |`);
  }
  console.log(`\nratio one-shot / ours: mean latency ${(mean(oneLat) / mean(oursLat)).toFixed(1)}×, throughput ${(oneWall / oursWall).toFixed(1)}×`);
  recordRows([
    ratioRow({ bench: 'conversion', case: `${files.length} corpus files, documents/min`, value: perMinute(oursWall), unit: 'docs/min', baselineName: 'one-shot soffice', baseline: perMinute(oneWall), goal: '≥ 3×', minRatio: 3 }),
    ratioRow({ bench: 'conversion', case: 'mean latency per document', value: mean(oursLat), unit: 'ms', baselineName: 'one-shot soffice', baseline: mean(oneLat), lowerIsBetter: true, note: `first document incl. LibreOffice start ${warmup} ms` }),
    { bench: 'conversion', case: 'peak memory (ours)', value: (oursMem.self + oursMem.children) / 2 ** 20, unit: 'MiB', note: `node ${mb(oursMem.self)} + LibreOffice ${mb(oursMem.children)}; one-shot soffice peak ${mb(onePeak)}` },
    ratioRow({ bench: 'conversion', case: `text view + page preview, documents/min`, value: perMinute(pageWall), unit: 'docs/min', baselineName: 'one-shot soffice', baseline: perMinute(oneWall) }),
    ratioRow({ bench: 'conversion', case: `page preview vs today's text view, documents/min`, value: perMinute(pageWall), unit: 'docs/min', baselineName: 'text view only', baseline: perMinute(oursWall) }),
    { bench: 'conversion', case: 'bytes per page image (1000 px)', value: mean(pageBytes) / 1024, unit: 'KiB' },
  ]);
}

await main();
