// WEB_CONCURRENCY > 1: the primary process migrates, keeps the rate-limit counts, runs the
// conversions (RUN_WORKER) and supervises N web processes that share the port (node:cluster).
// One Node process tops out at one core; more of them serve more readers with less queueing.
import cluster from 'node:cluster';
import { ClusterMemoryStorePrimary } from '@express-rate-limit/cluster-memory-store';
import type { Logger } from 'pino';
import type { Settings } from './config.js';
import { exitGracefully, startBackground } from './lifecycle.js';

/** A web process that dies is replaced after this pause (no crash loop at full speed). */
const RESTART_DELAY_MS = 1_000;

export async function runPrimary(config: Settings, log: Logger): Promise<void> {
  const background = await startBackground(config, log, { conversions: config.runWorker });
  new ClusterMemoryStorePrimary().init();
  log.info({ webProcesses: config.webConcurrency }, 'starting web processes');

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
    await background.stop(10_000);
  });
}
