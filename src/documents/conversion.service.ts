// The conversion job: claim the document, convert its file, and save pages, metadata and the
// search vector in one transaction. A claim on the row guards against a worker that lost its
// lease writing over a newer attempt; taken-down and deleted documents are left alone. The
// claim names the worker process, so a dead worker's claims are reclaimed within seconds, and
// no uploader may hold every conversion slot; a slot goes first to an uploader with the fewest
// conversions running.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AppDeps } from '../deps.js';
import {
  chooseTitle,
  CONVERTER_VERSION,
  ConversionError,
  type Converter,
  type DocumentConversion,
  type DocumentFormat,
  type PageConverter,
  type WordFormat,
} from '../conversion/index.js';
import { withTransaction } from '../db/transaction.js';
import { failConversion, failConversionOn, notifyDocumentReady } from '../notifications/document-notices.js';
import { ownedName, readLiveness } from '../jobs/liveness.js';
import type { ConversionJob, JobQueueOptions } from '../jobs/queue.js';
import {
  claimNextConversion,
  conversionStateOf,
  findHeldConversions,
  lockClaimedDocument,
  lockConversionClaims,
  releaseConversionClaim,
  replaceDocumentPages,
  saveConversionResult,
  type ConversionFailure,
} from './conversion.repo.js';
import { documentSearchTokens, mergeKeywords } from './document-text.js';
import { deleteBlobs, eagerPages, removeDir, renderAndStore, renderDir, storeThumbnail } from './page-images.js';
import { replacePagePreview } from './page-preview.repo.js';
import { newBlobKey } from './upload.service.js';
import { uploadTempDir } from './upload-storage.js';
import { saveTextSimhash } from './near-copies.repo.js';
import { textSimhash } from '../text/simhash.js';
import { copyVerdict, refusedCopyText, statusAfterConversion } from '../moderation/review-policy.js';
import { saveReviewHold } from '../moderation/reviews.repo.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'blobs' | 'log' | 'jobs' | 'clock'>;

/** deferred: the uploader holds its share of the slots while others wait, or another document's attempt failed in passing; queued again shortly. */
export type ConversionOutcome = 'ready' | 'failed' | 'skipped' | 'deferred';

/** How long a deferred conversion waits before it asks for a slot again. */
export const DEFER_SECONDS = 3;
/** The slot that deferred pauses this long, so a long queue of one uploader is not spun through. */
const DEFER_PAUSE_MS = 1_000;

/**
 * The most conversions one uploader may run at once: every slot but one (at least one), so a
 * single uploader's slow files can never hold every slot and someone else's upload always has
 * one to go to.
 */
export function uploaderShare(liveSlots: number): number {
  return Math.max(1, liveSlots - 1);
}

/** Attempts a document gets in all, counted on the row across jobs, retries and dead workers. */
export function maxAttempts(options: Pick<Required<JobQueueOptions>, 'retryLimit'>): number {
  return options.retryLimit + 1;
}

/** Thrown when another attempt holds a live claim: the job is retried later, not dropped. */
export class DocumentBusyError extends Error {
  constructor(documentId: number) {
    super(`document ${documentId} is being converted by another worker`);
    this.name = 'DocumentBusyError';
  }
}

export const RETRIES_EXHAUSTED_REASON = '文档转换多次未能完成，请稍后点击「重新转换」，或联系客服';
/** No attempt gave an answer (workers died, or every try hit a passing fault): worth another try. */
export const RETRIES_EXHAUSTED: ConversionFailure = { reason: RETRIES_EXHAUSTED_REASON, retriable: true };

/**
 * The failure an error of the last attempt stands for: the converter's Chinese reason, retriable
 * unless the converter called it permanent (the same file fails again: a zip bomb, a corrupt or
 * unreadable file, a timeout). The one place that decides whether the studio offers 「重新转换」.
 */
export function conversionFailureOf(err: unknown): ConversionFailure {
  if (err instanceof ConversionError) return { reason: err.reasonZh, retriable: !err.permanent };
  return RETRIES_EXHAUSTED;
}

/**
 * Converts one document: the job's own, or a waiting one of an uploader with fewer conversions
 * running (claimNextConversion; the job's document is then queued again). Permanent conversion
 * errors fail the document at once; other errors are rethrown for the queue to retry (another
 * document's are queued again), and fail the document on its final attempt.
 */
