// The conversion worker: sweeps up after crashes, then converts queued documents, a few at a
// time. Runs inside `npm start` (RUN_WORKER, the default) or alone as `npm run worker`.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { AppDeps } from '../deps.js';
import { createConverter, type Converter } from '../conversion/index.js';
import { HEARTBEAT_INTERVAL_MS, ownerTag } from '../jobs/liveness.js';
import { resolveSofficePath } from '../jobs/soffice-path.js';
import { uploadTempDir } from './upload-storage.js';
import { convertDocument, reclaimDeadWorkersConversions } from './conversion.service.js';
import { sweepDocuments } from './sweep.service.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'blobs' | 'log' | 'jobs' | 'clock'>;

export interface ConversionWorker {
  readonly concurrency: number;
  /** Stops taking jobs and waits (up to the timeout) for the running ones. */
  stop(timeoutMs?: number): Promise<void>;
}

/** About one LibreOffice per core, as the measurements advise; WORKER_CONCURRENCY overrides. */
export function defaultConcurrency(configured: number | undefined): number {
  return configured ?? Math.max(1, availableParallelism());
}

export async function startConversionWorker(
  deps: Deps,
  options: { converter: Converter; concurrency: number; sweepIntervalMs?: number; reclaimIntervalMs?: number },
): Promise<ConversionWorker> {
  await deps.jobs.start(); // the heartbeat first: the sweep must not take this process for a dead one
  await sweepDocuments(deps);
  await deps.jobs.workConversions(options.concurrency, async (job) => ({
    outcome: await convertDocument(deps, options.converter, job),
  }));
  // A job lost after the start-up sweep (every retry died with its worker) is found here.
  const timer = setInterval(() => void sweepDocuments(deps), options.sweepIntervalMs ?? 10 * 60_000);
  timer.unref();
  // Another worker process that died mid-conversion is noticed within a heartbeat or two.
  let reclaiming: Promise<unknown> | null = null;
  const reclaimTimer = setInterval(() => {
    reclaiming ??= reclaimDeadWorkersConversions(deps)
      .catch((err) => deps.log.error({ err }, 'reclaiming dead workers\' conversions failed'))
      .finally(() => (reclaiming = null));
  }, options.reclaimIntervalMs ?? HEARTBEAT_INTERVAL_MS);
  reclaimTimer.unref();
  deps.log.info({ concurrency: options.concurrency }, 'conversion worker started');
  return {
    concurrency: options.concurrency,
    async stop(timeoutMs = 10_000) {
      clearInterval(timer);
      clearInterval(reclaimTimer);
      await reclaiming;
      await deps.jobs.stop(timeoutMs);
    },
  };
}

/**
 * The worker with its own converter, as the entry points run it: LibreOffice from SOFFICE_PATH
 * or PATH (without it, .doc files get a text-only preview and the log says how to install it).
 */
export async function startConversions(deps: Deps): Promise<ConversionWorker> {
  const sofficePath = resolveSofficePath(deps.config.sofficePath, deps.config.executableSearchPath);
  // Not found at all: the converter itself logs how to install LibreOffice.
  if (!sofficePath && deps.config.sofficePath) {
    deps.log.warn(`SOFFICE_PATH=${deps.config.sofficePath} is not an executable file; .doc files get a text-only preview`);
  }
  const concurrency = defaultConcurrency(deps.config.workerConcurrency);
  const converter = createConverter({
    sofficePath,
    // A folder per process: the sweep removes a dead process's whole folder at once.
    workDir: path.join(uploadTempDir(deps.config), 'converter', ownerTag(deps.jobs.identity)),
    log: deps.log.child({ component: 'converter' }),
    concurrency,
  });
  const worker = await startConversionWorker(deps, { converter, concurrency });
  return {
    concurrency,
    async stop(timeoutMs) {
      await worker.stop(timeoutMs);
      await converter.close();
    },
  };
}
