// The uploader's studio (/me/documents, issue 15): the caller's own documents with what the studio
// edits (the uploader's own keywords, not the ones derived from the title) and may do (retry),
// and their views per day. Edits, deletion and retries go through documents.service.ts, the same
// functions as PATCH, DELETE and POST …/retry of the API.
import type { Actor, AppDeps } from '../deps.js';
import { notFound } from '../errors.js';
import type { Document } from './documents.schemas.js';
import { findDocumentById, listDocumentsOfUploader } from './documents.repo.js';
import { presentDocument } from './documents.present.js';
import { mayRetryConversion } from './documents.service.js';
import { countDailyViews } from './view-marks.repo.js';

type Deps = Pick<AppDeps, 'db' | 'views'>;

export interface StudioDocument {
  document: Document;
  /** The keywords the uploader typed (the edit form shows these; the title's own are derived again). */
  userKeywords: string[];
  mayRetry: boolean;
}

/** A page of the caller's own documents in any state (not deleted), newest first; `beforeId` pages on. */
export async function listStudioDocuments(
  deps: Deps,
  actor: Actor,
  options: { limit: number; beforeId: number | null },
): Promise<{ items: StudioDocument[]; nextBeforeId: number | null }> {
  const rows = await listDocumentsOfUploader(deps.db.pool, actor.userId, options.limit + 1, options.beforeId);
  const page = rows.slice(0, options.limit);
  return {
    items: page.map((row) => ({ document: presentDocument(row, deps.views.unsaved(row.id)), userKeywords: row.userKeywords, mayRetry: mayRetryConversion(row) })),
    nextBeforeId: rows.length > options.limit ? page[page.length - 1]!.id : null,
  };
}

/**
 * The caller's own document (not deleted), or 404: the studio's pages never act on another
 * user's document, whoever the caller is (an admin manages those through the API or /admin).
 */
export async function assertOwnDocument(deps: Deps, actor: Actor, id: number): Promise<void> {
  const row = await findDocumentById(deps.db.pool, id);
  if (!row || row.uploaderId !== actor.userId || row.deletedAt !== null) throw notFound('文档');
}

/** Views per document and day (TIMEZONE's calendar days) from `sinceDay` on. */
export async function dailyViewsOf(deps: Deps, documentIds: number[], sinceDay: string): Promise<Array<{ documentId: number; day: string; views: number }>> {
  if (documentIds.length === 0) return [];
  return countDailyViews(deps.db.pool, documentIds, sinceDay);
}
