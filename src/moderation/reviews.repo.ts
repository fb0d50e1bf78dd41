// SQL of review before publish: the queue, the decision, the review history, and what the
// moderator sees of the uploader. The documents table is the documents feature's; these are the
// moderation feature's own reads and state changes of it.
import type { Queryable } from '../db/pool.js';
import { DOCUMENT_COLUMNS, type DocumentRow } from '../documents/documents.repo.js';
import { contractStatusSql, liveSql, type ContractStatus, type StoredStatus } from '../documents/visibility.js';
import type { RejectReason, UploaderTrust } from './review-policy.js';

/** A rejected document goes to the back of the queue again (after its uploader edited it). */
export async function returnRejectedToReviewQueue(db: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE documents SET status = 'pending_review', review_queued_at = now(), failure_reason = NULL, updated_at = now()
      WHERE id = $1 AND status = 'rejected'`,
    [id],
  );
  return (rowCount ?? 0) > 0;
}

/** What needsReview reads about the document's uploader; null when there is no such document. */
export async function findUploaderTrust(db: Queryable, documentId: number): Promise<UploaderTrust | null> {
  const { rows } = await db.query<UploaderTrust>(
    `SELECT u.role = 'admin' AS "isAdmin",
            (SELECT count(*)::int FROM documents o
              WHERE o.uploader_id = d.uploader_id AND o.id <> d.id AND o.status = 'ready' AND o.taken_down_at IS NULL) AS "publishedCount",
            EXISTS (SELECT 1 FROM document_reviews r WHERE r.document_id = d.id AND r.decision = 'reject') AS "rejectedBefore"
       FROM documents d JOIN users u ON u.id = d.uploader_id
      WHERE d.id = $1`,
    [documentId],
  );
  return rows[0] ?? null;
}

/** What the copy check reads about a converted document: its uploader and its bytes. */
export async function findCopyCheckFacts(db: Queryable, documentId: number): Promise<{ uploaderId: number; isAdmin: boolean; sha256: string } | null> {
  const { rows } = await db.query<{ uploaderId: number; isAdmin: boolean; sha256: string }>(
    `SELECT d.uploader_id AS "uploaderId", u.role = 'admin' AS "isAdmin", d.sha256
       FROM documents d JOIN users u ON u.id = d.uploader_id WHERE d.id = $1`,
    [documentId],
  );
  return rows[0] ?? null;
}

/** Why the document waits for review beyond REVIEW_MODE, and the original it copies (null: none). */
export async function saveReviewHold(db: Queryable, id: number, hold: { reason: 'near_copy' | 'rejected_copy'; copyOf: number } | null): Promise<void> {
  await db.query('UPDATE documents SET review_hold = $2, review_copy_of = $3 WHERE id = $1', [id, hold?.reason ?? null, hold?.copyOf ?? null]);
}

export interface ReviewHoldRow {
  reason: 'near_copy' | 'rejected_copy';
  original: { id: number; title: string; uploaderId: number; uploaderName: string; status: string; takenDown: boolean; deleted: boolean };
}

/** The hold of a queued document and the original it names, if it has one. */
export async function findReviewHold(db: Queryable, id: number): Promise<ReviewHoldRow | null> {
  const { rows } = await db.query<{ reason: ReviewHoldRow['reason'] } & ReviewHoldRow['original']>(
    `SELECT d.review_hold AS reason, o.id, o.title, o.uploader_id AS "uploaderId", u.display_name AS "uploaderName",
            o.status, o.taken_down_at IS NOT NULL AS "takenDown", o.deleted_at IS NOT NULL AS deleted
       FROM documents d JOIN documents o ON o.id = d.review_copy_of JOIN users u ON u.id = o.uploader_id
      WHERE d.id = $1 AND d.review_hold IS NOT NULL`,
    [id],
  );
  const r = rows[0];
  return r ? { reason: r.reason, original: { id: r.id, title: r.title, uploaderId: r.uploaderId, uploaderName: r.uploaderName, status: r.status, takenDown: r.takenDown, deleted: r.deleted } } : null;
}

export type QueuedDocumentRow = DocumentRow & { queuedAt: Date };

/** The live documents waiting for review, oldest in the queue first. */
export async function listReviewQueue(db: Queryable, limit: number): Promise<QueuedDocumentRow[]> {
  const { rows } = await db.query<QueuedDocumentRow>(
    `SELECT ${DOCUMENT_COLUMNS}, d.review_queued_at AS "queuedAt"
       FROM documents d JOIN users u ON u.id = d.uploader_id
      WHERE d.status = 'pending_review' AND ${liveSql('d')}
      ORDER BY d.review_queued_at, d.id
      LIMIT $1`,
    [limit],
  );
  return rows;
}

export async function countReviewQueue(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM documents d WHERE d.status = 'pending_review' AND ${liveSql('d')}`);
  return rows[0]!.n;
}

