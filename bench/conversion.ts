// Conversion benchmark: our converter (LibreOffice kept running over UNO, sandboxed, + mammoth
// child) against a one-shot `soffice --convert-to pdf` per file, over the same corpus files in
// the same run. Prints per-document latency, throughput, peak memory and the ratios.
//   npm run bench:conversion [-- --limit 20] [-- --concurrency 2]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createConverter, sniffWordFile, type WordFormat } from '../src/conversion/index.js';
import { findSoffice, groupRss } from '../src/conversion/libreoffice.js';
import { ratioRow, recordRows, smoke } from './lib/report.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const LIMIT = opt('limit', smoke() ? 8 : Infinity);
const CONCURRENCY = opt('concurrency', 1);
const CORPUS = path.resolve(import.meta.dirname, '../../shared/corpus');

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
  rmSync(work, { recursive: true, force: true });

  const row = (name: string, lat: number[], wall: number, memo: string) =>
    `| ${name} | ${pct(lat, 50)} | ${pct(lat, 90)} | ${Math.max(...lat)} | ${(lat.reduce((a, b) => a + b, 0) / lat.length).toFixed(0)} | ${((files.length / wall) * 1000).toFixed(2)} | ${memo} |`;
  console.log(`\nfirst document incl. LibreOffice start: ${warmup} ms\n`);
  console.log('| pipeline | p50 ms | p90 ms | max ms | mean ms | docs/s | peak RSS |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  console.log(row('ours: UNO + mammoth child (→ HTML pages)', oursLat, oursWall, `node ${mb(oursMem.self)}, LibreOffice + children ${mb(oursMem.children)}`));
  console.log(row('one-shot soffice --convert-to pdf', oneLat, oneWall, `soffice ${mb(onePeak)}`));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`\nratio one-shot / ours: mean latency ${(mean(oneLat) / mean(oursLat)).toFixed(1)}×, throughput ${(oneWall / oursWall).toFixed(1)}×`);
  const perMinute = (wall: number) => (files.length / wall) * 60_000;
  recordRows([
    ratioRow({ bench: 'conversion', case: `${files.length} corpus files, documents/min`, value: perMinute(oursWall), unit: 'docs/min', baselineName: 'one-shot soffice', baseline: perMinute(oneWall), goal: '≥ 3×', minRatio: 3 }),
    ratioRow({ bench: 'conversion', case: 'mean latency per document', value: mean(oursLat), unit: 'ms', baselineName: 'one-shot soffice', baseline: mean(oneLat), lowerIsBetter: true, note: `first document incl. LibreOffice start ${warmup} ms` }),
    { bench: 'conversion', case: 'peak memory (ours)', value: (oursMem.self + oursMem.children) / 2 ** 20, unit: 'MiB', note: `node ${mb(oursMem.self)} + LibreOffice ${mb(oursMem.children)}; one-shot soffice peak ${mb(onePeak)}` },
  ]);
}

await main();
