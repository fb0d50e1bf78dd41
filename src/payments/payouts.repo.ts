// SQL for withdrawals (提现). One exported function per query.
import type { Queryable } from '../db/pool.js';
import { EARNING_ENTRY_KINDS } from './ledger-kinds.js';

export type PayoutStatus = 'pending' | 'approved' | 'rejected';

export interface PayoutRow {
  id: number;
  userId: number;
  userName: string;
  amountCents: number;
  method: 'alipay' | 'bank';
  accountName: string;
  accountNumber: string;
  status: PayoutStatus;
  reference: string | null;
  reason: string | null;
  decidedAt: Date | null;
  createdAt: Date;
}

const COLUMNS = `p.id, p.user_id AS "userId", (SELECT u.display_name FROM users u WHERE u.id = p.user_id) AS "userName",
  p.amount_cents AS "amountCents", p.method, p.account_name AS "accountName", p.account_number AS "accountNumber",
  p.status, p.reference, p.reason, p.decided_at AS "decidedAt", p.created_at AS "createdAt"`;

export interface AccountPositionRow {
  userId: number;
  /** Wallet + debt: what the user sees (below zero while a refund left them owing). */
  balanceCents: number;
  /** Earned money not yet withdrawn: the sum of the user's earning entries (below zero after reversals). */
  earnedCents: number;
  /** Shares of the user's live sales (as author or referrer) made after `settledBefore`: not yet settled. */
  pendingEarningsCents: number;
}

/** Each user's balance, earned money and unsettled shares, in one round trip. */
export async function readAccountPositions(db: Queryable, userIds: readonly number[], settledBefore: Date): Promise<AccountPositionRow[]> {
  const { rows } = await db.query<AccountPositionRow>(
    `SELECT u.id AS "userId",
            (SELECT coalesce(sum(a.balance_cents), 0) FROM ledger_accounts a WHERE a.user_id = u.id)::bigint AS "balanceCents",
            (SELECT coalesce(sum(e.amount_cents), 0) FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
              WHERE a.user_id = u.id AND e.kind = ANY($2::text[]))::bigint AS "earnedCents",
            ((SELECT coalesce(sum(p.author_cents), 0) FROM purchases p
               WHERE p.author_id = u.id AND p.status = 'paid' AND p.created_at > $3)
             + (SELECT coalesce(sum(p.referrer_cents), 0) FROM purchases p
               WHERE p.referrer_id = u.id AND p.status = 'paid' AND p.created_at > $3))::bigint AS "pendingEarningsCents"
       FROM unnest($1::bigint[]) AS u(id)`,
    [userIds, EARNING_ENTRY_KINDS, settledBefore],
  );
  return rows.map((r) => ({ ...r, userId: Number(r.userId) }));
}

export async function insertPayout(
  db: Queryable,
  p: { userId: number; amountCents: number; method: string; accountName: string; accountNumber: string; now: Date },
): Promise<PayoutRow> {
  const { rows } = await db.query<PayoutRow>(
    `INSERT INTO payouts AS p (user_id, amount_cents, method, account_name, account_number, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${COLUMNS}`,
    [p.userId, p.amountCents, p.method, p.accountName, p.accountNumber, p.now],
  );
  return rows[0]!;
}

/** The payout, locked for the rest of the caller's transaction (serialises concurrent decisions). */
export async function lockPayout(db: Queryable, id: number): Promise<PayoutRow | null> {
  const { rows } = await db.query<PayoutRow>(`SELECT ${COLUMNS} FROM payouts p WHERE p.id = $1 FOR UPDATE`, [id]);
  return rows[0] ?? null;
}

export async function updatePayoutDecision(
  db: Queryable,
  id: number,
  d: { status: 'approved' | 'rejected'; reference: string | null; reason: string | null; by: number; now: Date },
): Promise<PayoutRow> {
  const { rows } = await db.query<PayoutRow>(
    `UPDATE payouts p SET status = $2, reference = $3, reason = $4, decided_by = $5, decided_at = $6
      WHERE p.id = $1 AND p.status = 'pending' RETURNING ${COLUMNS}`,
    [id, d.status, d.reference, d.reason, d.by, d.now],
  );
  return rows[0]!;
}

export async function listPayoutsOfUser(db: Queryable, userId: number, limit: number): Promise<PayoutRow[]> {
  const { rows } = await db.query<PayoutRow>(`SELECT ${COLUMNS} FROM payouts p WHERE p.user_id = $1 ORDER BY p.id DESC LIMIT $2`, [userId, limit]);
  return rows;
}

/** The admins' queue: oldest first, optionally one status. */
export async function listPayoutsByStatus(db: Queryable, status: PayoutStatus | null, limit: number): Promise<PayoutRow[]> {
  const { rows } = await db.query<PayoutRow>(
    `SELECT ${COLUMNS} FROM payouts p WHERE ($1::text IS NULL OR p.status = $1) ORDER BY p.id LIMIT $2`,
    [status, limit],
  );
  return rows;
}
