// Reading and managing one document: details (counting a view), preview, status, edits,
// deletion, retrying a failed conversion, and the uploader's own list.
import type { Actor, AppDeps } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { conflict, forbidden, notFound } from '../errors.js';
import type { Document, PageQuery, Preview, StatusEvent, UpdateDocumentBody } from './documents.schemas.js';
import {
  countPreviewPages,
  findDocumentById,
  findDocumentVisibleTo,
  hasPaidPurchase,
  listDocumentsOfUploader,
  lockDocumentForEdit,
  markDocumentDeleted,
  resetFailedDocument,
  selectPreviewPages,
  updateDocumentMetadata,
  type DocumentRow,
  type Viewer,
} from './documents.repo.js';
import { presentDocument } from './documents.present.js';
import { documentSearchTokens, mergeKeywords } from './document-text.js';
import { decodeIdCursor, encodeIdCursor } from './cursor.js';

type Deps = Pick<AppDeps, 'db' | 'views' | 'jobs'>;

export const viewerOf = (actor: Actor | null): Viewer => ({ userId: actor?.userId ?? null, isAdmin: actor?.role === 'admin' });

const canManage = (actor: Actor | null, doc: DocumentRow) => !!actor && (actor.role === 'admin' || actor.userId === doc.uploaderId);

/** The document as `actor` may see it, or 404 (also for taken-down documents to non-admins). */
async function visibleDocument(deps: Deps, actor: Actor | null, id: number): Promise<DocumentRow> {
  const doc = await findDocumentVisibleTo(deps.db.pool, viewerOf(actor), id);
  if (!doc) throw notFound('文档');
  return doc;
}

/** The document for its page or API; counts a view (written in a batch) unless `countView` is false. */
export async function getDocument(deps: Deps, actor: Actor | null, id: number, options: { countView?: boolean } = {}): Promise<Document> {
  const doc = await visibleDocument(deps, actor, id);
  if (options.countView !== false) deps.views.count(id);
  return presentDocument(doc, deps.views.unsaved(id));
}

/** Current conversion status (for the live events). 404 when not visible. */
export async function getDocumentStatus(deps: Deps, actor: Actor | null, id: number): Promise<StatusEvent> {
  const doc = presentDocument(await visibleDocument(deps, actor, id));
  return { status: doc.status, failureReason: doc.failureReason, pages: doc.pages };
}

/**
 * The preview allowed to `actor`: everything for the uploader, admins, buyers (not refunded) and
 * for free documents; otherwise the first freePreviewPages pages, the rest never read.
 * 409 while processing or after a failed conversion.
 */
export async function getDocumentPreview(deps: Deps, actor: Actor | null, id: number): Promise<Preview> {
  const doc = await visibleDocument(deps, actor, id);
  if (doc.status === 'processing') throw conflict('文档正在转换，请稍后再看预览 (the document is still being converted)');
  if (doc.status === 'failed') throw conflict('文档转换失败，没有预览 (conversion failed; no preview)');
  const whole =
    doc.priceCents === 0 ||
    canManage(actor, doc) ||
    (!!actor && (await hasPaidPurchase(deps.db.pool, actor.userId, id)));
  const limit = whole ? null : doc.freePreviewPages;
  const pages = await selectPreviewPages(deps.db.pool, id, limit);
  const stored = whole ? pages.length : await countPreviewPages(deps.db.pool, id);
  return {
    html: pages.join('\n'),
    pagesShown: pages.length,
    totalPages: Math.max(doc.pages ?? stored, stored),
    truncated: pages.length < stored,
    simplified: doc.previewSimplified,
  };
}

/** Loads a document for a change by its uploader or an admin: 404 if not visible, 403 if not theirs. */
async function manageableDocument(deps: Deps, actor: Actor, id: number): Promise<DocumentRow> {
  const doc = await visibleDocument(deps, actor, id);
  if (!canManage(actor, doc)) throw forbidden('只有上传者或管理员可以修改此文档 (only the uploader or an admin may change this document)');
  return doc;
}

/** Edits the uploader's fields; keywords and the search vector are derived again. One transaction. */
export async function updateDocument(deps: Deps, actor: Actor, id: number, body: UpdateDocumentBody): Promise<Document> {
  await manageableDocument(deps, actor, id);
  await withTransaction(deps.db.pool, async (tx) => {
    const doc = await lockDocumentForEdit(tx, id);
    if (!doc) throw notFound('文档');
    const title = body.title ?? doc.title;
    const userKeywords = body.keywords ?? doc.userKeywords;
    const description = body.description ?? doc.description;
    const keywords = mergeKeywords(title, userKeywords);
    await updateDocumentMetadata(tx, id, {
      title,
      titleSource: body.title !== undefined ? 'uploader' : doc.titleSource,
      description,
      category: body.category ?? doc.category,
      priceCents: body.priceCents ?? doc.priceCents,
      freePreviewPages: body.freePreviewPages ?? doc.freePreviewPages,
      keywords,
      userKeywords,
      // Until conversion there is no body; the conversion builds the vector then.
      search: doc.status === 'processing' ? null : documentSearchTokens({ title, keywords, description, body: doc.bodyText ?? '' }),
    });
  });
  return presentDocument((await findDocumentById(deps.db.pool, id))!, deps.views.unsaved(id));
}

/** Hides the document everywhere (uploader or admin). Its file stays: buyers keep their downloads. */
export async function deleteDocument(deps: Deps, actor: Actor, id: number): Promise<void> {
  await manageableDocument(deps, actor, id);
  await markDocumentDeleted(deps.db.pool, id);
}

/** Converts a failed document again (uploader or admin): back to processing, job enqueued, one transaction. */
export async function retryConversion(deps: Deps, actor: Actor, id: number): Promise<Document> {
  const doc = await manageableDocument(deps, actor, id);
  if (doc.status !== 'failed') throw conflict('只有转换失败的文档可以重新转换 (only a failed conversion can be retried)');
  await deps.jobs.start();
  const reset = await withTransaction(deps.db.pool, async (tx) => {
    if (!(await resetFailedDocument(tx, id))) return false;
    await deps.jobs.enqueueConversion(tx, id);
    return true;
  });
  if (!reset) throw conflict('文档状态已改变，请刷新 (the document changed; reload it)');
  deps.jobs.wake();
  return presentDocument((await findDocumentById(deps.db.pool, id))!);
}

/** The caller's own documents in any state (not deleted), newest first, keyset-paged. */
export async function listMyDocuments(deps: Deps, actor: Actor, query: PageQuery): Promise<{ items: Document[]; nextCursor: string | null }> {
  const before = query.cursor ? decodeIdCursor(query.cursor) : null;
  const rows = await listDocumentsOfUploader(deps.db.pool, actor.userId, query.limit + 1, before);
  const page = rows.slice(0, query.limit);
  return {
    items: page.map((r) => presentDocument(r, deps.views.unsaved(r.id))),
    nextCursor: rows.length > query.limit ? encodeIdCursor(page[page.length - 1]!.id) : null,
  };
}

