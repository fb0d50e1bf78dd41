// Review before publish (issue 15): the moderators' queue and their decision. A decision is one
// transaction with the document's new status, the review record, the audit entry and the
// uploader's notification; a rejection is mailed too, after commit.
import type { Actor, AppDeps } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { conflict, notFound } from '../errors.js';
import { invalidateDocument } from '../cache/invalidation.js';
import { findDocumentById } from '../documents/documents.repo.js';
import { presentDocument } from '../documents/documents.present.js';
import type { Document } from '../documents/documents.schemas.js';
import { listPageRows } from '../documents/page-preview.repo.js';
import { pageImageUrl } from '../documents/page-urls.js';
import { contractStatus } from '../documents/visibility.js';
import { mailNotice } from '../notifications/notice-mail.js';
import { notify, type NotifyInput } from '../notifications/notifications.service.js';
import { insertAuditEntry } from '../support/audit.repo.js';
import { findDocumentCopies } from '../support/takedowns.service.js';
import { rejectionText, REJECT_REASON_WORDS } from './review-policy.js';
import type { ReviewBody } from './reviews.schemas.js';
import {
  countDocumentsOfUploaderByStatus,
  countReviewQueue,
  findReviewHold,
  insertReview,
  listOtherDocumentsOfUploader,
  listRejectionsOfUploader,
  listReviewQueue,
  listTakedownsOfUploader,
  lockDocumentForReview,
  returnRejectedToReviewQueue,
  setReviewOutcome,
  type QueuedDocumentRow,
} from './reviews.repo.js';

type Deps = Pick<AppDeps, 'db' | 'views'>;
type DecideDeps = Deps & Pick<AppDeps, 'clock' | 'mailer' | 'log' | 'config' | 'invalidations'>;

/** Pages of each queued document shown to the moderator (the rest: its document page). */
const PREVIEW_PAGES = 3;
const HISTORY_LIMIT = 10;

/** One queued document with what the moderator decides on. */
async function queueItem(deps: Deps, row: QueuedDocumentRow) {
  const db = deps.db.pool;
  const [hold, copies, pages, counts, others, rejections, takedowns] = await Promise.all([
    findReviewHold(db, row.id),
    findDocumentCopies(deps, row.id),
    listPageRows(db, row.id, PREVIEW_PAGES),
    countDocumentsOfUploaderByStatus(db, row.uploaderId),
    listOtherDocumentsOfUploader(db, row.uploaderId, row.id, HISTORY_LIMIT),
    listRejectionsOfUploader(db, row.uploaderId, HISTORY_LIMIT),
    listTakedownsOfUploader(db, row.uploaderId, HISTORY_LIMIT),
  ]);
  const copy = (match: 'same_file' | 'near_text') => (c: (typeof copies.sameFile)[number]) => ({
    id: c.id,
    title: c.title,
    uploader: { id: c.uploaderId, displayName: c.uploaderName },
    status: c.takenDown ? 'taken_down' : c.status,
    deleted: c.deleted,
    match,
    distance: c.distance,
  });
  return {
    document: presentDocument(row, deps.views.unsaved(row.id)),
    queuedAt: row.queuedAt.toISOString(),
    // Held whatever REVIEW_MODE says: a copy of another user's document, or of a rejected one; the original named.
    heldAsCopy: hold
      ? {
          reason: hold.reason,
          original: {
            id: hold.original.id,
            title: hold.original.title,
            uploader: { id: hold.original.uploaderId, displayName: hold.original.uploaderName },
            status: hold.original.takenDown ? 'taken_down' : hold.original.status,
            deleted: hold.original.deleted,
          },
        }
      : null,
    possibleCopies: [...copies.sameFile.map(copy('same_file')), ...copies.nearText.map(copy('near_text'))],
    pages: pages.map((p) => ({ number: p.number, width: p.width, height: p.height, imageUrl: pageImageUrl(row.id, p.number, row.renderVersion) })),
    uploaderHistory: {
      documents: counts,
      otherDocuments: others.map((d) => ({ id: d.id, title: d.title, status: d.status, deleted: d.deleted, uploadedAt: d.createdAt.toISOString() })),
      rejections: rejections.map((r) => ({ documentId: r.documentId, title: r.title, reason: r.reason, note: r.note, decidedAt: r.decidedAt.toISOString() })),
      takedowns: takedowns.map((t) => ({ documentId: t.documentId, title: t.title, note: t.note, at: t.at.toISOString() })),
    },
  };
}

