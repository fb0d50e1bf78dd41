// SQL for the double-entry ledger. One exported function per query; first argument a pool or client.
import type { Queryable } from '../db/pool.js';

export type AccountKind = 'wallet' | 'debt' | 'platform_revenue' | 'provider_clearing' | 'adjustments';
export type SystemAccountKind = Exclude<AccountKind, 'wallet' | 'debt'>;

export interface AccountRow {
  id: number;
  kind: AccountKind;
  userId: number | null;
  balanceCents: number;
}

export interface EntryInput {
  accountId: number;
  amountCents: number;
  kind: string;
  documentId?: number | null;
}

export interface UserEntryRow {
  id: number;
  amountCents: number;
  kind: string;
  createdAt: Date;
  documentId: number | null;
  accountKind: 'wallet' | 'debt';
  transactionKind: string;
}

const ACCOUNT_COLUMNS = `id, kind, user_id AS "userId", balance_cents AS "balanceCents"`;

/**
 * Locks the wallet and debt accounts of the given users FOR UPDATE in ascending id order, so two
 * transactions never wait on each other in a cycle. System accounts are not locked here: the
 * posting statement takes their row lock last, which keeps the hot platform row held only from
 * the posting to the commit.
 */
export async function lockUserAccountRows(db: Queryable, userIds: readonly number[]): Promise<AccountRow[]> {
  const { rows } = await db.query<AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE user_id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
    [userIds],
  );
  return rows;
}

/** Locks the user-owned accounts among `ids` (ascending id order); system accounts are skipped. */
export async function lockUserOwnedAccounts(db: Queryable, ids: readonly number[]): Promise<void> {
  await db.query(`SELECT id FROM ledger_accounts WHERE id = ANY($1::bigint[]) AND user_id IS NOT NULL ORDER BY id FOR UPDATE`, [ids]);
}

/** The system account of a kind (one per kind, created by the migrations). */
export async function findSystemAccount(db: Queryable, kind: SystemAccountKind): Promise<AccountRow> {
  const { rows } = await db.query<AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE kind = $1 AND user_id IS NULL`,
    [kind],
  );
  if (!rows[0]) throw new Error(`system ledger account ${kind} is missing`);
  return rows[0];
}

export async function insertLedgerTransaction(
  db: Queryable,
  tx: { kind: string; reference: string | null; note: string | null },
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO ledger_transactions (kind, reference, note) VALUES ($1, $2, $3) RETURNING id`,
    [tx.kind, tx.reference, tx.note],
  );
  return rows[0]!.id;
}

/**
 * One statement: all entries of a ledger transaction (the balance trigger checks them per
 * statement) and the cached balances. Returns the new balances of the accounts touched.
 * Throws a check violation (ledger_accounts_wallet_nonnegative, ...) on an overdraft.
 */
export async function insertEntriesAndBalances(
  db: Queryable,
  transactionId: number,
  entries: readonly EntryInput[],
): Promise<Array<{ id: number; balanceCents: number }>> {
  const { rows } = await db.query<{ id: number; balanceCents: number }>(
    `WITH e AS (
       INSERT INTO ledger_entries (transaction_id, account_id, amount_cents, kind, document_id)
       SELECT $1, x.account_id, x.amount_cents, x.kind, x.document_id
         FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::bigint[]) AS x(account_id, amount_cents, kind, document_id)),
     d AS (
       SELECT x.account_id, sum(x.amount_cents)::bigint AS delta
         FROM unnest($2::bigint[], $3::bigint[]) AS x(account_id, amount_cents) GROUP BY x.account_id)
     UPDATE ledger_accounts a SET balance_cents = a.balance_cents + d.delta
       FROM d WHERE a.id = d.account_id
     RETURNING a.id, a.balance_cents AS "balanceCents"`,
    [
      transactionId,
      entries.map((x) => x.accountId),
      entries.map((x) => x.amountCents),
      entries.map((x) => x.kind),
      entries.map((x) => x.documentId ?? null),
    ],
  );
  return rows;
}

/** A user's wallet and debt entries, newest first, before the entry id `beforeId` when given. */
export async function listUserEntries(
  db: Queryable,
  userId: number,
  page: { limit: number; beforeId: number | null },
): Promise<UserEntryRow[]> {
  const { rows } = await db.query<UserEntryRow>(
    `SELECT e.id, e.amount_cents AS "amountCents", e.kind, e.created_at AS "createdAt",
            e.document_id AS "documentId", a.kind AS "accountKind", t.kind AS "transactionKind"
       FROM ledger_entries e
       JOIN ledger_accounts a ON a.id = e.account_id
       JOIN ledger_transactions t ON t.id = e.transaction_id
      WHERE a.user_id = $1 AND ($2::bigint IS NULL OR e.id < $2)
      ORDER BY e.id DESC
      LIMIT $3`,
    [userId, page.beforeId, page.limit],
  );
  return rows;
}
