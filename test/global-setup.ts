// With DATABASE_URL set (CI, real Postgres): migrate one template database for this run;
// every test file clones it with CREATE DATABASE … TEMPLATE. Without it, each file starts
// its own embedded PGlite instead (see test/db.ts).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createPool } from '../src/db/pool.js';
import { migrate } from '../src/db/migrator.js';

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    project.provide('templateDatabaseUrl', null);
    return;
  }
  const template = `wenku_tpl_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  // Leftovers from runs killed before their teardown: names carry their creation time (seconds),
  // and only those older than three hours are dropped, so concurrent runs keep their databases.
  const stale = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname ~ '^wenku_(t|tpl)_[0-9]+_'`,
  );
  const cutoff = Math.floor(Date.now() / 1000) - 3 * 3600;
  for (const { datname } of stale.rows) {
    if (Number(datname.split('_')[2]) < cutoff) {
      await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
    }
  }
  await admin.query(`CREATE DATABASE "${template}"`);
  const pool = createPool(withDatabase(adminUrl, template), { max: 2 });
  await migrate(pool);
  await pool.end();
  project.provide('templateDatabaseUrl', withDatabase(adminUrl, template));

  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabaseUrl: string | null;
  }
}
