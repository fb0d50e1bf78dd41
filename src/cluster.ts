// WEB_CONCURRENCY > 1: the primary process migrates, keeps the rate-limit counts, runs the
// conversions (RUN_WORKER) and supervises N web processes that share the port (node:cluster).
// One Node process tops out at one core; more of them serve more readers with less queueing.
import cluster from 'node:cluster';
import path from 'node:path';
import { ClusterMemoryStorePrimary } from '@express-rate-limit/cluster-memory-store';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { openDatabase } from './db/pool.js';
import { migrate } from './db/migrator.js';
import { systemClock } from './deps.js';
import { startConversions, type ConversionWorker } from './documents/conversion.worker.js';
import { JobQueue } from './jobs/queue.js';
import { exitGracefully } from './lifecycle.js';
import { LocalBlobStore } from './storage/local-blob-store.js';

/** A web process that dies is replaced after this pause (no crash loop at full speed). */
const RESTART_DELAY_MS = 1_000;

export async function runPrimary(config: Config, log: Logger): Promise<void> {
  const db = await openDatabase(config, log);
  const applied = await migrate(db.pool);
  log.info({ database: db.kind, applied, webProcesses: config.webConcurrency }, 'database ready; starting web processes');
  new ClusterMemoryStorePrimary().init();
  const jobs = new JobQueue(db.pool, log, { supervise: config.runWorker });
  const blobs = new LocalBlobStore(path.join(config.dataDir, 'blobs'));
  let conversions: ConversionWorker | null = null;
  if (config.runWorker) conversions = await startConversions({ config, db, log, clock: systemClock, blobs, jobs });

  let stopping = false;
  for (let i = 0; i < config.webConcurrency; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.error({ pid: worker.process.pid, code, signal }, 'web process exited; starting another');
    setTimeout(() => {
      if (!stopping) cluster.fork();
    }, RESTART_DELAY_MS).unref();
  });

  exitGracefully(log, 30_000, async () => {
    stopping = true;
    const running = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    await Promise.all(
      running.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM'); // each drains its requests (see server.ts)
          }),
      ),
    );
    await conversions?.stop(10_000);
    await jobs.stop();
    await db.close();
  });
}
