// Upload: decide the type from the bytes, refuse blocked and duplicate files, store the file
// under a generated key, and write the row plus its conversion job in one transaction.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import type { Actor, AppDeps } from '../deps.js';
import { pdfNeedsPassword, sniffUpload } from '../conversion/index.js';
import { withTransaction } from '../db/transaction.js';
import { isUniqueViolation } from '../db/pg-errors.js';
import { conflict, forbidden } from '../errors.js';
import { DEFAULT_CATEGORY, DEFAULT_FREE_PREVIEW_PAGES, type Document, type UploadFields } from './documents.schemas.js';
import { findBlockedHash, findDocumentById, findLiveDocumentIdByHash, insertDocument } from './documents.repo.js';
import { presentDocument } from './documents.present.js';
import { cleanFileName, mergeKeywords, titleFromFileName } from './document-text.js';
import { findPublicDocumentIdByHash } from './near-copies.repo.js';
import { uploadTempDir } from './upload-storage.js';
import { suggestCategory } from '../../public/js/category-suggest.js';

type Deps = Pick<AppDeps, 'db' | 'blobs' | 'jobs' | 'log' | 'config'>;

export interface UploadedFile {
  /** The temporary file; moved into the blob store on success, left for the caller to remove otherwise. */
  path: string;
  size: number;
  sha256: string;
  originalName: string | undefined;
}

/**
 * Blob keys: random (never from the client's name), with the creation time in base 36 after the
 * dash so the start-up sweep can tell a fresh upload (row not yet committed) from an orphan.
 */
export function newBlobKey(now = Date.now()): string {
  return `${randomBytes(12).toString('hex')}-${now.toString(36)}`;
}

/** When the blob key was made, or null for keys of another shape. */
export function blobKeyTime(key: string): number | null {
  const match = /^[0-9a-f]{24}-([0-9a-z]{1,12})$/.exec(key);
  return match ? parseInt(match[1]!, 36) : null;
}

const duplicateOf = (documentId: number) =>
  conflict('你已经上传过这个文件 (you have already uploaded this file)', { documentId });

/**
 * Stores an upload as a new document in status processing and enqueues its conversion.
 * Throws unsupported_file (400), forbidden (403, a blocked file), conflict (409: own duplicate, or
 * details {reason: 'duplicate', documentId} when another user's public document has the same bytes).
 * One transaction for the row and the job; the stored file is removed again if it fails.
 */
export async function uploadDocument(deps: Deps, actor: Actor, file: UploadedFile, fields: UploadFields): Promise<Document> {
  // Independent checks, run together: the file's type from its bytes, and three lookups by its hash.
  const [{ format }, blocked, existing, publicCopy] = await Promise.all([
    // Every format of the contract; a PDF's user password is asked of qpdf in the sandbox.
    sniffUpload(file.path, {
      fileName: file.originalName,
      pdfNeedsPassword: async (p) => {
        await mkdir(uploadTempDir(deps.config), { recursive: true });
        return pdfNeedsPassword(p, { workDir: uploadTempDir(deps.config) });
      },
    }),
    findBlockedHash(deps.db.pool, file.sha256),
    findLiveDocumentIdByHash(deps.db.pool, actor.userId, file.sha256),
    findPublicDocumentIdByHash(deps.db.pool, file.sha256),
  ]);
  if (blocked) {
    throw forbidden(`该文件已因侵权投诉被下架，不能再次上传：${blocked.reason} (this file was taken down and may not be uploaded again)`);
  }
  if (existing) throw duplicateOf(existing);
  // Another user's public document with these bytes: the site already has it (never sold twice).
  if (publicCopy) {
    throw conflict(`本站已有相同的文件（文档 ${publicCopy}），无需重复上传 (the site already has this file)`, { reason: 'duplicate', documentId: publicCopy });
  }

  const originalFilename = cleanFileName(file.originalName, format);
  const title = fields.title ?? titleFromFileName(originalFilename);
  const userKeywords = fields.keywords ?? [];
  const blobKey = newBlobKey();
  await deps.blobs.putFile(blobKey, file.path);
  let id: number;
  try {
    await deps.jobs.start();
    id = await withTransaction(deps.db.pool, async (tx) => {
      const documentId = await insertDocument(tx, {
        uploaderId: actor.userId,
        title,
        titleSource: fields.title ? 'uploader' : 'file',
        description: fields.description ?? '',
        // Not chosen: suggested from the title (the uploader can change it in the studio).
        category: fields.category ?? suggestCategory(title) ?? DEFAULT_CATEGORY,
        priceCents: fields.priceCents ?? 0,
        freePreviewPages: fields.freePreviewPages ?? DEFAULT_FREE_PREVIEW_PAGES,
        keywords: mergeKeywords(title, userKeywords),
        userKeywords,
        format,
        sizeBytes: file.size,
        sha256: file.sha256,
        blobKey,
        originalFilename,
      });
      await deps.jobs.enqueueConversion(tx, documentId);
      return documentId;
    });
  } catch (err) {
    await deps.blobs.delete(blobKey).catch((e: unknown) => deps.log.error({ err: e, blobKey }, 'could not remove the blob of a failed upload'));
    if (isUniqueViolation(err, 'documents_uploader_sha256_key')) {
      // The same file arrived twice at once: the other request won.
      const winner = await findLiveDocumentIdByHash(deps.db.pool, actor.userId, file.sha256);
      if (winner) throw duplicateOf(winner);
    }
    throw err;
  }
  deps.jobs.wake();
  return presentDocument((await findDocumentById(deps.db.pool, id))!);
}
