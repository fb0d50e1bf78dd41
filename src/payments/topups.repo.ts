// SQL for top-up orders.
import type { Queryable } from '../db/pool.js';

export type TopupMethod = 'dev' | 'alipay' | 'wechat';
/** Which of the provider's flows an order offers: a QR code to scan, or a link that opens the provider's app on a phone. */
export type TopupDevice = 'desktop' | 'mobile';
export type TopupStatus = 'pending' | 'paid' | 'failed' | 'cancelled';

export interface TopupOrderRow {
  id: number;
  userId: number;
  amountCents: number;
  status: TopupStatus;
  providerRef: string | null;
  method: TopupMethod;
  device: TopupDevice;
  /** A URL the buyer opens to pay: Alipay's signed page-pay or wap-pay URL, WeChat's h5_url; null otherwise. */
  providerUrl: string | null;
  /** What the QR code carries: Alipay's precreate qr_code or WeChat's code_url, once the provider's order exists. */
  providerQr: string | null;
  createdAt: Date;
  paidAt: Date | null;
}

const COLUMNS = `id, user_id AS "userId", amount_cents AS "amountCents", status, provider_ref AS "providerRef",
  method, device, provider_url AS "providerUrl", provider_qr AS "providerQr", created_at AS "createdAt", paid_at AS "paidAt"`;

export async function insertTopupOrder(
  db: Queryable,
  order: { userId: number; amountCents: number; method?: TopupMethod; device?: TopupDevice },
): Promise<TopupOrderRow> {
  const { rows } = await db.query<TopupOrderRow>(
    `INSERT INTO topup_orders (user_id, amount_cents, method, device) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
    [order.userId, order.amountCents, order.method ?? 'dev', order.device ?? 'desktop'],
  );
  return rows[0]!;
}

/** Stores how the buyer pays a provider order: the URL to open and what its QR code carries. */
export async function setTopupProviderLinks(
  db: Queryable,
  id: number,
  links: { url: string | null; qr: string | null },
): Promise<TopupOrderRow> {
  const { rows } = await db.query<TopupOrderRow>(
    `UPDATE topup_orders SET provider_url = $2, provider_qr = $3 WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, links.url, links.qr],
  );
  return rows[0]!;
}

/** Locks the order for the rest of the caller's transaction (webhook handling). */
export async function lockTopupOrder(db: Queryable, id: number): Promise<TopupOrderRow | null> {
  const { rows } = await db.query<TopupOrderRow>(`SELECT ${COLUMNS} FROM topup_orders WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] ?? null;
}

/** Locks the user's own order (a cancel); another's or an unknown one → null. */
export async function lockTopupOrderOfUser(db: Queryable, id: number, userId: number): Promise<TopupOrderRow | null> {
  const { rows } = await db.query<TopupOrderRow>(`SELECT ${COLUMNS} FROM topup_orders WHERE id = $1 AND user_id = $2 FOR UPDATE`, [id, userId]);
  return rows[0] ?? null;
}

/** The user's most recent orders, newest first (the wallet page). */
export async function listRecentTopupOrders(db: Queryable, userId: number, limit: number): Promise<TopupOrderRow[]> {
  const { rows } = await db.query<TopupOrderRow>(`SELECT ${COLUMNS} FROM topup_orders WHERE user_id = $1 ORDER BY id DESC LIMIT $2`, [userId, limit]);
  return rows;
}

/** A pending order given up by its owner; the caller holds the row lock. */
export async function markTopupCancelled(db: Queryable, id: number): Promise<TopupOrderRow> {
  const { rows } = await db.query<TopupOrderRow>(
    `UPDATE topup_orders SET status = 'cancelled', cancelled_at = now() WHERE id = $1 AND status = 'pending' RETURNING ${COLUMNS}`,
    [id],
  );
  return rows[0]!;
}

/** The order when it belongs to the user, else null. */
export async function findTopupOrderOfUser(db: Queryable, id: number, userId: number): Promise<TopupOrderRow | null> {
  const { rows } = await db.query<TopupOrderRow>(`SELECT ${COLUMNS} FROM topup_orders WHERE id = $1 AND user_id = $2`, [
    id,
    userId,
  ]);
  return rows[0] ?? null;
}

/** Throws a unique violation on topup_orders_provider_ref_key when another order has the reference. */
export async function markTopupPaid(
  db: Queryable,
  id: number,
  paid: { providerRef: string; ledgerTransactionId: number },
): Promise<TopupOrderRow> {
  const { rows } = await db.query<TopupOrderRow>(
    `UPDATE topup_orders SET status = 'paid', provider_ref = $2, ledger_transaction_id = $3, paid_at = now(), failed_at = NULL
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, paid.providerRef, paid.ledgerTransactionId],
  );
  return rows[0]!;
}

export async function markTopupFailed(db: Queryable, id: number): Promise<TopupOrderRow> {
  const { rows } = await db.query<TopupOrderRow>(
    `UPDATE topup_orders SET status = 'failed', failed_at = now() WHERE id = $1 AND status = 'pending' RETURNING ${COLUMNS}`,
    [id],
  );
  return rows[0]!;
}
