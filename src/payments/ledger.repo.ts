// SQL for the double-entry ledger. One exported function per query; first argument a pool or client.
import type { Queryable } from '../db/pool.js';
import type { EntryKind, TransactionKind } from './ledger-kinds.js';

export type AccountKind = 'wallet' | 'debt' | 'platform_revenue' | 'provider_clearing' | 'adjustments' | 'pending_payouts';
export type SystemAccountKind = Exclude<AccountKind, 'wallet' | 'debt'>;

/** A user's wallet or debt account with its cached balance. */
export interface AccountRow {
  id: number;
  kind: AccountKind;
  userId: number | null;
  balanceCents: number;
}

/** One entry of a posting: a user account by id, or a system account by kind. */
export type EntryInput = { amountCents: number; kind: EntryKind; documentId?: number | null } & (
  | { accountId: number }
  | { systemAccount: SystemAccountKind }
);

export interface UserEntryRow {
  id: number;
  amountCents: number;
  kind: EntryKind;
  createdAt: Date;
  documentId: number | null;
  accountKind: 'wallet' | 'debt';
  transactionKind: string;
}

const ACCOUNT_COLUMNS = `id, kind, user_id AS "userId", balance_cents AS "balanceCents"`;

/**
 * Locks the wallet and debt accounts of the given users FOR UPDATE in ascending id order, so two
 * transactions never wait on each other in a cycle. System accounts have no cached balance and
 * are never locked.
 */
export async function lockUserAccountRows(db: Queryable, userIds: readonly number[]): Promise<AccountRow[]> {
  const { rows } = await db.query<AccountRow>({
    name: 'ledger-lock-user-accounts',
    text: `SELECT ${ACCOUNT_COLUMNS} FROM ledger_accounts WHERE user_id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`,
    values: [userIds],
  });
  return rows;
}

export interface PostingRow {
  kind: TransactionKind;
  reference: string | null;
  note: string | null;
}

/** How many parameters postingCtes uses ($1 to $8); a statement's own parameters follow. */
export const POSTING_PARAMS = 8;

/**
 * The CTEs that write one posting: `t` the ledger transaction row (t.id), the entries (the
 * balance trigger checks them at the end of the statement), and `u` the user accounts' new cached
 * balances (u.id, u.balance_cents). System accounts named by kind are resolved here. A statement
 * built on them can insert rows that reference t.id, so a posting and the row it pays for are
 * written in one round trip. Overdrafts throw a check violation (ledger_accounts_wallet_nonnegative).
 */
export function postingCtes(posting: PostingRow, entries: readonly EntryInput[]): { sql: string; values: unknown[] } {
  return {
    sql: `WITH t AS (
       INSERT INTO ledger_transactions (kind, reference, note) VALUES ($1, $2, $3) RETURNING id),
     x AS (
       SELECT coalesce(x.account_id, s.id) AS account_id, x.amount_cents, x.kind, x.document_id
         FROM unnest($4::bigint[], $5::text[], $6::bigint[], $7::text[], $8::bigint[])
                AS x(account_id, system_kind, amount_cents, kind, document_id)
         LEFT JOIN ledger_accounts s ON s.kind = x.system_kind AND s.user_id IS NULL),
     e AS (
       INSERT INTO ledger_entries (transaction_id, account_id, amount_cents, kind, document_id)
       SELECT t.id, x.account_id, x.amount_cents, x.kind, x.document_id FROM t, x),
     d AS (
       SELECT account_id, sum(amount_cents)::bigint AS delta FROM x GROUP BY account_id),
     u AS (
       UPDATE ledger_accounts a SET balance_cents = a.balance_cents + d.delta
         FROM d WHERE a.id = d.account_id AND a.user_id IS NOT NULL
       RETURNING a.id, a.balance_cents)`,
    values: [
      posting.kind,
      posting.reference,
      posting.note,
      entries.map((x) => ('accountId' in x ? x.accountId : null)),
      entries.map((x) => ('systemAccount' in x ? x.systemAccount : null)),
      entries.map((x) => x.amountCents),
      entries.map((x) => x.kind),
      entries.map((x) => x.documentId ?? null),
    ],
  };
}

/** Writes one posting (postingCtes); returns the transaction id and the new user balances. */
export async function insertPosting(
  db: Queryable,
  posting: PostingRow,
  entries: readonly EntryInput[],
): Promise<{ transactionId: number; balances: Array<{ id: number; balanceCents: number }> }> {
  const ctes = postingCtes(posting, entries);
  // Named: a prepared statement per connection, planned once (planning it cost more than running it).
  const { rows } = await db.query<{ transactionId: number; id: number | null; balanceCents: number | null }>({
    name: 'ledger-insert-posting',
    text: `${ctes.sql}
     SELECT t.id AS "transactionId", u.id, u.balance_cents AS "balanceCents" FROM t LEFT JOIN u ON true`,
    values: ctes.values,
  });
  return {
    transactionId: rows[0]!.transactionId,
    balances: rows.flatMap((r) => (r.id === null ? [] : [{ id: r.id, balanceCents: r.balanceCents! }])),
  };
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
