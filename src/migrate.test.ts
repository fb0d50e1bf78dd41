// `npm run migrate` is built like every other entry point (buildDeps) and, like them, answers a
// bad setting with a clean message naming it (exit 78) instead of a stack trace. The migrator:
// the no-transaction directive and no statement timeout on its connection.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPool, openEmbedded, type Database } from './db/pool.js';
import { migrate, splitStatements } from './db/migrator.js';
import { createTestDatabase } from '../test/db.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'wenku-migrate-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function runMigrate(env: Record<string, string>) {
  // A clean environment: never the caller's DATABASE_URL.
  return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/migrate.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'silent', DATA_DIR: dataDir, ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('npm run migrate', () => {
  it('when a setting is bad, then it exits 78 with a message naming the setting and no stack trace', () => {
    const run = runMigrate({ DOWNLOAD_LINK_TTL: 'soon' });
    expect(run.status).toBe(78);
    expect(run.stderr).toContain('DOWNLOAD_LINK_TTL');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('when the embedded database is new, then it applies every migration and exits 0', async () => {
    const run = runMigrate({});
    expect(run.status, run.stderr).toBe(0);
    const db = await openEmbedded(path.join(dataDir, 'pgdata'));
    try {
      const applied = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations');
      expect(applied.rows[0]!.n).toBeGreaterThan(0);
      expect((await db.pool.query(`SELECT to_regclass('public.users') AS t`)).rows[0].t).toBe('users');
    } finally {
      await db.close();
    }
  }, 120_000);
});

describe('the migrator', () => {
  let db: Database;
  let dir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
  }, 120_000);
  afterAll(async () => db?.close());
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'wenku-migrations-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const recorded = async (version: number) =>
    (await db.pool.query('SELECT 1 FROM schema_migrations WHERE version = $1', [version])).rowCount === 1;

  it('when a migration starts with `-- migrate: no-transaction`, then each statement runs on its own: a concurrent index build succeeds and the file is recorded once', async () => {
    writeFileSync(
      path.join(dir, '9001_concurrent.sql'),
      [
        '-- migrate: no-transaction',
        '-- 并发建索引：不能在事务里运行；分号在字符串里; 也不会被切开',
        'CREATE TABLE migrator_probe (id bigint PRIMARY KEY, title text NOT NULL);',
        "INSERT INTO migrator_probe SELECT n, '标题;' || n FROM generate_series(1, 1000) AS n;",
        'CREATE INDEX CONCURRENTLY IF NOT EXISTS migrator_probe_title ON migrator_probe (title);',
        "DO $$ BEGIN PERFORM 1; RAISE NOTICE 'a; b'; END $$",
      ].join('\n'),
    );
    expect(await migrate(db.pool, dir)).toEqual(['9001_concurrent.sql']);
    const index = await db.pool.query<{ valid: boolean }>(
      `SELECT i.indisvalid AS valid FROM pg_index i WHERE i.indexrelid = to_regclass('migrator_probe_title')`,
    );
    expect(index.rows).toEqual([{ valid: true }]);
    expect((await db.pool.query(`SELECT count(*)::int AS n FROM migrator_probe WHERE title LIKE '标题;%'`)).rows[0].n).toBe(1000);
    expect(await recorded(9001)).toBe(true);
    expect(await migrate(db.pool, dir)).toEqual([]); // recorded: not run again
  });

  it('when the same index build has no directive, then it fails inside its transaction and nothing of the file stays', async () => {
    writeFileSync(
      path.join(dir, '9002_transactional.sql'),
      'CREATE TABLE migrator_probe_tx (id bigint PRIMARY KEY);\nCREATE INDEX CONCURRENTLY migrator_probe_tx_id ON migrator_probe_tx (id);\n',
    );
    await expect(migrate(db.pool, dir)).rejects.toThrow(/transaction block/);
    expect((await db.pool.query(`SELECT to_regclass('migrator_probe_tx') AS t`)).rows[0].t).toBeNull();
    expect(await recorded(9002)).toBe(false);
  });

  it('when a no-transaction migration fails halfway, then it is not recorded, and once fixed the next run applies it from the top', async () => {
    const file = path.join(dir, '9003_halfway.sql');
    const body = [
      '-- migrate: no-transaction',
      'CREATE TABLE IF NOT EXISTS migrator_halfway (id int);',
      'DROP INDEX CONCURRENTLY IF EXISTS migrator_halfway_id;',
      'CREATE INDEX CONCURRENTLY migrator_halfway_id ON migrator_halfway (id);',
    ];
    writeFileSync(file, [...body, 'SELECT no_such_function();'].join('\n'));
    await expect(migrate(db.pool, dir)).rejects.toThrow(/9003_halfway\.sql: .*no_such_function/);
    expect(await recorded(9003)).toBe(false);
    expect((await db.pool.query(`SELECT to_regclass('migrator_halfway_id') AS t`)).rows[0].t).toBe('migrator_halfway_id');
    writeFileSync(file, body.join('\n'));
    expect(await migrate(db.pool, dir)).toEqual(['9003_halfway.sql']);
    expect(await recorded(9003)).toBe(true);
  });

  it('when a migration runs longer than the connection\'s statement timeout, then it completes, and the connection gets its timeout back', async () => {
    // One connection with a 300 ms statement timeout, as the app's pool has 15 s.
    const pool = createPool(db.connectionString, { max: 1, statementTimeoutMs: 300, sharedSession: db.kind === 'embedded' });
    let connections = 0;
    pool.on('connect', () => connections++);
    // PGlite ignores the startup parameter, and its connections share one session: set it there.
    const shared = db.kind === 'embedded' ? (await pool.query<{ t: string }>(`SELECT current_setting('statement_timeout') AS t`)).rows[0]!.t : null;
    if (shared !== null) await pool.query(`SET statement_timeout = '300ms'`);
    try {
      expect((await pool.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]!.statement_timeout).toBe('300ms');
      writeFileSync(path.join(dir, '9004_slow.sql'), 'CREATE TABLE migrator_slow (id int);\nSELECT pg_sleep(0.6);\n');
      writeFileSync(path.join(dir, '9005_slow_alone.sql'), '-- migrate: no-transaction\nSELECT pg_sleep(0.6);\nCREATE TABLE migrator_slow_alone (id int);\n');
      expect(await migrate(pool, dir)).toEqual(['9004_slow.sql', '9005_slow_alone.sql']);
      // The same connection, handed back with its own timeout (it still bites).
      expect((await pool.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0]!.statement_timeout).toBe('300ms');
      expect(connections).toBe(1);
      // PGlite (one WASM backend, no timer signals) never cancels a statement; a server does.
      if (db.kind === 'postgres') await expect(pool.query('SELECT pg_sleep(0.6)')).rejects.toMatchObject({ code: '57014' });
    } finally {
      if (shared !== null) await pool.query(`SELECT set_config('statement_timeout', $1, false)`, [shared]);
      await pool.end();
    }
  });
});

describe('splitting a no-transaction migration', () => {
  it('when statements hold semicolons in strings, dollar quotes and comments, then it splits only where Postgres ends a statement', async () => {
    const sql = "-- 注释; 还是注释\nSELECT ';' AS a;\n/* ; */ CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\nSELECT \"a;b\" FROM t";
    expect(await splitStatements(sql)).toEqual([
      "SELECT ';' AS a",
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$',
      'SELECT "a;b" FROM t',
    ]);
  });
});
