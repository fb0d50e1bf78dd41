// Search at scale (issue 7): N generated Chinese documents inserted with COPY, then
// GET /api/v1/documents?q= for common, rare, two-word and mixed queries (p50/p95), against
// the naive ILIKE '%…%' scan other document sites use, in the same run, plus EXPLAIN plans.
// Needs a real server (BENCH_DATABASE_URL or DATABASE_URL). Sizes: BENCH_SEARCH_SIZES=100000,1000000.
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { freshDatabase } from './lib/database.js';
import { generateDocuments, RARE_WORDS } from './lib/corpus-generator.js';
import { startWenku, type Running } from './lib/processes.js';
import { percentile, printTable, ratioRow, recordRows, smoke, type BenchRow } from './lib/report.js';
import { registerBenchUser } from './lib/wenku-client.js';

export const QUERY_SETS: Record<string, string[]> = {
  common: ['工作', '会议', '发展', '安全', '政法'],
  rare: RARE_WORDS,
  'two-word': ['信访 工作', '政法 稳定', '乡村 振兴', '安全 生产'],
  mixed: ['digital 政府', 'report 工作'],
};

const tsv = (v: string) => v.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);

/** Bulk-loads `count` documents for `uploaderId`: COPY into a staging table, then one INSERT … SELECT. */
export async function loadDocuments(pool: pg.Pool, uploaderId: number, count: number): Promise<number> {
  const started = Date.now();
  const client = await pool.connect();
  try {
    await client.query(`CREATE TEMP TABLE staging (title text, keywords text, description text, body text,
      t_title text, t_keywords text, t_description text, t_body text, category text, price_cents bigint,
      views bigint, downloads bigint, pages int, age_days int)`);
    const docs = generateDocuments(count);
    let i = 0;
    const rows = Readable.from(
      (function* () {
        for (const d of docs) {
          i++;
          yield [d.title, `{${d.keywords.map((k) => `"${k.replace(/"/g, '')}"`).join(',')}}`, d.description, d.body, d.tokens.title, d.tokens.keywords, d.tokens.description, d.tokens.body, d.category, d.priceCents, d.views, d.downloads, d.pages, i % 1000]
            .map((v) => tsv(String(v)))
            .join('\t') + '\n';
        }
      })(),
    );
    await pipeline(rows, client.query(copyFrom('COPY staging FROM STDIN')));
    // Bulk-load practice: drop the secondary indexes, insert, rebuild them once (definitions read
    // from the catalog, so they are exactly the schema's). The trigger fills document_search.
    const indexes = (
      await client.query<{ name: string; def: string }>(
        `SELECT indexname AS name, indexdef AS def FROM pg_indexes
          WHERE tablename IN ('documents', 'document_search') AND indexname NOT IN (SELECT conname FROM pg_constraint)`,
      )
    ).rows;
    for (const i of indexes) await client.query(`DROP INDEX ${i.name}`);
    await client.query(
      `INSERT INTO documents (uploader_id, title, description, category, price_cents, free_preview_pages, keywords,
         format, size_bytes, sha256, blob_key, original_filename, status, pages, word_count, body_text,
         search_vector, views, downloads, created_at, converted_at)
       SELECT $1, title, description, category, price_cents, 3, keywords::text[], 'DOC', 20000 + length(body) * 3,
              encode(sha256(convert_to(title || body || n::text, 'UTF8')), 'hex'), 'bench-' || n, title || '.doc', 'ready', pages,
              length(body), body,
              setweight(to_tsvector('simple', t_title), 'A') || setweight(to_tsvector('simple', t_keywords), 'B')
                || setweight(to_tsvector('simple', t_description), 'C') || setweight(to_tsvector('simple', t_body), 'D'),
              views, downloads, now() - make_interval(days => age_days), now() - make_interval(days => age_days)
       FROM (SELECT *, row_number() OVER () AS n FROM staging) s`,
      [uploaderId],
    );
    await client.query('DROP TABLE staging');
    await client.query(`SET maintenance_work_mem = '1GB'`);
    for (const i of indexes) await client.query(i.def);
    await client.query('ANALYZE documents');
    await client.query('ANALYZE document_search');
  } finally {
    client.release();
  }
  return (Date.now() - started) / 1000;
}

