// The wallet a user sees, and admin credits.
import type { Actor, AppDeps } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { notFound } from '../errors.js';
import { findUserById } from '../auth/users.repo.js';
import { listUserEntries } from './ledger.repo.js';
import { creditUser, lockUserAccounts, postTransaction } from './ledger.service.js';
import { getUserBalanceCents } from './wallet-accounts.repo.js';
import { withdrawableCents } from './payouts.service.js';
import { findDocumentTitles } from './sale-documents.repo.js';

type Deps = Pick<AppDeps, 'db'>;

export interface WalletEntryView {
  id: number;
  amountCents: number;
  kind: string;
  createdAt: string;
  documentId: number | null;
}

/** Chinese labels of entry kinds, for the wallet page. */
export const ENTRY_KIND_LABELS: Record<string, string> = {
  topup: '充值',
  purchase: '购买文档',
  sale: '文档销售收入',
  referral: '推荐收入',
  refund: '退款',
  sale_reversal: '销售收入冲回（退款）',
  referral_reversal: '推荐收入冲回（退款）',
  admin_credit: '平台补偿',
  payout: '提现',
  payout_return: '提现退回',
  vip_purchase: '开通会员',
  vip_refund: '会员退款（未使用天数）',
};

/** Balance (wallet + debt) and the user's entries, newest first; `nextCursor` pages on. */
export async function getWallet(
  deps: Deps,
  userId: number,
  page: { limit: number; cursor?: string },
): Promise<{ balanceCents: number; withdrawableCents: number; entries: WalletEntryView[]; nextCursor: string | null }> {
  const beforeId = page.cursor ? Number(page.cursor) : null;
  const [balanceCents, rows] = await Promise.all([
    getUserBalanceCents(deps.db.pool, userId),
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
  return { balanceCents, withdrawableCents: await withdrawableCents(deps.db.pool, userId, balanceCents), entries, nextCursor: more ? String(entries[entries.length - 1]!.id) : null };
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
