// Search at scale (issues 7 and 17): N generated Chinese documents loaded inside Postgres
// (bench/lib/search-load.ts), then GET /api/v1/documents for a mix of query classes — a common
// word, a rare word, two words that come together, English mixed in, a category filter, sorted
// by popularity or date, and the tenth page through the cursor — p50/p95/p99 per class. Baselines
// in the same run: the same classes at the first (small) size, and the naive ILIKE '%…%' scan
// other document sites use. Plus EXPLAIN plans and the tables' and indexes' sizes.
// Needs a real server (BENCH_DATABASE_URL or DATABASE_URL); each size gets its own database,
// dropped afterwards (BENCH_KEEP_DB=1 keeps it, and a later run with BENCH_KEEP_DB=1 measures a
// kept one again without loading it). Sizes: BENCH_SEARCH_SIZES=10000,1000000.
// Run it at low priority on a shared machine: `nice -n 19 npx tsx bench/search.ts`.
import pg from 'pg';
import { dropDatabase, freshDatabase, loadedDatabase } from './lib/database.js';
import { RARE_WORDS } from './lib/corpus-generator.js';
import { loadDocuments, type LoadReport } from './lib/search-load.js';
import { startWenku } from './lib/processes.js';
import { percentile, printTable, ratioRow, recordRows, smoke, type BenchRow } from './lib/report.js';
import { registerBenchUser } from './lib/wenku-client.js';
import { insertKnownItems, knownQueries, removeKnownItems, type KnownQuery } from './lib/known-items.js';

interface QueryCase {
  q?: string;
  category?: string;
  sort?: 'relevance' | 'popular' | 'newest';
  /** Which page (20 a page) is timed; the earlier pages are followed through nextCursor first. */
  page?: number;
}

export const QUERY_CLASSES: Record<string, QueryCase[]> = {
  common: ['工作', '会议', '发展', '安全', '政法'].map((q) => ({ q })),
  rare: RARE_WORDS.map((q) => ({ q })),
  'two-word': ['信访 工作', '政法 稳定', '乡村 振兴', '安全 生产'].map((q) => ({ q })),
  mixed: ['digital 政府', 'report 工作'].map((q) => ({ q })),
  'category filter': [
    { q: '工作', category: '党政公文' },
    { q: '乡村 振兴', category: '教育教学' },
    { category: '法律法规', sort: 'popular' },
  ],
  'sorted by popularity / date': [
    { q: '工作', sort: 'popular' },
    { q: '乡村 振兴', sort: 'popular' },
    { q: '安全 生产', sort: 'newest' },
  ],
  'deep page (10th)': [
    { q: '工作', sort: 'popular', page: 10 },
    { q: '乡村 振兴', page: 10 },
    { sort: 'newest', page: 10 },
  ],
};

const describeCase = (c: QueryCase) =>
  [c.q && `q=${c.q}`, c.category && `category=${c.category}`, c.sort && `sort=${c.sort}`, c.page && `page ${c.page}`].filter(Boolean).join(' ');

function listUrl(base: string, c: QueryCase, cursor: string | null): string {
  const params = new URLSearchParams({ limit: '20' });
  if (c.q) params.set('q', c.q);
  if (c.category) params.set('category', c.category);
  if (c.sort) params.set('sort', c.sort);
  if (cursor) params.set('cursor', cursor);
  return `${base}/api/v1/documents?${params}`;
}

async function fetchPage(url: string): Promise<{ nextCursor: string | null; items: unknown[] }> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { nextCursor: string | null; items: unknown[] };
}

/** The cursor that opens page `page` of the case (followed once, outside the timing). */
async function cursorOf(base: string, c: QueryCase): Promise<string | null> {
  let cursor: string | null = null;
  for (let p = 1; p < (c.page ?? 1); p++) {
    cursor = (await fetchPage(listUrl(base, c, cursor))).nextCursor;
    if (!cursor) throw new Error(`${describeCase(c)}: no page ${p + 1}`);
  }
  return cursor;
}

