// Ratings and comments (issue 16; contract "Ratings and comments"). Rules:
// - a rating comes only from a reader who may download the document because they bought it (a
//   live purchase) or because it is free: entitlementOf as seen by a plain reader. Its uploader
//   (who would rate their own work) and an admin acting by role alone get 403; an admin who bought
//   it, or rates a free document, is a reader like any other.
// - comments need a login and a document the caller may see; its author or an admin deletes one.
import type { Actor, AppDeps } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { forbidden, notFound } from '../errors.js';
import { entitlementOf } from '../documents/entitlement.js';
import { findDocumentVisibleTo, findPurchaseState, type DocumentRow } from '../documents/documents.repo.js';
import { viewerOf } from '../documents/documents.service.js';
import { decodeIdCursor, encodeIdCursor } from '../documents/cursor.js';
import {
  deleteComment,
  findComment,
  findRating,
  insertComment,
  lockDocumentRating,
  refreshRatingAggregate,
  selectComments,
  upsertRating,
  type CommentRow,
} from './ratings.repo.js';

type Deps = Pick<AppDeps, 'db'>;

export const COMMENTS_PAGE_SIZE = 20;

export interface Comment {
  id: number;
  author: { id: number; displayName: string; bought: boolean; stars: number | null };
  body: string;
  createdAt: string;
}

async function visibleDocument(deps: Deps, actor: Actor | null, id: number): Promise<DocumentRow> {
  const doc = await findDocumentVisibleTo(deps.db.pool, viewerOf(actor), id);
  if (!doc) throw notFound('文档');
  return doc;
}

/** The one rule: may this user rate the document? (bought and not refunded, or free; never its uploader). */
export function mayRate(userId: number, doc: DocumentRow, purchase: 'paid' | 'refunded' | null): boolean {
  const { reason } = entitlementOf({ actor: { userId, isAdmin: false }, document: doc, purchase });
  return reason === 'bought' || reason === 'free_document';
}

/** Sets the caller's stars (1..5; one rating per user, replaced on a second call). 404 unseen, 403 not a reader. One transaction. */
export async function rateDocument(deps: Deps, actor: Actor, id: number, stars: number): Promise<void> {
  const doc = await visibleDocument(deps, actor, id);
  const purchase = doc.priceCents === 0 ? null : await findPurchaseState(deps.db.pool, actor.userId, id);
  if (!mayRate(actor.userId, doc, purchase)) {
    throw forbidden(actor.userId === doc.uploaderId ? '不能给自己上传的文档评分 (you cannot rate your own document)' : '购买后才能评分 (only readers who may download it can rate it)');
  }
  await withTransaction(deps.db.pool, async (tx) => {
    await lockDocumentRating(tx, id);
    await upsertRating(tx, id, actor.userId, stars);
    await refreshRatingAggregate(tx, id);
  });
}

/** The caller's own stars for a document, or null (for the page's radio group). */
export async function myRating(deps: Deps, actor: Actor | null, id: number): Promise<number | null> {
  return actor ? findRating(deps.db.pool, id, actor.userId) : null;
}

/** Whether the page should offer the stars to this reader (same rule as rateDocument). */
export async function canRate(deps: Deps, actor: Actor | null, doc: DocumentRow): Promise<boolean> {
  if (!actor) return false;
  const purchase = doc.priceCents === 0 ? null : await findPurchaseState(deps.db.pool, actor.userId, doc.id);
  return mayRate(actor.userId, doc, purchase);
}

const presentComment = (c: CommentRow): Comment => ({
  id: c.id,
  author: { id: c.authorId, displayName: c.authorName, bought: c.authorBought, stars: c.authorStars },
  body: c.body,
  createdAt: c.createdAt.toISOString(),
});

/** A page of a visible document's comments, newest first. */
export async function listComments(
  deps: Deps,
  actor: Actor | null,
  id: number,
  cursor: string | undefined,
  limit = COMMENTS_PAGE_SIZE,
): Promise<{ items: Comment[]; nextCursor: string | null }> {
  await visibleDocument(deps, actor, id);
  const rows = await selectComments(deps.db.pool, id, cursor ? decodeIdCursor(cursor) : null, limit + 1);
  const page = rows.slice(0, limit);
  return { items: page.map(presentComment), nextCursor: rows.length > limit ? encodeIdCursor(page[page.length - 1]!.id) : null };
}

/** Adds the caller's comment to a document they may see (body already validated: 1–1000 characters). */
export async function addComment(deps: Deps, actor: Actor, id: number, body: string): Promise<Comment> {
  await visibleDocument(deps, actor, id);
  return presentComment(await insertComment(deps.db.pool, id, actor.userId, body));
}

/** Deletes a comment: its author or an admin (403 for others, 404 when there is none). */
export async function removeComment(deps: Deps, actor: Actor, commentId: number): Promise<void> {
  const comment = await findComment(deps.db.pool, commentId);
  if (!comment) throw notFound('评论');
  if (comment.authorId !== actor.userId && actor.role !== 'admin') throw forbidden('只能删除自己的评论 (only its author or an admin may delete a comment)');
  await deleteComment(deps.db.pool, commentId);
}
