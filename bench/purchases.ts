// Purchases per second through the purchase service (the whole transaction: document share
// lock, ordered wallet locks, balanced ledger posting and purchase row) against pgbench's
// built-in tpcb-like script on the same Postgres server with the same number of clients, in the
// same run. The ledger starts with HISTORY past transactions, so a posting whose cost grows with
// the ledger shows; buyers share 20 authors, whose wallets they lock. pgbench at scale 1 has one
// branch row every transaction updates. Needs a real server: BENCH_DATABASE_URL / DATABASE_URL,
// else 127.0.0.1:5432.
import { spawnSync } from 'node:child_process';
import { parseConfig, type Config } from '../src/config.js';
import type { Actor } from '../src/deps.js';
import { createPool, type Database } from '../src/db/pool.js';
import { migrate } from '../src/db/migrator.js';
import { purchaseDocument } from '../src/payments/purchases.service.js';
import { creditWalletByAdmin } from '../src/payments/wallet.service.js';
import { openUserAccounts } from '../src/payments/wallet-accounts.repo.js';
import { freshDatabase } from './lib/database.js';
import { printTable, ratioRow, recordRows, type BenchRow } from './lib/report.js';

const SMOKE = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';
const SECONDS = SMOKE ? 3 : 10;
const CLIENT_COUNTS = SMOKE ? [4] : [1, 8];
const DOCUMENTS = 4000;
/** Past ledger transactions written before the run, so a posting whose cost grows with the ledger shows. */
const HISTORY = SMOKE ? 10_000 : 200_000;
process.env.BENCH_DATABASE_URL ??= process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const parsed = parseConfig({ NODE_ENV: 'production', PUBLIC_URL: 'http://127.0.0.1', JWT_SECRET: 'x'.repeat(40), PAYMENT_WEBHOOK_SECRET: 'y'.repeat(20) });
const config: Config = { ...parsed, jwtSecret: parsed.jwtSecret!, paymentWebhookSecret: parsed.paymentWebhookSecret! };
const clock = { now: () => new Date() };

async function setUp(url: string, buyers: number) {
  const pool = createPool(url, { max: Math.max(2, ...CLIENT_COUNTS) });
  await migrate(pool);
  const db: Database = { pool, connectionString: url, kind: 'postgres', close: () => pool.end() };
  const insertUser = async (name: string) => {
    const { rows } = await pool.query<{ id: number }>(
      `INSERT INTO users (email, display_name, password_hash, role, referral_code) VALUES ($1, $2, 'x', 'user', $1) RETURNING id`,
      [`${name}@bench.example`, name],
    );
    await openUserAccounts(pool, rows[0]!.id);
    return rows[0]!.id;
  };
  const authors: number[] = [];
  for (let i = 0; i < 20; i++) authors.push(await insertUser(`author${i}`));
  const actors: Actor[] = [];
  for (let i = 0; i < buyers; i++) {
    const id = await insertUser(`buyer${i}`);
    await creditWalletByAdmin({ db }, { userId: id, role: 'admin', displayName: '', email: '', referralCode: '' }, { userId: id, amountCents: 100_000_000, reason: 'bench' });
    actors.push({ userId: id, role: 'user', displayName: `buyer${i}`, email: `buyer${i}@bench.example`, referralCode: `buyer${i}` });
  }
  const { rows } = await pool.query<{ id: number }>(
    `INSERT INTO documents (uploader_id, title, price_cents, format, size_bytes, sha256, blob_key, original_filename, status)
     SELECT ($1::bigint[])[1 + i % array_length($1::bigint[], 1)], '压测文档 ' || i, 100 + i % 900, 'DOC', 1000,
            md5(i::text) || md5((i + 1)::text), 'benchblob' || i, 'bench.doc', 'ready'
       FROM generate_series(1, $2) AS i RETURNING id`,
    [authors, DOCUMENTS],
  );
  await pool.query(
    `WITH t AS (INSERT INTO ledger_transactions (kind, reference) SELECT 'admin_credit', 'bench:' || i FROM generate_series(1, $1) AS i RETURNING id)
     INSERT INTO ledger_entries (transaction_id, account_id, amount_cents, kind)
     SELECT t.id, s.id, CASE s.kind WHEN 'platform_revenue' THEN 100 ELSE -100 END, 'admin_credit'
       FROM t CROSS JOIN ledger_accounts s WHERE s.kind IN ('platform_revenue', 'adjustments')`,
    [HISTORY],
  );
  await pool.query('ANALYZE');
  return { db, actors, documents: rows.map((r) => r.id) };
}

