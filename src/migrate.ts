// `npm run migrate`: apply pending migrations to the configured database and exit.
import { loadConfig } from './config.js';
import { openDatabase, withDirectPool } from './db/pool.js';
import { migrate } from './db/migrator.js';
import { createLogger } from './logger.js';

const config = loadConfig();
const log = createLogger(config.logLevel);
const db = await openDatabase(config, log);
try {
  // Its advisory lock is a session lock: on the direct connection when DATABASE_URL is a pooler.
  const applied = await withDirectPool(db, (pool) => migrate(pool), log);
  log.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
} finally {
  await db.close();
}