export async function convertDocument(deps: Deps, converter: Converter | PageConverter, job: ConversionJob): Promise<ConversionOutcome> {
  const jobLog = deps.log.child({ job: job.id, retry: job.retryCount });
  const claim = randomUUID();
  const { liveSlots } = await readLiveness(deps.db.pool, deps.clock.now(), deps.jobs.identity);
  const doc = await withTransaction(deps.db.pool, async (tx) => {
    await lockConversionClaims(tx);
    return claimNextConversion(tx, {
      jobDocumentId: job.documentId,
      claim,
      leaseSeconds: deps.jobs.options.leaseSeconds,
      bootId: deps.jobs.identity.bootId,
      share: uploaderShare(liveSlots),
    });
  });
  if (!doc) {
    const state = await conversionStateOf(deps.db.pool, job.documentId);
    if (state === 'claimed') throw new DocumentBusyError(job.documentId);
    if (state === null) {
      jobLog.info({ documentId: job.documentId }, 'document no longer waits for conversion; nothing to do');
      return 'skipped';
    }
    jobLog.debug({ documentId: job.documentId }, 'uploader holds its share of the slots; queued again');
    await deps.jobs.deferConversion(job.documentId, DEFER_SECONDS);
    await new Promise((r) => setTimeout(r, DEFER_PAUSE_MS));
    return 'deferred';
  }
  const documentId = doc.id;
  const ownDocument = documentId === job.documentId;
  const log = jobLog.child({ documentId });
  if (!ownDocument) {
    // An uploader with fewer conversions running went first; the job's own document keeps a job.
    log.debug({ jobDocumentId: job.documentId }, 'a fairer document took this slot');
    await deps.jobs.deferConversion(job.documentId, DEFER_SECONDS);
  }
  const budget = maxAttempts(deps.jobs.options);
  if (doc.attempts > budget) {
    // Every earlier attempt ended without an answer (its worker died on this file each time).
    log.warn({ attempts: doc.attempts }, 'no attempts left for this document');
    await failConversion(deps.db.pool, documentId, claim, RETRIES_EXHAUSTED);
    return 'failed';
  }
  // The job's retry count is its own document's; the attempts on the row count for any document.
  const finalAttempt = (ownDocument && job.finalAttempt) || doc.attempts >= budget;

  const started = Date.now();
  const dir = await renderDir(deps);
  // Blobs written for this attempt: removed again unless the result is saved.
  const written: string[] = [];
  try {
    let result: DocumentConversion;
    try {
      result = await withLocalCopy(deps, doc.blobKey, (filePath) => convertWith(converter, { filePath, format: doc.format, outDir: dir }));
    } catch (err) {
      const permanent = err instanceof ConversionError && err.permanent;
      if (permanent || finalAttempt) {
        log.warn({ err, permanent }, 'conversion failed');
        await failConversion(deps.db.pool, documentId, claim, conversionFailureOf(err));
        return 'failed';
      }
      log.warn({ err }, 'conversion attempt failed; it will be retried');
      await releaseConversionClaim(deps.db.pool, documentId, claim);
      if (ownDocument) throw err; // the queue retries this job with its backoff
      // Another document's job is still pending (it gave way, or is queued): it comes back then.
      await deps.jobs.deferConversion(documentId, deps.jobs.options.retryDelaySeconds);
      return 'deferred';
    }

    // The page preview: the PDF kept (never served), the free pages and the thumbnail rendered now.
    let pdfKey: string | null = null;
    let thumbnailKey: string | null = null;
    let images = new Map<number, string>();
    if (result.pdfPath && result.layers.length > 0) {
      try {
        images = await renderAndStore(deps, result.pdfPath, eagerPages(doc, result.layers.length), dir);
        written.push(...images.values());
        thumbnailKey = await storeThumbnail(deps, result.pdfPath, dir);
        written.push(thumbnailKey);
      } catch (err) {
        // The images are rendered again on demand; the document itself is fine.
        log.warn({ err }, 'page images could not be rendered at conversion');
      }
      pdfKey = newBlobKey();
      await deps.blobs.putFile(pdfKey, result.pdfPath);
      written.push(pdfKey);
    }
    // Everything is in the store now: no temporary file outlives the commit that makes it ready.
    await removeDir(dir);

    const replaced = await withTransaction(deps.db.pool, async (tx) => {
      const target = await lockClaimedDocument(tx, documentId, claim);
      if (!target) return null; // taken down, deleted or re-claimed while we converted
      // A title from the file name gives way to the document's own (chooseTitle: the property
      // title only when page 1 shows it, else page 1's most prominent line).
      const chosen = target.titleSource === 'file'
        ? chooseTitle({ propertyTitle: result.properties.title, firstPageLines: result.firstPageLines, fileName: doc.originalFilename })
        : null;
      const title = chosen && chosen.source !== 'file' ? chosen.title : target.title;
      const titleSource = chosen && chosen.source !== 'file' ? 'properties' : target.titleSource;
      const keywords = mergeKeywords(title, target.userKeywords);
      // A copy of a taken-down work is refused; a copy of another user's or a rejected document
      // waits for a moderator whatever REVIEW_MODE says (review-policy.ts copyVerdict).
      const simhash = textSimhash(result.text);
      const copies = await copyVerdict(tx, documentId, simhash);
      if (copies.kind === 'refuse') {
        await failConversionOn(tx, documentId, claim, { reason: refusedCopyText(copies.original), retriable: false });
        return 'refused' as const;
      }
      // Published now, or held for a moderator (REVIEW_MODE, or a copy), in the same transaction.
      const status = await statusAfterConversion(tx, deps.config.reviewMode, documentId, copies);
      await saveConversionResult(tx, documentId, {
        status,
        title,
        titleSource,
        keywords,
        pages: result.pageCount,
        wordCount: result.wordCount,
        bodyText: result.text,
        docTitle: result.properties.title,
        docAuthor: result.properties.author,
        previewSimplified: result.simplified,
        converterVersion: CONVERTER_VERSION,
        search: documentSearchTokens({ title, keywords, description: target.description, body: result.text }),
      });
      await replaceDocumentPages(tx, documentId, result.pages);
      await saveTextSimhash(tx, documentId, simhash); // near copies (issue 14 item 13)
      await saveReviewHold(tx, documentId, copies.kind === 'hold' ? { reason: copies.reason, copyOf: copies.original.id } : null);
      const previous = await replacePagePreview(tx, documentId, {
        pdfKey,
        thumbnailKey,
        previewPages: result.layers.length,
        fontSubstitutions: result.fontSubstitutions,
        pages: result.layers.map((l) => ({ number: l.number, width: l.width, height: l.height, lines: l.lines, imageKey: images.get(l.number) ?? null })),
      });
      await notifyDocumentReady(tx, documentId, { pendingReview: status === 'pending_review' });
      return previous;
    });
    if (replaced === 'refused') {
      log.info('near copy of a taken-down work: refused');
      return 'failed';
    }
    if (!replaced) {
      log.info('document changed while converting; result discarded');
      return 'skipped';
    }
    written.length = 0; // saved: the rows point to them now
    await deleteBlobs(deps, replaced); // the previous conversion's PDF and images
    log.info({ pages: result.pageCount, ms: Date.now() - started, warnings: result.warnings }, 'document converted');
    return 'ready';
  } finally {
    await deleteBlobs(deps, written);
    await removeDir(dir);
  }
}

