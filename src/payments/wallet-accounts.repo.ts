// The user-facing side of ledger accounts: a wallet opened with each account, and the balance
// a user sees (spendable wallet plus any debt, which is zero or negative).
import type { Queryable } from '../db/pool.js';

/** Opens the user's wallet and debt accounts (idempotent). */
export async function openUserAccounts(db: Queryable, userId: number): Promise<void> {
  await db.query(
    `INSERT INTO ledger_accounts (kind, user_id) VALUES ('wallet', $1), ('debt', $1)
     ON CONFLICT (user_id, kind) WHERE user_id IS NOT NULL DO NOTHING`,
    [userId],
  );
}

/** Balance shown to the user: wallet + debt (negative only while a refund left them owing). */
export async function getUserBalanceCents(db: Queryable, userId: number): Promise<number> {
  const { rows } = await db.query<{ balance: number }>(
    `SELECT coalesce(sum(balance_cents), 0)::bigint AS balance FROM ledger_accounts WHERE user_id = $1`,
    [userId],
  );
  return rows[0]?.balance ?? 0;
}
