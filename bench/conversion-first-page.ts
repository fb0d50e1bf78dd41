// Time from upload to the first page visible, through the real HTTP API of a real server (its
// own worker, embedded database): POST /api/v1/documents → poll GET /documents/:id until ready →
// GET /pages → GET page 1's image. One file per format family, each uploaded `--rounds` times
// (a fresh copy each: the same bytes twice would be a duplicate). Prints the median per format
// and its ratio to the seed .doc.
//   npx tsx bench/conversion-first-page.ts [-- --rounds 3]
import { copyFileSync, appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startWenku, ROOT } from './lib/processes.js';
import { registerBenchUser, uploadFile, waitReady } from './lib/wenku-client.js';

const args = process.argv.slice(2);
const ROUNDS = Number(args[args.indexOf('--rounds') + 1] ?? 0) || 3;
const FIX = path.join(ROOT, 'test/fixtures/generated');
const FILES: Array<[string, string]> = [
  ['DOC (seed)', '/work/shared/corpus/seed/在全县政法稳定工作推进会议上的讲话.doc'],
  ['DOCX', path.join(FIX, 'zh-report.docx')],
  ['PDF', path.join(FIX, 'zh-notice.pdf')],
  ['PPTX', path.join(FIX, 'zh-slides.pptx')],
  ['XLSX', path.join(FIX, 'zh-budget.xlsx')],
  ['TXT', path.join(FIX, 'zh-notice-gbk.txt')],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const server = await startWenku({ WORKER_CONCURRENCY: '1' });
  const tmp = mkdtempSync(path.join(tmpdir(), 'first-page-'));
  try {
    const { token } = await registerBenchUser(server.url, 'firstpage');
    const rows: Array<[string, number]> = [];
    for (const [label, file] of FILES) {
      const times: number[] = [];
      for (let r = 0; r < ROUNDS + 1; r++) {
        // A distinct copy: one byte appended to a text file; other formats get a distinct name and
        // are uploaded by a fresh user (the duplicate rule is per uploader).
        const copy = path.join(tmp, `${r}-${path.basename(file)}`);
        copyFileSync(file, copy);
        if (label === 'TXT') appendFileSync(copy, `\n${r}`);
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
      }
      rows.push([label, median(times)]);
    }
    const base = rows[0]![1];
    console.log('\nupload → first page visible (HTTP, median of', ROUNDS, 'rounds)');
    console.log('| format | ms | ratio to the seed .doc |\n|---|---:|---:|');
    for (const [label, ms] of rows) console.log(`| ${label} | ${Math.round(ms)} | ${(ms / base).toFixed(2)} |`);
  } finally {
    await server.stop();
  }
}
void main();
