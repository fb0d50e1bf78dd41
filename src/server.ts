// Entry point: settings → database (migrated) → app → listen; SIGTERM drains and exits.
// With WEB_CONCURRENCY > 1 this file is also each web process of the cluster (src/cluster.ts).
import cluster from 'node:cluster';
import { exitGracefully, loadConfigOrExit, SHUTDOWN_DEADLINE_MS } from './lifecycle.js';
import { createApp } from './app.js';
import { buildDeps } from './build-deps.js';
import { createHttpServer } from './http/http-server.js';
import { createLogger } from './logger.js';
import { startConversions, type ConversionWorker } from './documents/conversion.worker.js';
import { runPrimary } from './cluster.js';
import { startVipReminders } from './payments/vip.service.js';
import { startIdempotencyKeySweep } from './payments/purchases.service.js';
import { startTemporaryFileSweep } from './documents/sweep.service.js';
import type { Settings } from './config.js';
import type { Logger } from 'pino';

async function main() {
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel);
  if (cluster.isWorker) return serve(config, log.child({ web: cluster.worker?.id }), { primary: false });
  if (config.webConcurrency > 1) {
    if (config.databaseUrl) return runPrimary(config, log);
    log.warn('WEB_CONCURRENCY needs DATABASE_URL (the embedded database belongs to one process); serving from one process');
  }
  return serve(config, log, { primary: true });
}

/**
 * One web server. `primary`: this is the only process, so it migrates and, with RUN_WORKER,
 * converts; a cluster's web process leaves both to the cluster's primary (src/cluster.ts).
 */
async function serve(config: Settings, log: Logger, role: { primary: boolean }) {
  // With RUN_WORKER this process also converts documents and runs the queue's maintenance.
  const runConversions = role.primary && config.runWorker;
  const deps = await buildDeps(config, log, { migrate: role.primary, jobs: { supervise: runConversions } });
  const app = createApp(deps);
  const server = createHttpServer(app, config);

  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  log.info({ port, url: `http://localhost:${port}`, node: process.version }, 'Wenku is listening');
  // VIP reminders 3 days before a membership ends; every web process runs them (each end date is
  // claimed once by one UPDATE, so no reminder is sent twice).
  const stopVipReminders = startVipReminders(deps);
  // Expired Idempotency-Keys go (any process may delete them; a DELETE of none is harmless).
  const stopKeySweep = startIdempotencyKeySweep(deps);
  let worker: ConversionWorker | null = null;
  let stopTempSweep = () => {};
  if (runConversions) worker = await startConversions(deps);
  // The queue is needed to enqueue conversions; starting it now spares the first upload the wait.
  else {
    await deps.jobs.start();
    // Page renders on demand leave their folders here if the process dies (the worker sweeps its own).
    stopTempSweep = startTemporaryFileSweep(deps);
  }

  exitGracefully(log, SHUTDOWN_DEADLINE_MS, async () => {
    stopVipReminders();
    stopKeySweep();
    stopTempSweep();
    server.close();
    server.closeIdleConnections();
    await worker?.stop(10_000); // running conversions finish or go back to the queue
    await deps.close();
  });
}

main().catch((err) => {
  console.error('Wenku failed to start:', err);
  process.exit(1);
});
