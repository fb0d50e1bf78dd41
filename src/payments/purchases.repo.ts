// SQL for purchases and the reads built on them (my purchases, earnings).
import type { Queryable } from '../db/pool.js';
import { POSTING_PARAMS, postingCtes, type EntryInput, type PostingRow } from './ledger.repo.js';
import { contractStatusSql } from '../documents/visibility.js';
import { saleDocumentColumns, type SaleDocumentRow } from './sale-documents.repo.js';

export interface PurchaseRow {
  id: number;
  buyerId: number;
  documentId: number;
  priceCents: number;
  authorId: number;
  authorCents: number;
  referrerId: number | null;
  referrerCents: number;
  platformCents: number;
  status: 'paid' | 'refunded';
  ledgerTransactionId: number;
  refundTransactionId: number | null;
  refundedBy: number | null;
  refundNote: string | null;
  createdAt: Date;
  refundedAt: Date | null;
  /** wallet: bought; vip / coupon: a member's quota or a coupon paid (sponsored-purchases.service.ts). */
  paidWith: 'wallet' | 'vip' | 'coupon';
}

const columns = (t: string) => `${t}.id, ${t}.buyer_id AS "buyerId", ${t}.document_id AS "documentId",
  ${t}.price_cents AS "priceCents", ${t}.author_id AS "authorId", ${t}.author_cents AS "authorCents",
  ${t}.referrer_id AS "referrerId", ${t}.referrer_cents AS "referrerCents", ${t}.platform_cents AS "platformCents",
  ${t}.status, ${t}.ledger_transaction_id AS "ledgerTransactionId", ${t}.refund_transaction_id AS "refundTransactionId",
  ${t}.refunded_by AS "refundedBy", ${t}.refund_note AS "refundNote", ${t}.created_at AS "createdAt", ${t}.refunded_at AS "refundedAt",
  ${t}.paid_with AS "paidWith"`;
const COLUMNS = columns('purchases');

export interface PurchaseCandidate {
  document: SaleDocumentRow;
  /** The buyer's live purchase of it, as the statement's snapshot saw it. */
  paidPurchaseId: number | null;
  /**
   * The first of: the user with the body's referral code when this buyer's recorded share-link visit
   * of this document names them (a code alone proves no visit), the cookie's user, the remembered visit.
   */
  referrerId: number | null;
}

/**
 * Everything a purchase reads before it locks wallets, in one round trip: the document,
 * share-locked so a takedown or price change waits for the purchase to commit; whether the buyer
 * already owns it; and the referrer candidates, in order of precedence.
 */
export async function lockDocumentForPurchase(
  db: Queryable,
  q: { documentId: number; buyerId: number; referralCode: string | null; cookieReferrerId: number | null; visitSince: Date },
): Promise<PurchaseCandidate | null> {
  const { rows } = await db.query<SaleDocumentRow & { paidPurchaseId: number | null; referrerId: number | null }>({
    name: 'purchases-lock-document',
    text: `SELECT ${saleDocumentColumns('d')},
            (SELECT p.id FROM purchases p WHERE p.buyer_id = $2 AND p.document_id = d.id AND p.status = 'paid') AS "paidPurchaseId",
            coalesce((SELECT v.referrer_id FROM referral_visits v JOIN users u ON u.id = v.referrer_id
                       WHERE u.referral_code = $3 AND v.user_id = $2 AND v.document_id = d.id AND v.created_at >= $5),
                     (SELECT u.id FROM users u WHERE u.id = $4),
                     (SELECT v.referrer_id FROM referral_visits v
                       WHERE v.user_id = $2 AND v.document_id = d.id AND v.created_at >= $5)) AS "referrerId"
       FROM documents d WHERE d.id = $1 FOR SHARE OF d`,
    values: [q.documentId, q.buyerId, q.referralCode, q.cookieReferrerId, q.visitSince],
  });
  const row = rows[0];
  if (!row) return null;
  const { paidPurchaseId, referrerId, ...document } = row;
  return { document, paidPurchaseId, referrerId };
}

export type NewPurchase = Pick<
  PurchaseRow,
  'buyerId' | 'documentId' | 'priceCents' | 'authorId' | 'authorCents' | 'referrerId' | 'referrerCents' | 'platformCents' | 'createdAt'
>;

/**
 * The purchase row and the ledger posting that pays for it, in one statement (one round trip).
 * Throws a unique violation on purchases_buyer_document_paid_key when a live purchase exists, and
 * the posting's check violation on an overdraft.
 */
export async function insertPurchaseWithPosting(
  db: Queryable,
  p: NewPurchase,
  posting: { posting: PostingRow; entries: readonly EntryInput[] },
): Promise<PurchaseRow> {
  const ctes = postingCtes(posting.posting, posting.entries);
  const $ = (i: number) => `$${POSTING_PARAMS + i}`;
  const { rows } = await db.query<PurchaseRow>({
    name: 'purchases-insert-with-posting',
    text: `${ctes.sql},
     p AS (
       INSERT INTO purchases (buyer_id, document_id, price_cents, author_id, author_cents, referrer_id, referrer_cents,
                              platform_cents, ledger_transaction_id, created_at)
       SELECT ${$(1)}, ${$(2)}, ${$(3)}, ${$(4)}, ${$(5)}, ${$(6)}, ${$(7)}, ${$(8)}, t.id, ${$(9)} FROM t
       RETURNING *)
     SELECT ${columns('p')} FROM p`,
    values: [...ctes.values, p.buyerId, p.documentId, p.priceCents, p.authorId, p.authorCents, p.referrerId, p.referrerCents, p.platformCents, p.createdAt],
  });
  return rows[0]!;
}

