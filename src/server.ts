// Entry point: settings → database (migrated) → app → listen; SIGTERM drains and exits.
import { createServer } from 'node:http';
import path from 'node:path';
import { exitGracefully, loadConfigOrExit } from './lifecycle.js';
import { openDatabase } from './db/pool.js';
import { migrate } from './db/migrator.js';
import { createApp } from './app.js';
import { createLogger } from './logger.js';
import { systemClock } from './deps.js';
import { LocalBlobStore } from './storage/local-blob-store.js';
import { JobQueue } from './jobs/queue.js';
import { ViewCounter } from './documents/view-counter.js';
import { startConversions, type ConversionWorker } from './documents/conversion.worker.js';

async function main() {
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel);
  const db = await openDatabase(config, log);
  const applied = await migrate(db.pool);
  log.info({ database: db.kind, applied }, 'database ready');

  const blobs = new LocalBlobStore(path.join(config.dataDir, 'blobs'));
  // With RUN_WORKER this process also converts documents and runs the queue's maintenance.
  const jobs = new JobQueue(db.pool, log, { supervise: config.runWorker });
  const views = new ViewCounter(db.pool, log);
  const deps = { config, db, log, clock: systemClock, blobs, jobs, views };
  const app = createApp(deps);
  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  server.requestTimeout = 0; // large uploads and downloads are bounded by their own limits

  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info({ port, url: `http://localhost:${port}` }, 'Wenku is listening');
  let worker: ConversionWorker | null = null;
  if (config.runWorker) worker = await startConversions(deps);
  // The queue is needed to enqueue conversions; starting it now spares the first upload the wait.
  else await jobs.start();

  exitGracefully(log, 20_000, async () => {
    server.close();
    server.closeIdleConnections();
    await worker?.stop(10_000); // running conversions finish or go back to the queue
    await views.stop();
    await jobs.stop();
    await db.close();
  });
}

main().catch((err) => {
  console.error('Wenku failed to start:', err);
  process.exit(1);
});
