// The conversion worker: sweeps up after crashes, then converts queued documents, a few at a
// time. Runs inside `npm start` (RUN_WORKER, the default) or alone as `npm run worker`.
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { AppDeps } from '../deps.js';
import { createConverter, type Converter } from '../conversion/index.js';
import { resolveSofficePath } from '../jobs/soffice-path.js';
import { uploadTempDir } from './upload-storage.js';
import { convertDocument } from './conversion.service.js';
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
  options: { converter: Converter; concurrency: number; sweepIntervalMs?: number },
): Promise<ConversionWorker> {
  await sweepDocuments(deps);
  await deps.jobs.workConversions(options.concurrency, async (job) => ({
    outcome: await convertDocument(deps, options.converter, job),
  }));
  // A job lost after the start-up sweep (every retry died with its worker) is found here.
  const timer = setInterval(() => void sweepDocuments(deps), options.sweepIntervalMs ?? 10 * 60_000);
  timer.unref();
  deps.log.info({ concurrency: options.concurrency }, 'conversion worker started');
  return {
    concurrency: options.concurrency,
    async stop(timeoutMs = 10_000) {
      clearInterval(timer);
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
    workDir: path.join(uploadTempDir(deps.config), 'converter'),
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
