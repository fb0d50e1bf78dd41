// Read-only SQL over other features' tables (documents, purchases, download events) that the
// support desk needs: what a ticket may refer to, and what support sees about it.
import type { Queryable } from '../db/pool.js';
import { contractStatusSql, takenDownSql, visibleToSql, type ContractStatus } from '../documents/visibility.js';

export interface TicketDocumentRow {
  id: number;
  title: string;
  /** As the contract shows it: taken_down over the conversion's state. */
  status: ContractStatus;
  uploaderId: number;
  uploaderName: string;
  priceCents: number;
  format: string;
  sizeBytes: number;
  sha256: string;
  originalFilename: string;
  deletedAt: Date | null;
  takenDownAt: Date | null;
}

export interface SupportPurchaseRow {
  id: number;
  buyerId: number;
  buyerName: string;
  documentId: number;
  priceCents: number;
  authorCents: number;
  referrerCents: number;
  status: 'paid' | 'refunded';
  createdAt: Date;
  refundedAt: Date | null;
}

export interface DownloadEventRow {
  id: number;
  purchaseId: number | null;
  bytesSent: number;
  requests: number;
  completed: boolean;
  /** The front end sent the bytes: completed means handed over in full. */
  handedOff: boolean;
  createdAt: Date;
  completedAt: Date | null;
}

const SUPPORT_DOCUMENT_COLUMNS = `d.id, d.title, ${contractStatusSql('d')} AS status, d.uploader_id AS "uploaderId", u.display_name AS "uploaderName",
  d.price_cents AS "priceCents", d.format, d.size_bytes AS "sizeBytes", d.sha256,
  d.original_filename AS "originalFilename", d.deleted_at AS "deletedAt", d.taken_down_at AS "takenDownAt"`;

const PURCHASE_COLUMNS = `p.id, p.buyer_id AS "buyerId", u.display_name AS "buyerName", p.document_id AS "documentId",
  p.price_cents AS "priceCents", p.author_cents AS "authorCents", p.referrer_cents AS "referrerCents",
  p.status, p.created_at AS "createdAt", p.refunded_at AS "refundedAt"`;

/**
 * The document as a ticket's reporter may name it, or null (404, and no title on a page). The
 * documents API's rule (visibleToSql: admins everything, others listed documents and their own
 * live ones), widened by what support is for: a document the reporter bought (a refund even after
 * the uploader deleted it), their own taken-down document (the appeal), and, with
 * `category: 'copyright'`, another notice about a taken-down document (its title is still not
 * shown: the form and the ticket page ask without a category). Deleted, processing or failed
 * documents of others are never named.
 */
export async function findReportableDocument(
  db: Queryable,
  q: { documentId: number; reporterId: number | null; isAdmin: boolean; category: string | null },
): Promise<TicketDocumentRow | null> {
  const { rows } = await db.query<TicketDocumentRow>(
    `SELECT ${SUPPORT_DOCUMENT_COLUMNS} FROM documents d JOIN users u ON u.id = d.uploader_id
      WHERE d.id = $1
        AND (${visibleToSql('$2', '$3')}
             OR EXISTS (SELECT 1 FROM purchases p WHERE p.document_id = d.id AND p.buyer_id = $2)
             OR (d.uploader_id = $2 AND d.deleted_at IS NULL)
             OR ($4::text = 'copyright' AND d.deleted_at IS NULL AND ${takenDownSql('d')}))`,
    [q.documentId, q.reporterId, q.isAdmin, q.category],
  );
  return rows[0] ?? null;
}

/** A document as support sees it (any status). */
export async function findDocumentForSupport(db: Queryable, id: number): Promise<TicketDocumentRow | null> {
  const { rows } = await db.query<TicketDocumentRow>(
    `SELECT ${SUPPORT_DOCUMENT_COLUMNS} FROM documents d JOIN users u ON u.id = d.uploader_id WHERE d.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

/** The document row locked for the caller's transaction (takedown and restore). */
export async function lockDocumentForSupport(db: Queryable, id: number): Promise<TicketDocumentRow | null> {
  const { rows } = await db.query<TicketDocumentRow>(
    `SELECT ${SUPPORT_DOCUMENT_COLUMNS} FROM documents d JOIN users u ON u.id = d.uploader_id WHERE d.id = $1 FOR UPDATE OF d`,
    [id],
  );
  return rows[0] ?? null;
}

/** A purchase, only when `buyerId` bought it (else null, so someone else's is "not found"). */
export async function findPurchaseOfBuyer(db: Queryable, purchaseId: number, buyerId: number): Promise<SupportPurchaseRow | null> {
  const { rows } = await db.query<SupportPurchaseRow>(
    `SELECT ${PURCHASE_COLUMNS} FROM purchases p JOIN users u ON u.id = p.buyer_id WHERE p.id = $1 AND p.buyer_id = $2`,
    [purchaseId, buyerId],
  );
  return rows[0] ?? null;
}

export async function findPurchaseForSupport(db: Queryable, purchaseId: number): Promise<SupportPurchaseRow | null> {
  const { rows } = await db.query<SupportPurchaseRow>(
    `SELECT ${PURCHASE_COLUMNS} FROM purchases p JOIN users u ON u.id = p.buyer_id WHERE p.id = $1`,
    [purchaseId],
  );
  return rows[0] ?? null;
}

/** The buyer's purchases of one document, newest first (the ticket form offers them). */
export async function listPurchasesOfDocumentByBuyer(db: Queryable, buyerId: number, documentId: number): Promise<SupportPurchaseRow[]> {
  const { rows } = await db.query<SupportPurchaseRow>(
    `SELECT ${PURCHASE_COLUMNS} FROM purchases p JOIN users u ON u.id = p.buyer_id
      WHERE p.buyer_id = $1 AND p.document_id = $2 ORDER BY p.id DESC`,
    [buyerId, documentId],
  );
  return rows;
}

/**
 * Download links the buyer used for this document: those bound to the purchase, plus any of
 * theirs for the same document (links issued before the purchase, or as uploader/admin).
 */
export async function listDownloadEvents(
  db: Queryable,
  q: { purchaseId: number | null; userId: number; documentId: number },
): Promise<DownloadEventRow[]> {
  const { rows } = await db.query<DownloadEventRow>(
    `SELECT id, purchase_id AS "purchaseId", bytes_sent AS "bytesSent", requests, completed, handed_off AS "handedOff",
            created_at AS "createdAt", completed_at AS "completedAt"
       FROM download_events
      WHERE ($1::bigint IS NOT NULL AND purchase_id = $1) OR (user_id = $2 AND document_id = $3)
      ORDER BY id DESC
      LIMIT 200`,
    [q.purchaseId, q.userId, q.documentId],
  );
  return rows;
}
