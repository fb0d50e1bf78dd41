// Start-up (and periodic) clean-up after crashes: temporary files nobody finished, stored files
// no row points to, conversions held by dead worker processes, processing documents whose
// conversion job was lost. (Payments sweeps its own expired Idempotency-Keys: server.ts.)
import { readdir, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AppDeps } from '../deps.js';
import { isProcessDead, parseOwner, pidRunning, readLiveness, type LivenessView } from '../jobs/liveness.js';
import { deleteWorkerProcesses } from '../jobs/liveness.repo.js';
import { findReferencedBlobKeys, findUnclaimedProcessingDocuments } from './conversion.repo.js';
import { failConversion } from '../notifications/document-notices.js';
import { blobKeyTime } from './upload.service.js';
import { uploadTempDir } from './upload-storage.js';
import { maxAttempts, reclaimDeadWorkersConversions, RETRIES_EXHAUSTED } from './conversion.service.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'blobs' | 'log' | 'jobs' | 'clock'>;

/**
 * Files younger than this may belong to an upload that is still being written or committed:
 * the rule for stored blobs and for temporary files whose name does not say whose they are.
 */
export const SWEEP_GRACE_MS = 60 * 60 * 1000;
/** A file of a process with no heartbeat row (yet) that may still run: it may be starting up. */
export const UNREGISTERED_GRACE_MS = 60_000;
/** An empty converter job folder of a live process older than this is left over (an attempt lasts minutes). */
export const EMPTY_JOB_DIR_GRACE_MS = 10 * 60_000;
/**
 * A page-render folder (`pages_*`) of a live process older than this is left over: a render is
 * bounded by its 30 s time limit, so no running render is this old (issue 27 item 10).
 */
export const RENDER_DIR_GRACE_MS = 10 * 60_000;

export interface SweepReport {
  tempFilesRemoved: number;
  orphanBlobsRemoved: number;
  conversionsRequeued: number;
  conversionsFailed: number;
}

/** Runs every clean-up step; each logs and survives its own errors. */
export async function sweepDocuments(deps: Deps): Promise<SweepReport> {
  const report: SweepReport = { tempFilesRemoved: 0, orphanBlobsRemoved: 0, conversionsRequeued: 0, conversionsFailed: 0 };
  let view: LivenessView | null = null;
  const steps: Array<[string, () => Promise<void>]> = [
    ['worker liveness', async () => void (view = await readLiveness(deps.db.pool, deps.clock.now(), deps.jobs.identity))],
    ['temporary files', async () => void (report.tempFilesRemoved = await removeStaleTempFiles(deps, view))],
    ['orphan blobs', async () => void (report.orphanBlobsRemoved = await removeOrphanBlobs(deps))],
    [
      'dead workers\' conversions',
      async () => {
        const { requeued, failed } = await reclaimDeadWorkersConversions(deps);
        report.conversionsRequeued += requeued;
        report.conversionsFailed += failed;
      },
    ],
    [
      'lost conversions',
      async () => {
        const { conversionsRequeued, conversionsFailed } = await requeueLostConversions(deps);
        report.conversionsRequeued += conversionsRequeued;
        report.conversionsFailed += conversionsFailed;
      },
    ],
    // Their claims and files are dealt with: forget the dead processes.
    ['dead workers', async () => void (view && (await deleteWorkerProcesses(deps.db.pool, [...view.dead])))],
  ];
  for (const [name, step] of steps) {
    try {
      await step();
    } catch (err) {
      deps.log.error({ err }, `sweep of ${name} failed`);
    }
  }
  if (Object.values(report).some((n) => n > 0)) deps.log.info(report, 'sweep removed leftovers of crashed work');
  return report;
}

/**
 * Temporary files: those named by a dead owner go at once, those of a live one never; files of
 * the older unnamed shape after the grace period. In the converter's folder, a dead process's
 * whole folder goes, and empty job folders left behind.
 */
