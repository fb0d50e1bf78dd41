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
  findPurchaseState,
  listDocumentsOfUploader,
  lockDocumentForEdit,
  markDocumentDeleted,
  resetFailedDocument,
  selectPreviewPages,
  updateDocumentMetadata,
  type DocumentRow,
} from './documents.repo.js';
import { entitlementOf, maySeePage, type Entitlement } from './entitlement.js';
import { isConverted, type Viewer } from './visibility.js';
import { visibleHtml } from './visible-text.js';
import { selectVisibleTextSource } from './visible-text.repo.js';
import { returnRejectedToReviewQueue } from '../moderation/reviews.repo.js';
import { presentDocument } from './documents.present.js';
import { documentSearchTokens, mergeKeywords } from './document-text.js';
import { decodeIdCursor, encodeIdCursor } from './cursor.js';
import { invalidateDocument } from '../cache/invalidation.js';

type Deps = Pick<AppDeps, 'db' | 'views' | 'jobs'>;

export const viewerOf = (actor: Actor | null): Viewer => ({ userId: actor?.userId ?? null, isAdmin: actor?.role === 'admin' });

const canManage = (actor: Actor | null, doc: DocumentRow) => !!actor && (actor.role === 'admin' || actor.userId === doc.uploaderId);

/** The document as `actor` may see it, or 404 (also for taken-down documents to non-admins). */
async function visibleDocument(deps: Deps, actor: Actor | null, id: number): Promise<DocumentRow> {
  const doc = await findDocumentVisibleTo(deps.db.pool, viewerOf(actor), id);
  if (!doc) throw notFound('文档');
  return doc;
}

/**
 * The document for its page or API; counts a view by `viewer` (see viewerKey; written in a batch,
 * once a day per viewer), never the uploader's own.
 */
export async function getDocument(deps: Deps, actor: Actor | null, id: number, options: { viewer?: string } = {}): Promise<Document> {
  const doc = await visibleDocument(deps, actor, id);
  countView(deps, actor, doc, options.viewer);
  return presentDocument(doc, deps.views.unsaved(id));
}

/** A view by `viewer` (see viewerKey; written in a batch, once a day per viewer), never the uploader's own. */
function countView(deps: Deps, actor: Actor | null, doc: DocumentRow, viewer: string | undefined): void {
  if (viewer && doc.uploaderId !== actor?.userId) deps.views.count(doc.id, viewer);
}

/** Current conversion status (for the live events). 404 when not visible. */
export async function getDocumentStatus(deps: Deps, actor: Actor | null, id: number): Promise<StatusEvent> {
  const doc = presentDocument(await visibleDocument(deps, actor, id));
  return { status: doc.status, failureReason: doc.failureReason, pages: doc.pages };
}

/**
 * How much of a document `actor` may read (entitlement.ts), with the facts read for it: the
 * purchase is looked up only when the rule needs it (not for the uploader, admins, free documents).
 */
async function entitlementFor(deps: Deps, actor: Actor | null, doc: DocumentRow): Promise<Entitlement> {
  const viewer = viewerOf(actor);
  const withoutPurchase = entitlementOf({ actor: viewer, document: doc, purchase: null });
  if (!actor || withoutPurchase.level === 'everything') return withoutPurchase;
  return entitlementOf({ actor: viewer, document: doc, purchase: await findPurchaseState(deps.db.pool, actor.userId, doc.id) });
}

/**
 * The document as `actor` may see it (404 otherwise) with what they may read of it; counts a view
 * by `viewer` (as getDocument). For pages that show both, e.g. the document page's "no charge" note;
 * mayRetry: whether a failed conversion may be tried again (mayRetryConversion).
 */
export async function getDocumentWithEntitlement(
  deps: Deps,
  actor: Actor | null,
  id: number,
  options: { viewer?: string } = {},
): Promise<{ document: Document; entitlement: Entitlement; mayRetry: boolean }> {
  const doc = await visibleDocument(deps, actor, id);
  // The page list (GET /pages) is part of the same visit as the document page: no second view.
  countView(deps, actor, doc, options.viewer);
  return { document: presentDocument(doc, deps.views.unsaved(id)), entitlement: await entitlementFor(deps, actor, doc), mayRetry: mayRetryConversion(doc) };
}

/**
 * For one page of the page-faithful preview (its image or text): 404 unless the document is
 * visible to `actor`, 409 while it has no pages, 403 for a page beyond what entitlementOf allows
 * them, whatever the URL. Counts no view. Returns the entitlement (e.g. for cache headers).
 */