/** Each client is one buyer walking the documents in its own order; only new purchases (201) count. */
async function measureOurs(db: Database, actors: Actor[], documents: number[], clients: number, offset: number) {
  const deadline = Date.now() + SECONDS * 1000;
  let purchases = 0;
  let other = 0;
  const started = Date.now();
  await Promise.all(
    actors.slice(0, clients).map(async (actor, c) => {
      for (let k = 0; Date.now() < deadline; k++) {
        const documentId = documents[(offset + c * 997 + k) % documents.length]!;
        const result = await purchaseDocument({ config, db, clock }, actor, { documentId, confirm: true });
        if (result.status === 201) purchases++;
        else other++;
      }
    }),
  );
  return { perSecond: purchases / ((Date.now() - started) / 1000), other };
}

function pgbench(url: string, args: string[]): string {
  const res = spawnSync('pgbench', [...args, url], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`pgbench ${args.join(' ')} failed: ${res.stderr}`);
  return res.stdout;
}

async function main() {
  const url = await freshDatabase('wenku_bench_purchases');
  const pgbenchUrl = await freshDatabase('wenku_bench_pgbench');
  if (!url || !pgbenchUrl) throw new Error('bench/purchases.ts needs a Postgres server');
  const { db, actors, documents } = await setUp(url, Math.max(...CLIENT_COUNTS));
  pgbench(pgbenchUrl, ['-i', '-s', '1', '-q']);

  const rows: BenchRow[] = [];
  let offset = 0;
  for (const clients of CLIENT_COUNTS) {
    const ours = await measureOurs(db, actors, documents, clients, offset);
    offset += 1500;
    const out = pgbench(pgbenchUrl, ['-n', '-b', 'tpcb-like', '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(SECONDS)]);
    const tps = Number(out.match(/tps = ([\d.]+) \(without initial connection time\)/)?.[1]);
    console.log(`${clients} client(s): ${ours.perSecond.toFixed(0)} purchases/s (${ours.other} repeat answers) vs pgbench tpcb-like ${tps.toFixed(0)} tps → ${(ours.perSecond / tps).toFixed(2)}×`);
    rows.push(
      ratioRow({
        bench: 'purchases',
        case: `${clients} client${clients > 1 ? 's' : ''}, ${SECONDS} s`,
        value: ours.perSecond,
        unit: 'tx/s',
        baseline: tps,
        baselineName: 'pgbench tpcb-like -s 1',
        goal: '≥ 0.5×',
        minRatio: 0.5,
        note: 'purchase service in-process; same server, same client count',
      }),
    );
  }

  // The money must still add up after the load.
  const check = await db.pool.query<{ total: number; negative: number; mismatched: number }>(
    `SELECT (SELECT coalesce(sum(amount_cents), 0)::bigint FROM ledger_entries) AS total,
            (SELECT count(*)::int FROM ledger_accounts WHERE kind = 'wallet' AND balance_cents < 0) AS negative,
            (SELECT count(*)::int FROM ledger_accounts a WHERE user_id IS NOT NULL AND balance_cents <> (SELECT coalesce(sum(amount_cents), 0) FROM ledger_entries e WHERE e.account_id = a.id)) AS mismatched`,
  );
  const purchases = (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM purchases')).rows[0]!.n;
  console.log(`after the run: ${purchases} purchases, ledger sum ${check.rows[0]!.total}, negative wallets ${check.rows[0]!.negative}, cache mismatches ${check.rows[0]!.mismatched}`);
  if (check.rows[0]!.total !== 0 || check.rows[0]!.negative !== 0 || check.rows[0]!.mismatched !== 0) throw new Error('ledger invariant broken');

  printTable(rows);
  recordRows(rows);
  await db.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
