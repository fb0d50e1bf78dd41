// `npm run migrate`: apply pending migrations to the configured database and exit.
import { loadConfig } from './config.js';
import { openDatabase } from './db/pool.js';
import { migrate } from './db/migrator.js';
import { createLogger } from './logger.js';

const config = loadConfig();
const log = createLogger(config.logLevel);
const db = await openDatabase(config, log);
try {
  const applied = await migrate(db.pool);
  log.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
} finally {
  await db.close();
}
