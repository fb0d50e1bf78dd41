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
 * Locks the given accounts FOR UPDATE in one fixed order (user accounts by id, then system
 * accounts by id), so that two transactions never wait on each other in a cycle, and the hot
 * system rows (platform revenue) are held for the shortest time. Returns them in that order.
 */
export async function lockAccounts(db: Queryable, ids: readonly number[]): Promise<AccountRow[]> {
  const { rows } = await db.query<AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE id = ANY($1::bigint[])
      ORDER BY (user_id IS NULL), id FOR UPDATE`,
    [ids],
  );
  return rows;
}

/** The wallet and debt accounts of each given user. */
export async function findUserAccounts(db: Queryable, userIds: readonly number[]): Promise<AccountRow[]> {
  const { rows } = await db.query<AccountRow>(
    `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE user_id = ANY($1::bigint[])`,
    [userIds],
  );
  return rows;
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

/** All entries of one ledger transaction in one statement (the balance trigger checks per statement). */
export async function insertLedgerEntries(db: Queryable, transactionId: number, entries: readonly EntryInput[]): Promise<void> {
  await db.query(
    `INSERT INTO ledger_entries (transaction_id, account_id, amount_cents, kind, document_id)
     SELECT $1, e.account_id, e.amount_cents, e.kind, e.document_id
       FROM unnest($2::bigint[], $3::bigint[], $4::text[], $5::bigint[])
         AS e(account_id, amount_cents, kind, document_id)`,
    [
      transactionId,
      entries.map((e) => e.accountId),
      entries.map((e) => e.amountCents),
      entries.map((e) => e.kind),
      entries.map((e) => e.documentId ?? null),
    ],
  );
}

/** Adds each delta to its account's cached balance; the CHECK constraints reject overdrafts. */
export async function addToBalances(
  db: Queryable,
  deltas: ReadonlyMap<number, number>,
): Promise<Array<{ id: number; balanceCents: number }>> {
  const { rows } = await db.query<{ id: number; balanceCents: number }>(
    `UPDATE ledger_accounts a SET balance_cents = a.balance_cents + d.delta
       FROM unnest($1::bigint[], $2::bigint[]) AS d(id, delta)
      WHERE a.id = d.id
  RETURNING a.id, a.balance_cents AS "balanceCents"`,
    [[...deltas.keys()], [...deltas.values()]],
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