/** The page converter's convertDocument; a text-view-only converter (a test's) gives no page preview. */
async function convertWith(converter: Converter | PageConverter, input: { filePath: string; format: DocumentFormat; outDir: string }): Promise<DocumentConversion> {
  if ('convertDocument' in converter) return converter.convertDocument(input);
  const r = await converter.convert({ filePath: input.filePath, format: input.format as WordFormat });
  return { ...r, pdfPath: null, layers: [], fontSubstitutions: [], firstPageLines: [], scanned: false };
}

/** Runs `work` on a local path of the blob: the store's own when it has one, else a temporary copy. */
async function withLocalCopy<T>(deps: Deps, key: string, work: (filePath: string) => Promise<T>): Promise<T> {
  const local = deps.blobs.localPath?.(key);
  if (local) return work(local);
  const dir = uploadTempDir(deps.config);
  await mkdir(dir, { recursive: true });
  const copy = path.join(dir, ownedName('convert', deps.jobs.identity));
  try {
    await pipeline(deps.blobs.createReadStream(key), createWriteStream(copy, { mode: 0o600 }));
    return await work(copy);
  } finally {
    await rm(copy, { force: true });
  }
}

/**
 * Gives every conversion held by a dead worker process back to the queue (or fails it when its
 * attempts are used up). Runs at start-up and every few seconds in each conversion worker.
 */
export async function reclaimDeadWorkersConversions(deps: Deps): Promise<{ requeued: number; failed: number }> {
  const view = await readLiveness(deps.db.pool, deps.clock.now(), deps.jobs.identity);
  let requeued = 0;
  let failed = 0;
  for (const held of await findHeldConversions(deps.db.pool)) {
    // A claim is only taken by a registered process, so one with no row is a forgotten dead one.
    const alive = held.bootId === deps.jobs.identity.bootId || (view.rows.has(held.bootId) && !view.dead.has(held.bootId));
    if (alive) continue;
    if (held.attempts >= maxAttempts(deps.jobs.options)) {
      if (await failConversion(deps.db.pool, held.id, held.claim, RETRIES_EXHAUSTED)) failed++;
      continue;
    }
    const done = await withTransaction(deps.db.pool, async (tx) => {
      if (!(await releaseConversionClaim(tx, held.id, held.claim))) return false;
      await deps.jobs.requeueConversion(tx, held.id);
      return true;
    });
    if (done) {
      requeued++;
      deps.log.warn({ documentId: held.id, deadWorker: view.rows.get(held.bootId) ?? held.bootId }, 'worker died mid-conversion; document queued again');
    }
  }
  if (requeued) deps.jobs.wake();
  return { requeued, failed };
}
