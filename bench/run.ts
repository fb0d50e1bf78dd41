// `npm run bench`: every benchmark in its own process, one results table with ratios against
// baselines measured in the same run, written to docs/benchmarks.md. `--smoke` is the short
// mode CI may run. Set-up (nginx, LibreOffice) is installed first; a real Postgres server is
// used when BENCH_DATABASE_URL or DATABASE_URL is set, else 127.0.0.1:5432 if it answers.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { printTable, type BenchRow } from './lib/report.js';
import { ROOT } from './lib/processes.js';

const SMOKE = process.argv.includes('--smoke');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const BENCHES = ['page', 'search', 'downloads', 'upload', 'purchases', 'conversion'].filter((b) => !only || only.includes(b));

async function defaultDatabaseUrl(): Promise<string | undefined> {
  const given = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  if (given) return given;
  const local = 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: local, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return local;
  } catch {
    return undefined;
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'wenku-bench-'));
const resultsFile = path.join(dir, 'results.jsonl');
execFileSync('bash', [path.join(ROOT, 'scripts/install-system-deps.sh')], { stdio: 'inherit' });
const databaseUrl = await defaultDatabaseUrl();
const failures: string[] = [];
const outputs: Record<string, string> = {};

for (const bench of BENCHES) {
  const script = path.join(ROOT, 'bench', `${bench}.ts`);
  if (!existsSync(script)) {
    failures.push(`${bench}: bench/${bench}.ts is missing`);
    continue;
  }
  console.log(`\n== bench/${bench}.ts${SMOKE ? ' (smoke)' : ''}`);
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', script, ...(SMOKE ? ['--smoke'] : [])], {
    cwd: ROOT,
    env: { ...process.env, BENCH_RESULTS: resultsFile, ...(SMOKE ? { BENCH_SMOKE: '1' } : {}), ...(databaseUrl ? { BENCH_DATABASE_URL: databaseUrl } : {}) },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  process.stdout.write(result.stdout ?? '');
  outputs[bench] = result.stdout ?? '';
  console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s)`);
  if (result.status !== 0) failures.push(`${bench}: exited with ${result.status ?? result.signal}`);
}

const rows: BenchRow[] = existsSync(resultsFile)
  ? readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as BenchRow)
  : [];
console.log('\n== All results');
printTable(rows);

if (!SMOKE) {
  const pgVersion = databaseUrl
    ? await (async () => {
        const c = new pg.Client({ connectionString: databaseUrl });
        await c.connect();
        const v = (await c.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
        await c.end();
        return `PostgreSQL ${v}`;
      })()
    : 'embedded PGlite';
  const table = [
    '| bench | case | value | baseline | ratio | goal | met | note |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.bench} | ${r.case} | ${r.value.toFixed(r.value >= 100 ? 0 : 2)} ${r.unit} | ${r.baseline === undefined ? '' : `${r.baseline.toFixed(r.baseline >= 100 ? 0 : 2)} ${r.unit} (${r.baselineName})`} | ${r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`} | ${r.goal ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : '**no**'} | ${r.note ?? ''} |`),
  ].join('\n');
  const plans = outputs.search?.split('\n-- ').slice(1).map((p) => `-- ${p}`).join('\n\n') ?? '';
  const doc = readFileSync(path.join(ROOT, 'docs/benchmarks.md'), 'utf8');
  const generated = `<!-- results:start -->
Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${pgVersion}.

${table}
${failures.length ? `\nNot measured in this run: ${failures.join('; ')}\n` : ''}
${plans ? `\nSearch plans (EXPLAIN ANALYZE):\n\n\`\`\`\n${plans.trim()}\n\`\`\`\n` : ''}<!-- results:end -->`;
  writeFileSync(path.join(ROOT, 'docs/benchmarks.md'), doc.replace(/<!-- results:start -->[\s\S]*<!-- results:end -->/, generated));
  console.log('\nwrote docs/benchmarks.md');
}

if (failures.length) {
  console.error(`\nfailed: ${failures.join('; ')}`);
  process.exit(1);
}