export type ReviewQueueItem = Awaited<ReturnType<typeof queueItem>>;

/** The queue, oldest first, with possible copies, first pages and the uploader's history (admins). */
export async function getReviewQueue(deps: Deps, query: { limit: number }): Promise<{ items: ReviewQueueItem[]; total: number }> {
  const [rows, total] = await Promise.all([listReviewQueue(deps.db.pool, query.limit), countReviewQueue(deps.db.pool)]);
  // One item at a time: each reads several small queries, and the pool is shared with readers.
  const items: ReviewQueueItem[] = [];
  for (const row of rows) items.push(await queueItem(deps, row));
  return { items, total };
}

/**
 * Admin: approves (published) or rejects (with a reason) a document waiting for review. The row
 * is locked first, so of concurrent decisions one wins and the others get 409, as does a decision
 * on a document that is not pending. 404 for no such (or a deleted) document.
 */
export async function decideReview(deps: DecideDeps, admin: Actor, id: number, body: ReviewBody): Promise<{ document: Document }> {
  const now = deps.clock.now();
  const approve = body.decision === 'approve';
  const notice = await withTransaction(deps.db.pool, async (tx): Promise<NotifyInput> => {
    const doc = await lockDocumentForReview(tx, id);
    if (!doc || doc.deletedAt) throw notFound('文档');
    if (doc.status !== 'pending_review' || doc.takenDownAt) {
      throw conflict('该文档不在待审核状态，可能已被处理 (the document is not pending review)', { status: contractStatus(doc) });
    }
    const reason = approve ? null : body.reason!;
    const failureReason = reason ? rejectionText(reason, body.note) : null;
    await setReviewOutcome(tx, id, { status: approve ? 'ready' : 'rejected', failureReason }); // the row is locked and pending (above)
    await insertReview(tx, { documentId: id, adminId: admin.userId, decision: body.decision, reason, note: body.note, now });
    await insertAuditEntry(tx, {
      adminId: admin.userId,
      action: approve ? 'document.review_approve' : 'document.review_reject',
      targetType: 'document',
      targetId: id,
      details: { uploaderId: doc.uploaderId, reason, note: body.note },
      now,
    });
    const input: NotifyInput = approve
      ? { userId: doc.uploaderId, kind: 'review_approved', title: `您的文档《${doc.title}》已通过审核`, body: body.note || '文档已公开发布，其他用户现在可以搜索、预览和下载。', link: `/doc/${id}` }
      : {
          userId: doc.uploaderId,
          kind: 'review_rejected',
          title: `您的文档《${doc.title}》未通过审核`,
          body: `原因：${REJECT_REASON_WORDS[reason!]}${body.note ? `（${body.note}）` : ''}。修改文档信息后会重新提交审核；如有异议，可在文档页提交申诉。`,
          link: `/doc/${id}`,
        };
    await notify(tx, input);
    return input;
  });
  await invalidateDocument(deps, id); // published: it appears in listings on every node
  if (!approve) await mailNotice(deps, notice.userId, notice);
  return { document: presentDocument((await findDocumentById(deps.db.pool, id))!, deps.views.unsaved(id)) };
}

/**
 * Admin: puts a rejected document back into the queue (an appeal found a case), audited. 409 when
 * it is not rejected, 404 for no such (or a deleted) document. The next decision tells the uploader.
 */
export async function requeueRejected(deps: Pick<AppDeps, 'db' | 'views' | 'clock' | 'invalidations'>, admin: Actor, id: number): Promise<{ document: Document }> {
  const now = deps.clock.now();
  await withTransaction(deps.db.pool, async (tx) => {
    const doc = await lockDocumentForReview(tx, id);
    if (!doc || doc.deletedAt) throw notFound('文档');
    if (doc.takenDownAt || !(await returnRejectedToReviewQueue(tx, id))) {
      throw conflict('只有未通过审核的文档可以重新提交审核 (only a rejected document can be queued again)', { status: contractStatus(doc) });
    }
    await insertAuditEntry(tx, { adminId: admin.userId, action: 'document.review_requeue', targetType: 'document', targetId: id, details: { uploaderId: doc.uploaderId }, now });
  });
  await invalidateDocument(deps, id);
  return { document: presentDocument((await findDocumentById(deps.db.pool, id))!, deps.views.unsaved(id)) };
}
