// Start-up (and periodic) clean-up after crashes: temporary files nobody finished, stored files
// no row points to, and processing documents whose conversion job was lost.
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AppDeps } from '../deps.js';
import { findReferencedBlobKeys, findUnclaimedProcessingDocuments, markConversionFailed } from './conversion.repo.js';
import { blobKeyTime } from './upload.service.js';
import { uploadTempDir } from './upload-storage.js';
import { RETRIES_EXHAUSTED_REASON } from './conversion.service.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'blobs' | 'log' | 'jobs' | 'clock'>;

/** Files younger than this may belong to an upload that is still being written or committed. */
export const SWEEP_GRACE_MS = 60 * 60 * 1000;

export interface SweepReport {
  tempFilesRemoved: number;
  orphanBlobsRemoved: number;
  conversionsRequeued: number;
  conversionsFailed: number;
}

/** Runs every clean-up step; each logs and survives its own errors. */
export async function sweepDocuments(deps: Deps): Promise<SweepReport> {
  const report: SweepReport = { tempFilesRemoved: 0, orphanBlobsRemoved: 0, conversionsRequeued: 0, conversionsFailed: 0 };
  const steps: Array<[string, () => Promise<void>]> = [
    ['temporary files', async () => void (report.tempFilesRemoved = await removeStaleTempFiles(deps))],
    ['orphan blobs', async () => void (report.orphanBlobsRemoved = await removeOrphanBlobs(deps))],
    ['lost conversions', async () => void Object.assign(report, await requeueLostConversions(deps))],
  ];
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (err) {
      deps.log.error({ err }, `sweep of ${name} failed`);
    }
  }
  if (Object.values(report).some((n) => n > 0)) deps.log.info(report, 'sweep cleaned up after an earlier crash');
  return report;
}

async function removeStaleTempFiles(deps: Deps): Promise<number> {
  const dir = uploadTempDir(deps.config);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  const cutoff = deps.clock.now().getTime() - SWEEP_GRACE_MS;
  let removed = 0;
  for (const name of names) {
    // Only our own leftovers: the converter keeps its working folder here too.
    if (!/^(upload|convert)-/.test(name)) continue;
    const file = path.join(dir, name);
    const info = await stat(file).catch(() => null);
    if (!info || info.mtimeMs > cutoff) continue;
    await rm(file, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

async function removeOrphanBlobs(deps: Deps): Promise<number> {
  const cutoff = deps.clock.now().getTime() - SWEEP_GRACE_MS;
  let removed = 0;
  let batch: string[] = [];
  const flush = async () => {
    const referenced = await findReferencedBlobKeys(deps.db.pool, batch);
    for (const key of batch) {
      if (referenced.has(key)) continue;
      await deps.blobs.delete(key);
      removed++;
    }
    batch = [];
  };
  for await (const key of deps.blobs.listKeys()) {
    const made = blobKeyTime(key);
    // Keys of another shape are not ours to judge; young ones may await their row's commit.
    if (made === null || made > cutoff) continue;
    batch.push(key);
    if (batch.length >= 500) await flush();
  }
  if (batch.length) await flush();
  return removed;
}

async function requeueLostConversions(deps: Deps): Promise<{ conversionsRequeued: number; conversionsFailed: number }> {
  let conversionsRequeued = 0;
  let conversionsFailed = 0;
  const maxAttempts = deps.jobs.options.retryLimit + 1;
  for (const doc of await findUnclaimedProcessingDocuments(deps.db.pool)) {
    if (await deps.jobs.hasPendingConversion(deps.db.pool, doc.id)) continue;
    if (doc.attempts >= maxAttempts) {
      // Every attempt died without an answer (e.g. the worker crashed on this file each time).
      if (await markConversionFailed(deps.db.pool, doc.id, null, RETRIES_EXHAUSTED_REASON)) conversionsFailed++;
      continue;
    }
    const sent = await deps.jobs.enqueueConversion(deps.db.pool, doc.id);
    if (sent) conversionsRequeued++;
  }
  if (conversionsRequeued) deps.jobs.wake();
  return { conversionsRequeued, conversionsFailed };
}