/** The buyer's live (paid, not refunded) purchase of the document, if any. */
export async function findPaidPurchase(db: Queryable, buyerId: number, documentId: number): Promise<PurchaseRow | null> {
  const { rows } = await db.query<PurchaseRow>(
    `SELECT ${COLUMNS} FROM purchases WHERE buyer_id = $1 AND document_id = $2 AND status = 'paid'`,
    [buyerId, documentId],
  );
  return rows[0] ?? null;
}

export async function findPurchaseById(db: Queryable, id: number): Promise<PurchaseRow | null> {
  const { rows } = await db.query<PurchaseRow>(`SELECT ${COLUMNS} FROM purchases WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** Locks the purchase row for the rest of the caller's transaction (refunds). */
export async function lockPurchase(db: Queryable, id: number): Promise<PurchaseRow | null> {
  const { rows } = await db.query<PurchaseRow>(`SELECT ${COLUMNS} FROM purchases WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] ?? null;
}

export async function markPurchaseRefunded(
  db: Queryable,
  id: number,
  refund: { refundTransactionId: number | null; refundedBy: number | null; note: string | null },
): Promise<PurchaseRow> {
  const { rows } = await db.query<PurchaseRow>(
    `UPDATE purchases SET status = 'refunded', refunded_at = now(), refund_transaction_id = $2, refunded_by = $3, refund_note = $4
      WHERE id = $1 AND status = 'paid' RETURNING ${COLUMNS}`,
    [id, refund.refundTransactionId, refund.refundedBy, refund.note],
  );
  return rows[0]!;
}

export interface BuyerPurchaseRow {
  purchase: PurchaseRow;
  document: { id: number; title: string; format: string; priceCents: number; status: string; originalFilename: string; sizeBytes: number };
}

/** The buyer's purchases with their documents, newest first. */
export async function listPurchasesOfBuyer(db: Queryable, buyerId: number, limit: number): Promise<BuyerPurchaseRow[]> {
  const { rows } = await db.query<PurchaseRow & { d: BuyerPurchaseRow['document'] }>(
    `SELECT ${columns('p')},
            json_build_object('id', d.id, 'title', d.title, 'format', d.format, 'priceCents', d.price_cents,
                              'status', ${contractStatusSql('d')}, 'originalFilename', d.original_filename, 'sizeBytes', d.size_bytes) AS d
       FROM purchases p JOIN documents d ON d.id = p.document_id
      WHERE p.buyer_id = $1 ORDER BY p.id DESC LIMIT $2`,
    [buyerId, limit],
  );
  return rows.map(({ d, ...purchase }) => ({ purchase, document: d }));
}

export interface EarningsRow {
  documentId: number;
  title: string;
  sales: number;
  earnedCents: number;
  refundedCents: number;
}

/** Per uploaded document: live sales, author shares earned, and the part reversed by refunds. */
export async function sumAuthorEarnings(db: Queryable, authorId: number): Promise<EarningsRow[]> {
  const { rows } = await db.query<EarningsRow>(
    `SELECT d.id AS "documentId", d.title,
            count(*) FILTER (WHERE p.status = 'paid')::int AS sales,
            sum(p.author_cents)::bigint AS "earnedCents",
            coalesce(sum(p.author_cents) FILTER (WHERE p.status = 'refunded'), 0)::bigint AS "refundedCents"
       FROM purchases p JOIN documents d ON d.id = p.document_id
      WHERE p.author_id = $1
      GROUP BY d.id, d.title
      ORDER BY d.id DESC`,
    [authorId],
  );
  return rows;
}

/** Referral shares the user keeps (refunded purchases excluded). */
export async function sumReferralEarnings(db: Queryable, referrerId: number): Promise<number> {
  const { rows } = await db.query<{ cents: number }>(
    `SELECT coalesce(sum(referrer_cents) FILTER (WHERE status = 'paid'), 0)::bigint AS cents FROM purchases WHERE referrer_id = $1`,
    [referrerId],
  );
  return rows[0]!.cents;
}

/**
 * Live (not refunded) purchases per document and calendar day in `timeZone`, from `since` on:
 * the studio's sales chart.
 */
export async function countDailySales(
  db: Queryable,
  documentIds: number[],
  since: Date,
  timeZone: string,
): Promise<Array<{ documentId: number; day: string; sales: number }>> {
  const { rows } = await db.query<{ documentId: number; day: string; sales: number }>(
    `SELECT document_id AS "documentId", (created_at AT TIME ZONE $3)::date::text AS day, count(*)::int AS sales
       FROM purchases
      WHERE document_id = ANY($1::bigint[]) AND created_at >= $2 AND status = 'paid'
      GROUP BY 1, 2`,
    [documentIds, since, timeZone],
  );
  return rows;
}
