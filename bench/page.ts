// Document page and document JSON under load (issue 7): Wenku against a bare Express route
// returning the same bytes from memory (the framework's limit) and nginx serving them as a
// static file (the machine's limit); then Wenku behind the shipped nginx front end.
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freshDatabase } from './lib/database.js';
import { load, type LoadResult } from './lib/load.js';
import { startNginx, startNodeBaseline, startWenku, type Running } from './lib/processes.js';
import { printTable, ratioRow, recordRows, smoke, type BenchRow } from './lib/report.js';
import { registerBenchUser, uploadFile, waitReady } from './lib/wenku-client.js';

const SEED_DIR = path.resolve('../shared/corpus/seed');

/** The median of each figure over rounds (requests/s and p99 taken separately). */
function medianRun(results: LoadResult[]): LoadResult {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { ...results[0]!, rps: median(results.map((r) => r.rps)), p99: median(results.map((r) => r.p99)) };
}

export async function runPageBench(): Promise<BenchRow[]> {
  const seconds = smoke() ? 2 : 5;
  const rounds = smoke() ? 1 : 3;
  const connectionsList = smoke() ? [50] : [50, 200];
  const databaseUrl = await freshDatabase('wenku_bench_page');
  const wenku = await startWenku(databaseUrl ? { DATABASE_URL: databaseUrl } : {});
  const started: Running[] = [wenku];
  try {
    const { token } = await registerBenchUser(wenku.url);
    const seed = path.join(SEED_DIR, readdirSync(SEED_DIR).find((f) => f.endsWith('.doc'))!);
    const up = await uploadFile(wenku.url, token, seed, { priceCents: '500', freePreviewPages: '3', category: '党政公文' });
    const id = (up.body as { document: { id: number } }).document.id;
    await waitReady(wenku.url, id);

    const pagePath = `/doc/${id}`;
    const apiPath = `/api/v1/documents/${id}`;
    const root = mkdtempSync(path.join(tmpdir(), 'wenku-static-'));
    const files: Record<string, { file: string; type: string }> = {};
    for (const [route, type] of [[pagePath, 'text/html'], [apiPath, 'application/json']] as const) {
      const body = Buffer.from(await (await fetch(wenku.url + route)).arrayBuffer());
      const file = path.join(root, route);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, body);
      files[route] = { file, type };
    }
    const express = await startNodeBaseline('express-static.ts', { BENCH_ROUTES: JSON.stringify(files) });
    started.push(express);
    const nginxStatic = await startNginx({ staticRoot: root });
    started.push(nginxStatic);
    const nginxFront = await startNginx({ upstream: `127.0.0.1:${wenku.port}` });
    started.push(nginxFront);

    const rows: BenchRow[] = [];
    for (const route of [pagePath, apiPath]) {
      const label = route === pagePath ? 'GET /doc/:id' : 'GET /api/v1/documents/:id';
      for (const connections of connectionsList) {
        const run = async (name: string, base: string): Promise<LoadResult> => {
          const r = await load(base + route, { connections, seconds });
          if (r.non2xx || r.errors) throw new Error(`${label} (${name}): ${r.non2xx} non-2xx, ${r.errors} errors`);
          return r;
        };
        // Rounds alternate the four servers; each figure is the median of its rounds, so a burst
        // of noise on this shared machine does not land on one side of a ratio only.
        const runs: Record<'ours' | 'bare' | 'front' | 'stat', LoadResult[]> = { ours: [], bare: [], front: [], stat: [] };
        for (let round = 0; round < rounds; round++) {
          runs.ours.push(await run('ours', wenku.url));
          runs.bare.push(await run('bare', express.url));
          runs.front.push(await run('front', nginxFront.url));
          runs.stat.push(await run('stat', nginxStatic.url));
        }
        const [ours, bare, front, stat] = [runs.ours, runs.bare, runs.front, runs.stat].map(medianRun) as [LoadResult, LoadResult, LoadResult, LoadResult];
        rows.push(ratioRow({ bench: 'page', case: `${label} c=${connections} req/s`, value: ours.rps, unit: 'req/s', baselineName: 'bare Express', baseline: bare.rps, goal: '≥ 0.8×', minRatio: 0.8 }));
        rows.push({ bench: 'page', case: `${label} c=${connections} p99`, value: ours.p99, unit: 'ms', goal: connections === 200 ? '< 50 ms' : undefined, met: connections === 200 ? ours.p99 < 50 : undefined, note: `bare Express p99 ${bare.p99} ms` });
        rows.push(ratioRow({ bench: 'page', case: `${label} c=${connections} via nginx front end req/s`, value: front.rps, unit: 'req/s', baselineName: 'nginx static', baseline: stat.rps, goal: '≥ 0.8×', minRatio: 0.8 }));
        // What a reader of the shipped set-up (docker-compose: nginx in front) waits.
        rows.push({ bench: 'page', case: `${label} c=${connections} via nginx front end p99`, value: front.p99, unit: 'ms', goal: connections === 200 ? '< 50 ms' : undefined, met: connections === 200 ? front.p99 < 50 : undefined, note: `nginx static p99 ${stat.p99} ms` });
      }
    }
    // The same app as a cluster: two web processes (WEB_CONCURRENCY=2) on this 2-core machine,
    // at the heaviest load. The p99 goal is what it is for.
    if (databaseUrl && !smoke()) {
      const clustered = await startWenku({ DATABASE_URL: databaseUrl, WEB_CONCURRENCY: '2', RUN_WORKER: 'false' });
      started.push(clustered);
      for (const route of [pagePath, apiPath]) {
        const label = route === pagePath ? 'GET /doc/:id' : 'GET /api/v1/documents/:id';
        const results: LoadResult[] = [];
        for (let round = 0; round < rounds; round++) results.push(await load(clustered.url + route, { connections: 200, seconds }));
        const r = medianRun(results);
        if (results.some((x) => x.non2xx || x.errors)) throw new Error(`${label} (cluster): non-2xx answers or errors`);
        rows.push({ bench: 'page', case: `${label} c=200, WEB_CONCURRENCY=2 req/s`, value: r.rps, unit: 'req/s', note: 'two web processes (node:cluster); medians of the rounds' });
        rows.push({ bench: 'page', case: `${label} c=200, WEB_CONCURRENCY=2 p99`, value: r.p99, unit: 'ms', goal: '< 50 ms', met: r.p99 < 50 });
      }
    }
    return rows;
  } finally {
    for (const p of started.reverse()) await p.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runPageBench();
  printTable(rows);
  recordRows(rows);
}
