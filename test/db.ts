// A fresh database for one test file: a clone of the migrated template on the real server,
// or a migrated in-memory PGlite when no server is configured.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createPool, openEmbedded, type Database } from '../src/db/pool.js';
import { migrate } from '../src/db/migrator.js';

export async function createTestDatabase(): Promise<Database> {
  const templateUrl = inject('templateDatabaseUrl');
  if (!templateUrl) {
    const db = await openEmbedded(null);
    await migrate(db.pool);
    return db;
  }
  const template = new URL(templateUrl).pathname.slice(1);
  const name = `wenku_t_${Math.floor(Date.now() / 1000)}_${randomBytes(6).toString('hex')}`;
  const adminUrl = new URL(templateUrl);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  try {
    // CREATE DATABASE … TEMPLATE fails while another session is connected to the template,
    // so concurrent clones retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
        break;
      } catch (err) {
        if (attempt > 20 || (err as { code?: string }).code !== '55006') throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(templateUrl);
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), { max: 20 });
  return {
    pool,
    connectionString: url.toString(),
    directConnectionString: url.toString(),
    kind: 'postgres',
    close: async () => {
      await pool.end();
      const drop = new pg.Client({ connectionString: adminUrl.toString() });
      await drop.connect();
      await drop.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`).catch(() => undefined);
      await drop.end();
    },
  };
}
