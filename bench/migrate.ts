// A migration a large site runs unattended (issue 25): a `-- migrate: no-transaction` file builds
// an index with CREATE INDEX CONCURRENTLY on a table of a million rows (search_log, which every
// search writes to) through the migrator, on a pool with the app's 15 s statement timeout, while
// the running app serves searches. Prints the build's time, the app's requests/s and latency
// before and during the build, and the search_log rows the app wrote meanwhile. Real Postgres only
// (DATABASE_URL or BENCH_DATABASE_URL): the embedded database has one backend.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPool } from '../src/db/pool.js';
import { migrate } from '../src/db/migrator.js';
import { dropDatabase, freshDatabase } from './lib/database.js';
import { load, type LoadResult } from './lib/load.js';
import { startWenku } from './lib/processes.js';

const ROWS = process.argv.includes('--smoke') ? 50_000 : 1_000_000;
const DB = 'wenku_bench_migrate';
const SEARCH = `/search?q=${encodeURIComponent('工作 总结')}`;

const fmt = (r: LoadResult) => ({ 'req/s': Math.round(r.rps), 'p50 ms': r.p50, 'p99 ms': r.p99, errors: r.errors, non2xx: r.non2xx });

async function main(): Promise<void> {
  const databaseUrl = await freshDatabase(DB);
  if (!databaseUrl) {
    console.log('bench:migrate needs DATABASE_URL (a Postgres server)');
    return;
  }
  const wenku = await startWenku({ DATABASE_URL: databaseUrl });
  // The app's own pool settings: a 15 s statement timeout, which the migrator lifts for itself.
  const pool = createPool(databaseUrl, { max: 4 });
  const dir = mkdtempSync(path.join(tmpdir(), 'wenku-bench-migrations-'));
  try {
    let started = Date.now();
    const loader = createPool(databaseUrl, { max: 1, statementTimeoutMs: 0 }); // loading a million rows is no app query
    await loader.query(
      `INSERT INTO search_log (day, term, searcher)
       SELECT current_date - (n % 30), '词' || (n % 20000), 'bench-' || n FROM generate_series(1, $1) AS n`,
      [ROWS],
    );
    await loader.query('VACUUM ANALYZE search_log');
    await loader.end();
    console.log(`search_log: ${ROWS.toLocaleString('en')} rows loaded in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const before = await load(wenku.url + SEARCH, { connections: 8, seconds: 10 });
    writeFileSync(
      path.join(dir, '9900_search_log_searcher_index.sql'),
      [
        '-- migrate: no-transaction',
        'DROP INDEX CONCURRENTLY IF EXISTS search_log_searcher_term;',
        'CREATE INDEX CONCURRENTLY search_log_searcher_term ON search_log (searcher, term, day);',
      ].join('\n'),
    );
    const rowsBefore = Number((await pool.query('SELECT count(*) AS n FROM search_log')).rows[0].n);
    // Load for the whole build: it starts with the migration and runs until it is done.
    let migrationMs = 0;
    const loads: LoadResult[] = [];
    started = Date.now();
    const migration = migrate(pool, dir).then((applied) => {
      migrationMs = Date.now() - started;
      return applied;
    });
    let done = false;
    void migration.finally(() => (done = true));
    // Writes to the table being indexed go on too (CONCURRENTLY takes no lock that blocks them).
    const writes = (async () => {
      let n = 0;
      let worstMs = 0;
      while (!done) {
        const t = Date.now();
        await pool.query(`INSERT INTO search_log (day, term, searcher) VALUES (current_date, '写入', $1)`, [`writer-${n++}`]);
        worstMs = Math.max(worstMs, Date.now() - t);
      }
      return { n, worstMs };
    })();
    while (!done) loads.push(await load(wenku.url + SEARCH, { connections: 8, seconds: 5 }));
    const applied = await migration;
    const written = await writes;
    const during: LoadResult = {
      rps: loads.reduce((s, r) => s + r.rps, 0) / loads.length,
      p50: Math.max(...loads.map((r) => r.p50)),
      p99: Math.max(...loads.map((r) => r.p99)),
      errors: loads.reduce((s, r) => s + r.errors, 0),
      non2xx: loads.reduce((s, r) => s + r.non2xx, 0),
      throughputMBps: 0,
    };
    const rowsAfter = Number((await pool.query('SELECT count(*) AS n FROM search_log')).rows[0].n);
    const valid = (await pool.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('search_log_searcher_term')`)).rows[0]?.indisvalid;

    console.log(`\nmigration ${applied.join(', ')}: ${(migrationMs / 1000).toFixed(1)} s (the pool's statement timeout is 15 s); index valid: ${valid}`);
    console.log(`search_log rows written during the build: ${rowsAfter - rowsBefore} (one writer: ${written.n} inserts, slowest ${written.worstMs} ms)`);
    console.table({ [`${SEARCH} before`]: fmt(before), [`during the build (${loads.length} × 5 s windows; worst p50/p99)`]: fmt(during) });
    if (!valid || applied.length !== 1 || during.errors > 0 || during.non2xx > 0) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await pool.end();
    await wenku.stop();
    await dropDatabase(DB);
  }
}

await main();