export async function assertPageReadable(deps: Deps, actor: Actor | null, id: number, pageNo: number): Promise<Entitlement> {
  const doc = await visibleDocument(deps, actor, id);
  if (!isConverted(doc.status)) throw conflict('文档正在转换或转换失败，没有预览页 (the document has no pages yet)');
  const entitlement = await entitlementFor(deps, actor, doc);
  if (!maySeePage(entitlement, pageNo)) throw forbidden('购买后才能查看此页 (this page is not in the free preview)');
  return entitlement;
}

/**
 * The preview allowed to `actor` by entitlementOf: everything, or the first free preview pages
 * (the rest never read). 409 while processing or after a failed conversion.
 */
export async function getDocumentPreview(deps: Deps, actor: Actor | null, id: number): Promise<Preview> {
  const doc = await visibleDocument(deps, actor, id);
  if (doc.status === 'processing') throw conflict('文档正在转换，请稍后再看预览 (the document is still being converted)');
  if (doc.status === 'failed') throw conflict('文档转换失败，没有预览 (conversion failed; no preview)');
  const entitlement = await entitlementFor(deps, actor, doc);
  // Visible and converted: at least the free pages; 'none' would be a rule change, so never shown.
  if (entitlement.level === 'none') throw notFound('文档');
  const limit = entitlement.pagesVisible;
  const stored = await countPreviewPages(deps.db.pool, id);
  const totalPages = Math.max(doc.pages ?? stored, stored);
  const simplified = doc.previewSimplified;
  if (limit === null || limit >= totalPages) {
    const pages = await selectPreviewPages(deps.db.pool, id, null);
    return { html: pages.join('\n'), pagesShown: pages.length, totalPages, truncated: false, simplified };
  }
  // Pages 1..limit only, cut where their rendered text ends (visible-text.ts), whatever the stored pages hold.
  const html = visibleHtml(await selectVisibleTextSource(deps.db.pool, id, limit));
  return { html, pagesShown: Math.min(limit, stored), totalPages, truncated: true, simplified };
}

/** Loads a document for a change by its uploader or an admin: 404 if not visible, 403 if not theirs. */
async function manageableDocument(deps: Deps, actor: Actor, id: number): Promise<DocumentRow> {
  const doc = await visibleDocument(deps, actor, id);
  if (!canManage(actor, doc)) throw forbidden('只有上传者或管理员可以修改此文档 (only the uploader or an admin may change this document)');
  return doc;
}

/**
 * Edits the uploader's fields; keywords and the search vector are derived again. A rejected
 * document goes back to the review queue (the uploader fixed what the moderator named). One transaction.
 */
export async function updateDocument(deps: Deps & Pick<AppDeps, 'invalidations'>, actor: Actor, id: number, body: UpdateDocumentBody): Promise<Document> {
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
    if (doc.status === 'rejected') await returnRejectedToReviewQueue(tx, id);
  });
  await invalidateDocument(deps, id); // a new price or title, on every node
  return presentDocument((await findDocumentById(deps.db.pool, id))!, deps.views.unsaved(id));
}

/** Hides the document everywhere (uploader or admin). Its file stays: buyers keep their downloads. */
export async function deleteDocument(deps: Deps & Pick<AppDeps, 'invalidations'>, actor: Actor, id: number): Promise<void> {
  await manageableDocument(deps, actor, id);
  await markDocumentDeleted(deps.db.pool, id);
  await invalidateDocument(deps, id);
}

/**
 * Whether 「重新转换」 is offered and allowed: a failed conversion that was not the file's own fault
 * (conversionFailureOf decides that when it fails; a zip bomb or a corrupt file never qualifies).
 */
export const mayRetryConversion = (doc: Pick<DocumentRow, 'status' | 'failureRetriable'>): boolean =>
  doc.status === 'failed' && doc.failureRetriable;

/**
 * Converts a failed document again (uploader or admin): back to processing, job enqueued, one
 * transaction. 409 unless mayRetryConversion (not failed, or the file itself is at fault).
 */
export async function retryConversion(deps: Deps, actor: Actor, id: number): Promise<Document> {
  const doc = await manageableDocument(deps, actor, id);
  if (doc.status !== 'failed') throw conflict('只有转换失败的文档可以重新转换 (only a failed conversion can be retried)');
  if (!mayRetryConversion(doc)) {
    throw conflict('此文档因文件本身的问题无法转换，重新转换也不会成功，请修改文件后重新上传 (the file itself cannot be converted)');
  }
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