async function timeRequests(run: () => Promise<void>, rounds: number): Promise<number[]> {
  const times: number[] = [];
  await run(); // warm the caches once
  for (let i = 0; i < rounds; i++) {
    const t = process.hrtime.bigint();
    await run();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return times.sort((a, b) => a - b);
}

export async function runSearchBench(): Promise<{ rows: BenchRow[]; plans: string[] }> {
  const sizes = (process.env.BENCH_SEARCH_SIZES ?? (smoke() ? '5000' : '100000,1000000')).split(',').map(Number);
  const baseRounds = smoke() ? 5 : 30;
  const rows: BenchRow[] = [];
  const plans: string[] = [];
  for (const size of sizes) {
    const rounds = size >= 1_000_000 ? Math.ceil(baseRounds / 3) : baseRounds;
    const url = await freshDatabase(`wenku_bench_search_${size}`);
    if (!url) throw new Error('the search benchmark needs a real Postgres server: set BENCH_DATABASE_URL or DATABASE_URL');
    const started: Running[] = [];
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    try {
      const wenku = await startWenku({ DATABASE_URL: url, RUN_WORKER: 'false' });
      started.push(wenku);
      const { userId } = await registerBenchUser(wenku.url);
      const loadSeconds = await loadDocuments(pool, userId, size);
      console.log(`loaded ${size} documents in ${loadSeconds.toFixed(0)} s`);
      for (const [set, queries] of Object.entries(QUERY_SETS)) {
        const ours: number[] = [];
        const naive: number[] = [];
        for (const q of queries) {
          ours.push(...(await timeRequests(async () => {
            const res = await fetch(`${wenku.url}/api/v1/documents?q=${encodeURIComponent(q)}&sort=relevance&limit=20`);
            if (!res.ok) throw new Error(`search ${q}: ${res.status}`);
            await res.arrayBuffer();
          }, rounds)));
          const like = `%${q.split(' ')[0]}%`;
          naive.push(...(await timeRequests(async () => {
            await pool.query(
              `SELECT id, title FROM documents WHERE status = 'ready' AND deleted_at IS NULL
                 AND (title ILIKE $1 OR description ILIKE $1 OR body_text ILIKE $1)
               ORDER BY views DESC, id DESC LIMIT 20`,
              [like],
            );
          }, Math.max(3, Math.floor(rounds / 4)))));
        }
        ours.sort((a, b) => a - b);
        naive.sort((a, b) => a - b);
        rows.push({ bench: 'search', case: `${size} docs, ${set}: p50`, value: percentile(ours, 50), unit: 'ms', note: `naive ILIKE p50 ${percentile(naive, 50).toFixed(1)} ms` });
        rows.push(ratioRow({ bench: 'search', case: `${size} docs, ${set}: p95`, value: percentile(ours, 95), unit: 'ms', baselineName: 'naive ILIKE p95', baseline: percentile(naive, 95), lowerIsBetter: true, goal: size >= 1_000_000 ? 'p95 ≤ 50 ms' : undefined }));
        const last = rows[rows.length - 1]!;
        if (size >= 1_000_000) last.met = last.value <= 50;
      }
      plans.push(...(await explainPlans(pool, size)));
    } finally {
      await pool.end();
      for (const p of started.reverse()) await p.stop();
    }
  }
  return { rows, plans };
}

/** EXPLAIN ANALYZE of the search SQL the API runs, captured from the documents search repository. */
async function explainPlans(pool: pg.Pool, size: number): Promise<string[]> {
  const { captureSearchSql } = await import('./lib/search-sql.js');
  const out: string[] = [];
  for (const q of ['工作', '信访 工作', '乡村 振兴', RARE_WORDS[0]!]) {
    const { text, values } = await captureSearchSql(pool, q);
    const plan = await pool.query(`EXPLAIN (ANALYZE, BUFFERS) ${text}`, values);
    out.push(`-- ${size} documents, q=${q}\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { rows, plans } = await runSearchBench();
  printTable(rows);
  for (const p of plans) console.log(`\n${p}`);
  recordRows(rows);
}
