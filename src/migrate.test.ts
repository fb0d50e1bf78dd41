// `npm run migrate` is built like every other entry point (buildDeps) and, like them, answers a
// bad setting with a clean message naming it (exit 78) instead of a stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openEmbedded } from './db/pool.js';

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