async function removeStaleTempFiles(deps: Deps, view: LivenessView | null): Promise<number> {
  const dir = uploadTempDir(deps.config);
  const now = deps.clock.now();
  const names = await readdir(dir).catch(() => [] as string[]);
  let removed = 0;
  const remove = async (target: string) => {
    await rm(target, { recursive: true, force: true });
    removed++;
  };
  for (const name of names) {
    if (name === 'converter') continue;
    const file = path.join(dir, name);
    const owner = parseOwner(name);
    if (owner && (owner.kind === 'upload' || owner.kind === 'convert' || owner.kind === 'pages')) {
      if (await ownerIsDead(deps, view, owner, file, now)) await remove(file);
      else if (owner.kind === 'pages' && (await olderThan(file, now, RENDER_DIR_GRACE_MS))) await remove(file);
      continue;
    }
    // Only our own leftovers: other tools may keep files here too.
    if (!/^(upload|convert)-/.test(name)) continue;
    const info = await stat(file).catch(() => null);
    if (info && info.mtimeMs <= now.getTime() - SWEEP_GRACE_MS) await remove(file);
  }

  const converterDir = path.join(dir, 'converter');
  for (const name of await readdir(converterDir).catch(() => [] as string[])) {
    const folder = path.join(converterDir, name);
    const owner = parseOwner(name);
    if (owner && owner.kind === null) {
      if (await ownerIsDead(deps, view, owner, folder, now)) await remove(folder);
      else removed += await removeEmptyJobDirs(folder, now);
    } else if (name.startsWith('job-')) {
      removed += await removeEmptyJobDirs(converterDir, now, name);
    }
  }
  return removed;
}

async function olderThan(file: string, now: Date, ms: number): Promise<boolean> {
  const info = await stat(file).catch(() => null);
  return !!info && info.mtimeMs <= now.getTime() - ms;
}

/**
 * Temporary files and page-render folders of dead processes (and render folders left over by
 * live ones): for web processes, which render pages on demand but run no conversion worker and
 * so no sweepDocuments. At start-up and every 10 minutes (server.ts).
 */
export async function sweepTemporaryFiles(deps: Deps): Promise<number> {
  try {
    const view = await readLiveness(deps.db.pool, deps.clock.now(), deps.jobs.identity);
    return await removeStaleTempFiles(deps, view);
  } catch (err) {
    deps.log.error({ err }, 'sweep of temporary files failed');
    return 0;
  }
}

/** Runs sweepTemporaryFiles now and every 10 minutes; returns the stop function. */
export function startTemporaryFileSweep(deps: Deps, everyMs = 10 * 60_000): () => void {
  void sweepTemporaryFiles(deps);
  const timer = setInterval(() => void sweepTemporaryFiles(deps), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

async function ownerIsDead(
  deps: Deps,
  view: LivenessView | null,
  owner: { host: string; pid: number; bootId: string },
  file: string,
  now: Date,
): Promise<boolean> {
  if (!view) return false; // liveness unknown (database down): touch nothing
  const row = view.rows.get(owner.bootId);
  const me = deps.jobs.identity;
  if (!isProcessDead(owner, row, now, me)) return false;
  if (row) return true; // its heartbeat stopped
  if (owner.host === me.host && (owner.pid === me.pid || !pidRunning(owner.pid))) return true; // gone for certain
  // A running process with no row yet may be between its start and its first heartbeat.
  const info = await stat(file).catch(() => null);
  return !!info && info.mtimeMs <= now.getTime() - UNREGISTERED_GRACE_MS;
}

/** Removes empty `job-*` folders in `dir` (only `only`, when given) older than the grace. */
async function removeEmptyJobDirs(dir: string, now: Date, only?: string): Promise<number> {
  let removed = 0;
  const names = only ? [only] : await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith('job-')) continue;
    const folder = path.join(dir, name);
    const info = await stat(folder).catch(() => null);
    if (!info?.isDirectory() || info.mtimeMs > now.getTime() - EMPTY_JOB_DIR_GRACE_MS) continue;
    // rmdir refuses a folder with anything in it: only empty ones go.
    if (await rmdir(folder).then(() => true, () => false)) removed++;
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
  const budget = maxAttempts(deps.jobs.options);
  for (const doc of await findUnclaimedProcessingDocuments(deps.db.pool)) {
    if (await deps.jobs.hasPendingConversion(deps.db.pool, doc.id)) continue;
    if (doc.attempts >= budget) {
      // Every attempt died without an answer (e.g. the worker crashed on this file each time).
      if (await failConversion(deps.db.pool, doc.id, null, RETRIES_EXHAUSTED)) conversionsFailed++;
      continue;
    }
    const sent = await deps.jobs.enqueueConversion(deps.db.pool, doc.id);
    if (sent) conversionsRequeued++;
  }
  if (conversionsRequeued) deps.jobs.wake();
  return { conversionsRequeued, conversionsFailed };
}
