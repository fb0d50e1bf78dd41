// The wallet a user sees, and admin credits.
import type { Actor, AppDeps } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { notFound } from '../errors.js';
import { findUserById } from '../auth/users.repo.js';
import { listUserEntries } from './ledger.repo.js';
import { creditUser, lockUserAccounts, postTransaction } from './ledger.service.js';
import { getUserBalanceCents } from './wallet-accounts.repo.js';
import { settlementOfUser } from './payouts.service.js';
import { findDocumentTitles } from './sale-documents.repo.js';

type Deps = Pick<AppDeps, 'db'>;
type WalletDeps = Pick<AppDeps, 'db' | 'config' | 'clock'>;

export interface WalletEntryView {
  id: number;
  amountCents: number;
  kind: EntryKind;
  createdAt: string;
  documentId: number | null;
}

/** Chinese labels of entry kinds, for the wallet page (from the one list of kinds). */
export { ENTRY_KIND_LABELS } from './ledger-kinds.js';
import type { EntryKind } from './ledger-kinds.js';

/** Balance (wallet + debt) and the user's entries, newest first; `nextCursor` pages on. */
export async function getWallet(
  deps: WalletDeps,
  userId: number,
  page: { limit: number; cursor?: string },
): Promise<{ balanceCents: number; withdrawableCents: number; pendingEarningsCents: number; entries: WalletEntryView[]; nextCursor: string | null }> {
  const beforeId = page.cursor ? Number(page.cursor) : null;
  const [{ balanceCents, withdrawableCents, pendingEarningsCents }, rows] = await Promise.all([
    settlementOfUser(deps, deps.db.pool, userId),
    listUserEntries(deps.db.pool, userId, { limit: page.limit + 1, beforeId }),
  ]);
  const more = rows.length > page.limit;
  const entries = rows.slice(0, page.limit).map((r) => ({
    id: r.id,
    amountCents: r.amountCents,
    kind: r.kind,
    createdAt: r.createdAt.toISOString(),
    documentId: r.documentId,
  }));
  return { balanceCents, withdrawableCents, pendingEarningsCents, entries, nextCursor: more ? String(entries[entries.length - 1]!.id) : null };
}

/** The titles of the documents wallet entries name, for the wallet page. */
export async function entryDocumentTitles(deps: Deps, entries: readonly WalletEntryView[]): Promise<Map<number, string>> {
  return findDocumentTitles(deps.db.pool, [...new Set(entries.flatMap((e) => (e.documentId ? [e.documentId] : [])))]);
}

/**
 * Admin credit: one ledger transaction from the 'adjustments' system account to the user
 * (settling any debt first), with the reason as the transaction's note. Unknown user → 404.
 */
export async function creditWalletByAdmin(
  deps: Deps,
  admin: Actor,
  input: { userId: number; amountCents: number; reason: string },
): Promise<{ balanceCents: number; transactionId: number }> {
  return withTransaction(deps.db.pool, async (tx) => {
    if (!(await findUserById(tx, input.userId))) throw notFound('用户');
    const locked = await lockUserAccounts(tx, [input.userId]);
    const { transactionId } = await postTransaction(tx, locked, {
      kind: 'admin_credit',
      reference: `admin:${admin.userId}`,
      note: input.reason,
      entries: [
        { systemAccount: 'adjustments', amountCents: -input.amountCents, kind: 'admin_credit' },
        ...creditUser(locked.get(input.userId)!, input.amountCents, 'admin_credit'),
      ],
    });
    return { balanceCents: await getUserBalanceCents(tx, input.userId), transactionId };
  });
}