export interface ReviewTargetRow {
  id: number;
  uploaderId: number;
  title: string;
  status: StoredStatus;
  deletedAt: Date | null;
  takenDownAt: Date | null;
}

/** The document row locked for a decision, so concurrent decisions run one after another. */
export async function lockDocumentForReview(db: Queryable, id: number): Promise<ReviewTargetRow | null> {
  const { rows } = await db.query<ReviewTargetRow>(
    `SELECT id, uploader_id AS "uploaderId", title, status, deleted_at AS "deletedAt", taken_down_at AS "takenDownAt"
       FROM documents WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0] ?? null;
}

/** Publishes (ready) or rejects a pending document; false when it was no longer pending. */
export async function setReviewOutcome(db: Queryable, id: number, outcome: { status: 'ready' | 'rejected'; failureReason: string | null }): Promise<void> {
  await db.query(
    `UPDATE documents SET status = $2, failure_reason = $3, review_queued_at = NULL, updated_at = now()
      WHERE id = $1 AND status = 'pending_review'`,
    [id, outcome.status, outcome.failureReason],
  );
}

export async function insertReview(
  db: Queryable,
  r: { documentId: number; adminId: number; decision: 'approve' | 'reject'; reason: RejectReason | null; note: string; now: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO document_reviews (document_id, admin_id, decision, reason, note, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [r.documentId, r.adminId, r.decision, r.reason, r.note, r.now],
  );
}

export interface PastRejectionRow {
  documentId: number;
  title: string;
  reason: RejectReason;
  note: string;
  decidedAt: Date;
}

/** The uploader's rejected reviews (of any of their documents), newest first. */
export async function listRejectionsOfUploader(db: Queryable, uploaderId: number, limit: number): Promise<PastRejectionRow[]> {
  const { rows } = await db.query<PastRejectionRow>(
    `SELECT d.id AS "documentId", d.title, r.reason, r.note, r.created_at AS "decidedAt"
       FROM document_reviews r JOIN documents d ON d.id = r.document_id
      WHERE d.uploader_id = $1 AND r.decision = 'reject'
      ORDER BY r.id DESC LIMIT $2`,
    [uploaderId, limit],
  );
  return rows;
}

export interface PastTakedownRow {
  documentId: number;
  title: string;
  note: string;
  at: Date;
}

/** Takedowns of the uploader's documents, newest first. */
export async function listTakedownsOfUploader(db: Queryable, uploaderId: number, limit: number): Promise<PastTakedownRow[]> {
  const { rows } = await db.query<PastTakedownRow>(
    `SELECT d.id AS "documentId", d.title, coalesce(a.note, '') AS note, a.created_at AS at
       FROM takedown_actions a JOIN documents d ON d.id = a.document_id
      WHERE d.uploader_id = $1 AND a.action = 'takedown'
      ORDER BY a.id DESC LIMIT $2`,
    [uploaderId, limit],
  );
  return rows;
}

export interface UploaderDocumentRow {
  id: number;
  title: string;
  status: ContractStatus;
  deleted: boolean;
  createdAt: Date;
}

/** The uploader's other documents, newest first (deleted ones marked). */
export async function listOtherDocumentsOfUploader(db: Queryable, uploaderId: number, exceptId: number, limit: number): Promise<UploaderDocumentRow[]> {
  const { rows } = await db.query<UploaderDocumentRow>(
    `SELECT d.id, d.title, ${contractStatusSql('d')} AS status, d.deleted_at IS NOT NULL AS deleted, d.created_at AS "createdAt"
       FROM documents d WHERE d.uploader_id = $1 AND d.id <> $2
      ORDER BY d.id DESC LIMIT $3`,
    [uploaderId, exceptId, limit],
  );
  return rows;
}

/** How many documents the uploader has in each contract status (deleted ones left out). */
export async function countDocumentsOfUploaderByStatus(db: Queryable, uploaderId: number): Promise<Partial<Record<ContractStatus, number>>> {
  const { rows } = await db.query<{ status: ContractStatus; n: number }>(
    `SELECT ${contractStatusSql('d')} AS status, count(*)::int AS n FROM documents d
      WHERE d.uploader_id = $1 AND d.deleted_at IS NULL GROUP BY 1`,
    [uploaderId],
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}
