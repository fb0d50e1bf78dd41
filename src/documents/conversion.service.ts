// The conversion job: claim the document, convert its file, and save pages, metadata and the
// search vector in one transaction. A claim on the row guards against a worker that lost its
// lease writing over a newer attempt; taken-down and deleted documents are left alone.
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AppDeps } from '../deps.js';
import { CONVERTER_VERSION, ConversionError, type ConversionResult, type Converter } from '../conversion/index.js';
import { withTransaction } from '../db/transaction.js';
import type { ConversionJob } from '../jobs/queue.js';
import {
  claimConversion,
  isClaimedElsewhere,
  lockClaimedDocument,
  markConversionFailed,
  releaseConversionClaim,
  replaceDocumentPages,
  saveConversionResult,
} from './conversion.repo.js';
import { documentSearchTokens, mergeKeywords, titleFromProperties } from './document-text.js';
import { uploadTempDir } from './upload-storage.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'blobs' | 'log' | 'jobs'>;

export type ConversionOutcome = 'ready' | 'failed' | 'skipped';

/** Thrown when another attempt holds a live claim: the job is retried later, not dropped. */
export class DocumentBusyError extends Error {
  constructor(documentId: number) {
    super(`document ${documentId} is being converted by another worker`);
    this.name = 'DocumentBusyError';
  }
}

export const RETRIES_EXHAUSTED_REASON = '文档转换多次未能完成，请稍后点击「重新转换」，或联系客服';

/**
 * Converts one document. Permanent conversion errors fail the document at once; other errors
 * are rethrown for the queue to retry, and fail the document on the final attempt.
 */
export async function convertDocument(deps: Deps, converter: Converter, job: ConversionJob): Promise<ConversionOutcome> {
  const { documentId } = job;
  const log = deps.log.child({ documentId, job: job.id, retry: job.retryCount });
  const claim = randomUUID();
  const doc = await claimConversion(deps.db.pool, documentId, claim, deps.jobs.options.leaseSeconds);
  if (!doc) {
    if (await isClaimedElsewhere(deps.db.pool, documentId)) throw new DocumentBusyError(documentId);
    log.info('document no longer waits for conversion; nothing to do');
    return 'skipped';
  }

  const started = Date.now();
  let result: ConversionResult;
  try {
    result = await withLocalCopy(deps, doc.blobKey, (filePath) => converter.convert({ filePath, format: doc.format }));
  } catch (err) {
    const permanent = err instanceof ConversionError && err.permanent;
    if (permanent || job.finalAttempt) {
      const reason = err instanceof ConversionError ? err.reasonZh : RETRIES_EXHAUSTED_REASON;
      log.warn({ err, permanent }, 'conversion failed');
      await markConversionFailed(deps.db.pool, documentId, claim, reason);
      return 'failed';
    }
    log.warn({ err }, 'conversion attempt failed; it will be retried');
    await releaseConversionClaim(deps.db.pool, documentId, claim);
    throw err;
  }

  const saved = await withTransaction(deps.db.pool, async (tx) => {
    const target = await lockClaimedDocument(tx, documentId, claim);
    if (!target) return false; // taken down, deleted or re-claimed while we converted
    const fromProperties = target.titleSource === 'file' ? titleFromProperties(result.properties.title) : null;
    const title = fromProperties ?? target.title;
    const keywords = mergeKeywords(title, target.userKeywords);
    await saveConversionResult(tx, documentId, {
      title,
      titleSource: fromProperties ? 'properties' : target.titleSource,
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
    return true;
  });
  if (!saved) {
    log.info('document changed while converting; result discarded');
    return 'skipped';
  }
  log.info({ pages: result.pageCount, ms: Date.now() - started, warnings: result.warnings }, 'document converted');
  return 'ready';
}

/** Runs `work` on a local path of the blob: the store's own when it has one, else a temporary copy. */
async function withLocalCopy<T>(deps: Deps, key: string, work: (filePath: string) => Promise<T>): Promise<T> {
  const local = deps.blobs.localPath?.(key);
  if (local) return work(local);
  const dir = uploadTempDir(deps.config);
  await mkdir(dir, { recursive: true });
  const copy = path.join(dir, `convert-${randomUUID()}`);
  try {
    await pipeline(deps.blobs.createReadStream(key), createWriteStream(copy, { mode: 0o600 }));
    return await work(copy);
  } finally {
    await rm(copy, { force: true });
  }
}
