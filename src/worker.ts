// Entry point of `npm run worker`: only the conversion worker, for running conversions on other
// processes or machines than the web server (start the web server with RUN_WORKER=0 then).
import path from 'node:path';
import { exitGracefully, loadConfigOrExit } from './lifecycle.js';
import { openDatabase } from './db/pool.js';
import { migrate } from './db/migrator.js';
import { createLogger } from './logger.js';
import { systemClock } from './deps.js';
import { LocalBlobStore } from './storage/local-blob-store.js';
import { JobQueue } from './jobs/queue.js';
import { startConversions } from './documents/conversion.worker.js';

async function main() {
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel).child({ process: 'worker' });
  if (!config.databaseUrl) {
    // The embedded database belongs to one process; there the worker runs inside `npm start`.
    console.error('npm run worker needs DATABASE_URL (a Postgres server). With the embedded database, `npm start` runs the worker itself.');
    process.exit(78);
  }
  const db = await openDatabase(config, log);
  await migrate(db.pool);
  const jobs = new JobQueue(db.pool, log, { supervise: true });
  const deps = { config, db, log, clock: systemClock, blobs: new LocalBlobStore(path.join(config.dataDir, 'blobs')), jobs };
  const worker = await startConversions(deps);

  exitGracefully(log, 30_000, async () => {
    await worker.stop(20_000);
    await db.close();
  });
}

main().catch((err) => {
  console.error('Wenku worker failed to start:', err);
  process.exit(1);
});