async function timed(run: () => Promise<unknown>, rounds: number): Promise<number[]> {
  const times: number[] = [];
  await run(); // warm the caches once
  for (let i = 0; i < rounds; i++) {
    const t = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return times;
}

/** Where the known item comes in the first page (20) of its search, from 0; null when not there. */
async function knownItemPosition(base: string, k: KnownQuery): Promise<number | null> {
  const { items } = await fetchPage(listUrl(base, { q: k.q }, null));
  const at = (items as Array<{ id: number }>).findIndex((d) => d.id === k.id);
  return at < 0 ? null : at;
}

/** The scan a site without full-text search runs: ILIKE over title, description and body. */
async function naiveScan(pool: pg.Pool, c: QueryCase): Promise<void> {
  const like = c.q ? `%${c.q.split(' ')[0]}%` : '%';
  await pool.query(
    `SELECT id, title FROM documents WHERE status = 'ready' AND deleted_at IS NULL
       AND (title ILIKE $1 OR description ILIKE $1 OR body_text ILIKE $1) AND ($2::text IS NULL OR category = $2)
     ORDER BY views DESC, id DESC LIMIT 20`,
    [like, c.category ?? null],
  );
}

interface ClassTimes {
  ours: number[];
  naive: number[];
}

export async function runSearchBench(): Promise<{ rows: BenchRow[]; plans: string[]; loads: Array<{ size: number; report: LoadReport }> }> {
  const sizes = (process.env.BENCH_SEARCH_SIZES ?? (smoke() ? '10000,20000' : '10000,1000000')).split(',').map(Number);
  const rows: BenchRow[] = [];
  const plans: string[] = [];
  const loads: Array<{ size: number; report: LoadReport }> = [];
  let small: { size: number; times: Map<string, ClassTimes> } | null = null;
  for (const size of sizes) {
    const rounds = smoke() ? 5 : 25;
    const dbName = `wenku_bench_search_${size}`;
    const kept = process.env.BENCH_KEEP_DB ? await loadedDatabase(dbName, 'document_search', size) : undefined;
    const url = kept ?? (await freshDatabase(dbName));
    if (!url) throw new Error('the search benchmark needs a real Postgres server: set BENCH_DATABASE_URL or DATABASE_URL');
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    // No response cache: every timed request reaches the database.
    const wenku = await startWenku({ DATABASE_URL: url, RUN_WORKER: 'false', RESPONSE_CACHE_TTL: '0' }).catch(async (err: unknown) => {
      await pool.end();
      throw err;
    });
    try {
      let report: LoadReport | null = null;
      const { userId } = await registerBenchUser(wenku.url);
      if (!kept) {
        report = await loadDocuments(pool, userId, size);
        loads.push({ size, report });
        console.log(`loaded ${size} documents in ${report.seconds.toFixed(0)} s: ${report.phases.map(([n, s]) => `${n} ${s.toFixed(1)} s`).join('; ')}`);
      }
      const times = new Map<string, ClassTimes>();
      for (const [name, cases] of Object.entries(QUERY_CLASSES)) {
        const t: ClassTimes = { ours: [], naive: [] };
        for (const c of cases) {
          const cursor = await cursorOf(wenku.url, c);
          const caseTimes = (await timed(() => fetchPage(listUrl(wenku.url, c, cursor)), rounds)).sort((a, b) => a - b);
          console.log(`${size} docs, ${name}, ${describeCase(c)}: p50 ${percentile(caseTimes, 50).toFixed(1)} ms, p95 ${percentile(caseTimes, 95).toFixed(1)} ms`);
          t.ours.push(...caseTimes);
        }
        // The scan costs seconds at a million rows: the class's first case, three times.
        t.naive.push(...(await timed(() => naiveScan(pool, cases[0]!), size >= 100_000 ? 3 : 5)));
        for (const list of [t.ours, t.naive]) list.sort((a, b) => a - b);
        times.set(name, t);
      }
      // Known items (issue 26): new documents searched by their titles; where each one came.
      const known = knownQueries(await insertKnownItems(pool, userId));
      const found = new Map<string, { top3: number; top10: number; total: number }>();
      for (const [name, queries] of Object.entries(known)) {
        const t: ClassTimes = { ours: [], naive: [] };
        const share = { top3: 0, top10: 0, total: queries.length };
        for (const k of queries) {
          const position = await knownItemPosition(wenku.url, k);
          if (position !== null && position < 3) share.top3++;
          if (position !== null && position < 10) share.top10++;
          t.ours.push(...(await timed(() => fetchPage(listUrl(wenku.url, { q: k.q }, null)), Math.ceil(rounds / 2))));
          console.log(`${size} docs, ${name}, q=${k.q}: position ${position === null ? 'not in the first 20' : position + 1}`);
        }
        t.naive.push(...(await timed(() => naiveScan(pool, { q: queries[0]!.q }), size >= 100_000 ? 3 : 5)));
        for (const list of [t.ours, t.naive]) list.sort((a, b) => a - b);
        times.set(name, t);
        found.set(name, share);
      }
      await removeKnownItems(pool); // a kept database holds exactly its generated documents
      for (const [name, t] of times) {
        const base = small && small.size !== size ? small.times.get(name) : undefined;
        const label = `${size} docs, ${name}`;
        const naiveP50 = percentile(t.naive, 50);
        const share = found.get(name);
        const shareNote = share ? `; found in top 3 ${share.top3}/${share.total}, top 10 ${share.top10}/${share.total}` : '';
        rows.push({ bench: 'search', case: `${label}: p50`, value: percentile(t.ours, 50), unit: 'ms', note: `naive ILIKE p50 ${naiveP50.toFixed(0)} ms${shareNote}` });
        if (share) {
          rows.push({ bench: 'search', case: `${label}: found in top 3`, value: (100 * share.top3) / share.total, unit: '%', goal: '100 %', met: share.top3 === share.total, note: `top 10: ${share.top10}/${share.total}` });
        }
        const p95 = ratioRow({
          bench: 'search',
          case: `${label}: p95`,
          value: percentile(t.ours, 95),
          unit: 'ms',
          baselineName: 'naive ILIKE p50',
          baseline: naiveP50,
          lowerIsBetter: true,
          goal: size >= 1_000_000 ? 'p95 ≤ 50 ms' : undefined,
        });
        if (size >= 1_000_000) p95.met = p95.value <= 50;
        rows.push(p95);
        rows.push({
          bench: 'search',
          case: `${label}: p99`,
          value: percentile(t.ours, 99),
          unit: 'ms',
          ...(base ? { baselineName: `p99 at ${small!.size} docs`, baseline: percentile(base.ours, 99) } : {}),
          note: `${t.ours.length} requests${base ? `; p95 at ${small!.size} docs ${percentile(base.ours, 95).toFixed(1)} ms` : ''}`,
        });
      }
      small ??= { size, times };
      plans.push(...(await explainPlans(pool, size)));
      if (report) plans.push(`-- ${size} documents, sizes\n${report.sizes.map(([n, b]) => `${n}: ${(b / 2 ** 20).toFixed(1)} MiB`).join('\n')}`);
    } finally {
      await pool.end();
      await wenku.stop();
      if (!process.env.BENCH_KEEP_DB) await dropDatabase(dbName);
    }
  }
  return { rows, plans, loads };
}

/**
 * EXPLAIN ANALYZE of the search SQL the API runs, captured from the documents search repository
 * and replayed in order on one connection: transaction control and planner settings run as they
 * are (so each read is planned as the API plans it), every read is explained.
 */
async function explainPlans(pool: pg.Pool, size: number): Promise<string[]> {
  const { captureSearchSql } = await import('./lib/search-sql.js');
  const out: string[] = [];
  const client = await pool.connect();
  try {
    for (const c of [{ q: '工作' }, { q: '乡村 振兴' }, { q: RARE_WORDS[0]! }, { q: '工作', category: '党政公文' }]) {
      const statements = await captureSearchSql(pool, c.q, c.category ?? null);
      for (const [i, { text, values }] of statements.entries()) {
        if (!/^\s*(SELECT|WITH)\b/i.test(text)) {
          await client.query(text, values);
          continue;
        }
        // The ids of the candidates are long: shown by count.
        const shown = values.map((v) => (Array.isArray(v) ? `[${v.length} ids]` : JSON.stringify(v))).join(', ');
        const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
        const lines = plan.rows.map((r) => String(r['QUERY PLAN']).replace(/'\{[0-9.,e-]{200,}\}'/g, "'{…}'"));
        out.push(`-- ${size} documents, ${describeCase(c)}, statement ${i + 1} of ${statements.length} (${shown})\n${text.replace(/\s+/g, ' ').slice(0, 200)}…\n${lines.join('\n')}`);
      }
    }
  } finally {
    await client.query('ROLLBACK').catch(() => undefined); // in case a replay stopped inside its transaction
    client.release();
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows, plans } = await runSearchBench();
  printTable(rows);
  for (const p of plans) console.log(`\n${p}`);
  recordRows(rows);
}
