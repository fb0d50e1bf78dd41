// Numbered plain-SQL migrations from migrations/, applied in order under an advisory lock and
// recorded in schema_migrations. Our own because it is short and runs unchanged on both the real
// server and PGlite through the same pool (see README, "Migrations").
//
// A file runs in one transaction, unless its first line is the directive `-- migrate: no-transaction`:
// then each statement runs on its own (CREATE INDEX CONCURRENTLY cannot run in a transaction), and
// the file is recorded after the last one. The migrator's connection has no statement timeout (a
// large site's index build takes minutes), only a lock timeout, so a migration never queues behind
// a long transaction holding up every reader queued behind it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { inTransactionOn } from './transaction.js';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');
const LOCK_KEY = 727_001; // arbitrary, constant: one migrator at a time per database
/** How long one statement of a migration may wait for a lock before the migration fails. */
export const MIGRATION_LOCK_TIMEOUT = '30s';
const NO_TRANSACTION = /^--\s*migrate:\s*no-transaction\s*$/u;

export interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  /** First line `-- migrate: no-transaction`: each statement on its own, outside a transaction. */
  transaction: boolean;
}

export function readMigrations(dir = MIGRATIONS_DIR): MigrationFile[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name), 'utf8');
      const firstLine = sql.split('\n', 1)[0]!.trim();
      return { version: Number(name.slice(0, 4)), name, sql, transaction: !NO_TRANSACTION.test(firstLine) };
    });
}

/**
 * The statements of a file, split where Postgres's own parser (libpg_query) ends each one, so
 * semicolons inside strings, dollar-quoted bodies and comments are never cut.
 */
export async function splitStatements(sql: string): Promise<string[]> {
  const { parse } = await import('libpg-query');
  const { stmts = [] } = await parse(sql);
  // Locations are byte offsets into the UTF-8 text (comments here are often Chinese).
  const bytes = Buffer.from(sql, 'utf8');
  return stmts
    .map((s) => bytes.subarray(s.stmt_location ?? 0, (s.stmt_location ?? 0) + (s.stmt_len || bytes.length)).toString('utf8').trim())
    .filter((s) => s.length > 0);
}

/** Applies pending migrations; returns the names applied. Safe to call from several processes. */
export async function migrate(pool: pg.Pool, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = readMigrations(dir);
  const client = await pool.connect();
  const applied: string[] = [];
  // Restored afterwards: on the embedded database every connection shares this one session.
  const before = (await client.query<{ statement_timeout: string; lock_timeout: string }>(
    `SELECT current_setting('statement_timeout') AS statement_timeout, current_setting('lock_timeout') AS lock_timeout`,
  )).rows[0]!;
  try {
    await client.query(`SELECT set_config('statement_timeout', '0', false), set_config('lock_timeout', $1, false)`, [MIGRATION_LOCK_TIMEOUT]);
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = new Set(
      (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
    );
    for (const file of files) {
      if (done.has(file.version)) continue;
      const record = (db: pg.PoolClient) => db.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [file.version, file.name]);
      if (file.transaction) {
        await inTransactionOn(client, async (tx) => {
          await tx.query(file.sql);
          await record(tx);
        });
      } else {
        // A failure leaves the statements before it applied and the file unrecorded: the next
        // start runs the file again from the top, so each statement must be safe to repeat.
        for (const statement of await splitStatements(file.sql)) {
          try {
            await client.query(statement);
          } catch (err) {
            throw Object.assign(err as Error, { message: `${file.name}: ${(err as Error).message} (in: ${statement.slice(0, 200)})` });
          }
        }
        await record(client);
      }
      applied.push(file.name);
    }
  } finally {
    let broken = false;
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    await client
      .query(`SELECT set_config('statement_timeout', $1, false), set_config('lock_timeout', $2, false)`, [before.statement_timeout, before.lock_timeout])
      .catch(() => (broken = true)); // never hand a connection without its timeouts back to the pool
    client.release(broken);
  }
  return applied;
}
