// Time from upload to the first page visible, through the real HTTP API of a real server (its
// own worker, embedded database): POST /api/v1/documents → poll GET /documents/:id until ready →
// GET /pages → GET page 1's image. One file per format family, each uploaded `--rounds` times
// (a fresh copy each: the same bytes twice would be a duplicate). Baseline in the same run: the
// one-shot pipeline most document sites run (`soffice --convert-to pdf` per file, then
// `pdftoppm` of page 1 at the same width), no HTTP, no sandbox. Prints medians and the ratio.
//   npx tsx bench/conversion-first-page.ts [-- --rounds 3]
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startWenku, ROOT } from './lib/processes.js';
import { registerBenchUser, uploadFile, waitReady } from './lib/wenku-client.js';
import { findSoffice } from '../src/conversion/libreoffice.js';
import { PAGE_WIDTH_PX } from '../src/conversion/render.js';

const args = process.argv.slice(2);
const ROUNDS = Number(args[args.indexOf('--rounds') + 1] ?? 0) || 3;
const FIX = path.join(ROOT, 'test/fixtures/generated');
const FILES: Array<[string, string]> = [
  ['DOC (seed)', path.join(ROOT, '../shared/corpus/seed/在全县政法稳定工作推进会议上的讲话.doc')],
  ['DOCX', path.join(FIX, 'zh-report.docx')],
  ['PDF', path.join(FIX, 'zh-notice.pdf')],
  ['PPTX', path.join(FIX, 'zh-slides.pptx')],
  ['XLSX', path.join(FIX, 'zh-budget.xlsx')],
  ['TXT', path.join(FIX, 'zh-notice-gbk.txt')],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const run = (cmd: string, argv: string[]) => new Promise<void>((resolve, reject) => {
  const p = spawn(cmd, argv, { stdio: 'ignore' });
  p.on('error', reject);
  p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}`))));
});

/** The one-shot baseline for one file: a fresh soffice to PDF, then page 1 as PNG at our page width. */
async function oneShotFirstPage(soffice: string, file: string, work: string): Promise<number> {
  const out = mkdtempSync(path.join(work, 'oneshot-'));
  const t0 = performance.now();
  await run(soffice, ['--headless', `-env:UserInstallation=file://${path.join(work, 'oneshot-profile')}`, '--convert-to', 'pdf', '--outdir', out, file]);
  const pdf = readdirSync(out).find((f) => f.endsWith('.pdf'));
  if (!pdf) throw new Error(`one-shot soffice made no PDF of ${file}`);
  await run('pdftoppm', ['-f', '1', '-l', '1', '-png', '-scale-to-x', String(PAGE_WIDTH_PX), '-scale-to-y', '-1', path.join(out, pdf), path.join(out, 'page')]);
  return performance.now() - t0;
}

async function main() {
  const server = await startWenku({ WORKER_CONCURRENCY: '1' });
  const tmp = mkdtempSync(path.join(tmpdir(), 'first-page-'));
  try {
    const { token } = await registerBenchUser(server.url, 'firstpage');
    const soffice = findSoffice(process.env.SOFFICE_PATH);
    if (!soffice) throw new Error('LibreOffice not found: the baseline runs it');
    mkdirSync(path.join(tmp, 'base'), { recursive: true });
    const rows: Array<[string, number, number]> = [];
    for (const [label, file] of FILES) {
      const times: number[] = [];
      for (let r = 0; r < ROUNDS + 1; r++) {
        // A fresh copy under a distinct name, uploaded by a fresh user.
        const copy = path.join(tmp, `${r}-${path.basename(file)}`);
        copyFileSync(file, copy);
        const who = r === 0 ? token : (await registerBenchUser(server.url, `fp${r}`)).token;
        const t0 = performance.now();
        const up = await uploadFile(server.url, who, copy);
        if (up.status !== 202) throw new Error(`${label}: upload ${up.status} ${JSON.stringify(up.body)}`);
        const id = (up.body as { document: { id: number } }).document.id;
        await waitReady(server.url, id, 180_000);
        const pages = (await (await fetch(`${server.url}/api/v1/documents/${id}/pages`)).json()) as { pages: Array<{ imageUrl: string }> };
        const img = await fetch(`${server.url}${pages.pages[0]!.imageUrl}`);
        await img.arrayBuffer();
        if (img.status !== 200) throw new Error(`${label}: page 1 image ${img.status}`);
        if (r > 0) times.push(performance.now() - t0); // round 0 warms LibreOffice
        // Deleted, so the next round's copy is not refused as a duplicate of a public document.
        const del = await fetch(`${server.url}/api/v1/documents/${id}`, { method: 'DELETE', headers: { authorization: `Bearer ${who}` } });
        if (del.status !== 204) throw new Error(`${label}: delete ${del.status}`);
      }
      const baseline: number[] = [];
      for (let r = 0; r < ROUNDS + 1; r++) {
        const t = await oneShotFirstPage(soffice, file, path.join(tmp, 'base'));
        if (r > 0) baseline.push(t); // round 0 creates the profile
      }
      rows.push([label, median(times), median(baseline)]);
    }
    console.log('\nupload → first page visible (median of', ROUNDS, 'rounds; baseline: one-shot soffice → PDF → pdftoppm page 1, same run)');
    console.log('| format | ours ms | one-shot ms | ours / one-shot |\n|---|---:|---:|---:|');
    for (const [label, ms, base] of rows) console.log(`| ${label} | ${Math.round(ms)} | ${Math.round(base)} | ${(ms / base).toFixed(2)} |`);
  } finally {
    await server.stop();
  }
}
void main();
