// Withdrawals (提现): only earned money leaves the site. A request moves the amount to the
// 'pending_payouts' system account in the transaction that records it; an admin approves (the
// amount goes on to 'provider_clearing', paid out by bank or Alipay) or rejects (it comes back).
// Each step is a balanced ledger posting, an audit entry, and (for decisions) a notification.
import type { Actor, AppDeps } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { conflict, notFound, validationFailed } from '../errors.js';
import { formatYuan } from '../../public/js/format.js';
import { insertAuditEntry } from '../support/audit.repo.js';
import { notify } from '../notifications/notifications.service.js';
import { mailNotice } from '../notifications/notice-mail.js';
import { creditUser, insufficientFunds, lockUserAccounts, postTransaction, type EntryInput } from './ledger.service.js';
import {
  insertPayout,
  listPayoutsByStatus,
  listPayoutsOfUser,
  lockPayout,
  readAccountPositions,
  updatePayoutDecision,
  type AccountPositionRow,
  type PayoutRow,
  type PayoutStatus,
} from './payouts.repo.js';
import type { Queryable } from '../db/pool.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'clock'>;
type DecideDeps = Deps & Pick<AppDeps, 'mailer' | 'log'>;

export interface PayoutAccount {
  method: 'alipay' | 'bank';
  name: string;
  number: string;
}

export interface AccountSettlement {
  balanceCents: number;
  /** Settled earned money not yet withdrawn, never more than the balance. */
  withdrawableCents: number;
  /** Shares of sales within PAYOUT_HOLD_DAYS: withdrawable once they settle. */
  pendingEarningsCents: number;
  /**
   * How far the account is from covering what it already asked to withdraw: refunds since (their
   * reversals) took its balance below zero or its settled earnings below its pending payouts.
   * A payout of an account short of anything is not approved (balance_negative).
   */
  shortCents: number;
}

/**
 * The one rule of what may be withdrawn: earned money (author and referral shares, less their
 * reversals and earlier payouts) that has settled (PAYOUT_HOLD_DAYS after the sale: the refund
 * window), and never more than the balance, so spent earnings and top-ups never leave the site.
 */
export function settlementOf(p: Omit<AccountPositionRow, 'userId'>): AccountSettlement {
  const settled = Math.min(p.balanceCents, p.earnedCents - p.pendingEarningsCents);
  return { balanceCents: p.balanceCents, withdrawableCents: Math.max(0, settled), pendingEarningsCents: p.pendingEarningsCents, shortCents: Math.max(0, -settled) };
}

/** settlementOf each user now (the clock's time less PAYOUT_HOLD_DAYS), read with `db`. */
export async function settlementsOf(deps: Pick<AppDeps, 'config' | 'clock'>, db: Queryable, userIds: readonly number[]): Promise<Map<number, AccountSettlement>> {
  const settledBefore = new Date(deps.clock.now().getTime() - deps.config.payoutHoldMs);
  const rows = await readAccountPositions(db, [...new Set(userIds)], settledBefore);
  return new Map(rows.map((r) => [r.userId, settlementOf(r)]));
}

/** settlementOf one user. */
export async function settlementOfUser(deps: Pick<AppDeps, 'config' | 'clock'>, db: Queryable, userId: number): Promise<AccountSettlement> {
  return (await settlementsOf(deps, db, [userId])).get(userId)!;
}

/** 138****5678-style: the first 3 and last 4 characters of the number; the name's first character. */
export function maskAccount(p: Pick<PayoutRow, 'method' | 'accountName' | 'accountNumber'>): PayoutAccount {
  const n = p.accountNumber;
  const number = n.length <= 7 ? `${n.slice(0, 1)}****${n.slice(-1)}` : `${n.slice(0, 3)}****${n.slice(-4)}`;
  const name = `${[...p.accountName][0] ?? ''}**`;
  return { method: p.method, name, number };
}

export function presentPayout(p: PayoutRow, options: { unmasked?: boolean } = {}) {
  return {
    id: p.id,
    amountCents: p.amountCents,
    status: p.status,
    createdAt: p.createdAt.toISOString(),
    decidedAt: p.decidedAt ? p.decidedAt.toISOString() : null,
    reference: p.reference,
    reason: p.reason,
    account: options.unmasked ? { method: p.method, name: p.accountName, number: p.accountNumber } : maskAccount(p),
    ...(options.unmasked ? { user: { id: p.userId, displayName: p.userName } } : {}),
  };
}

export async function requestPayout(deps: Deps, actor: Actor, input: { amountCents: number; account: PayoutAccount }) {
  if (input.amountCents < deps.config.payoutMinCents) {
    throw validationFailed(`提现金额不能低于 ${formatYuan(deps.config.payoutMinCents)} (below PAYOUT_MIN_CENTS)`, { minCents: deps.config.payoutMinCents });
  }
  const now = deps.clock.now();
  return withTransaction(deps.db.pool, async (tx) => {
    // The wallet lock serialises this user's requests: the sum below cannot change under us.
    const locked = await lockUserAccounts(tx, [actor.userId]);
    const acc = locked.get(actor.userId)!;
    if (input.amountCents > (await settlementOfUser(deps, tx, actor.userId)).withdrawableCents) throw insufficientFunds();
    const payout = await insertPayout(tx, { userId: actor.userId, amountCents: input.amountCents, method: input.account.method, accountName: input.account.name, accountNumber: input.account.number, now });
    await postTransaction(tx, locked, {
      kind: 'payout_request',
      reference: `payout:${payout.id}`,
      entries: [
        { accountId: acc.wallet.id, amountCents: -input.amountCents, kind: 'payout' },
        { systemAccount: 'pending_payouts', amountCents: input.amountCents, kind: 'payout' },
      ],
    });
    await insertAuditEntry(tx, { adminId: actor.userId, action: 'payout.request', targetType: 'payout', targetId: payout.id, details: { amountCents: input.amountCents, method: input.account.method }, now });
    const { balanceCents, withdrawableCents } = await settlementOfUser(deps, tx, actor.userId);
    return { payout: presentPayout(payout), wallet: { balanceCents, withdrawableCents } };
  });
}

/**
 * An approval re-checks the account: refunds since the request may have left it below zero, or
 * its settled earnings below what it asked to withdraw. Then 409 balance_negative, and the
 * payout stays pending for a rejection (which returns the amount).
 */
function assertApprovable(s: AccountSettlement): void {
  if (s.shortCents === 0) return;
  throw conflict(
    s.balanceCents < 0
      ? `该账户余额为负（-${formatYuan(-s.balanceCents)}），不能打款，请驳回 (the account is below zero)`
      : `该账户已结算的收入不足以支付此提现（缺 ${formatYuan(s.shortCents)}），不能打款，请驳回 (the payout exceeds what the account could withdraw now)`,
    { reason: 'balance_negative', balanceCents: s.balanceCents, withdrawableCents: s.withdrawableCents, shortCents: s.shortCents },
  );
}

export async function decidePayout(
  deps: DecideDeps,
  admin: Actor,
  id: number,
  decision: { approve: true; reference: string } | { approve: false; reason: string },
) {
  const now = deps.clock.now();
  const { result, notice } = await withTransaction(deps.db.pool, async (tx) => {
    const p = await lockPayout(tx, id);
    if (!p) throw notFound('提现申请');
    if (p.status !== 'pending') throw conflict('该提现申请已处理 (the payout was already decided)', { status: p.status });
    const locked = await lockUserAccounts(tx, [p.userId]);
    // The account is locked: no refund can change it between this check and the transfer.
    if (decision.approve) assertApprovable(await settlementOfUser(deps, tx, p.userId));
    const entries: EntryInput[] = decision.approve
      ? [
          { systemAccount: 'pending_payouts', amountCents: -p.amountCents, kind: 'payout_transfer' },
          { systemAccount: 'provider_clearing', amountCents: p.amountCents, kind: 'payout_transfer' },
        ]
      : [{ systemAccount: 'pending_payouts', amountCents: -p.amountCents, kind: 'payout_return' }, ...creditUser(locked.get(p.userId)!, p.amountCents, 'payout_return')];
    await postTransaction(tx, locked, { kind: decision.approve ? 'payout_approve' : 'payout_reject', reference: `payout:${p.id}`, entries });
    const decided = await updatePayoutDecision(tx, p.id, {
      status: decision.approve ? 'approved' : 'rejected',
      reference: decision.approve ? decision.reference : null,
      reason: decision.approve ? null : decision.reason,
      by: admin.userId,
      now,
    });
    await insertAuditEntry(tx, {
      adminId: admin.userId,
      action: decision.approve ? 'payout.approve' : 'payout.reject',
      targetType: 'payout',
      targetId: p.id,
      details: decision.approve ? { amountCents: p.amountCents, reference: decision.reference } : { amountCents: p.amountCents, reason: decision.reason },
      now,
    });
    const notice = decision.approve
      ? { userId: p.userId, kind: 'payout_approved', title: `提现 ${formatYuan(p.amountCents)} 已打款`, body: `转账流水号：${decision.reference}`, link: '/wallet' }
      : { userId: p.userId, kind: 'payout_rejected', title: `提现 ${formatYuan(p.amountCents)} 未通过`, body: `原因：${decision.reason}。金额已退回钱包。`, link: '/wallet' };
    await notify(tx, notice);
    return { result: { payout: presentPayout(decided, { unmasked: true }) }, notice };
  });
  await mailNotice(deps, notice.userId, notice);
  return result;
}

export async function listMyPayouts(deps: Pick<AppDeps, 'db'>, actor: Actor) {
  return { items: (await listPayoutsOfUser(deps.db.pool, actor.userId, 100)).map((p) => presentPayout(p)) };
}

/** The admins' queue; each item with its account's balance and withdrawable money now (and what it is short of). */
export async function listPayoutQueue(deps: Pick<AppDeps, 'db' | 'config' | 'clock'>, status: PayoutStatus | null) {
  const rows = await listPayoutsByStatus(deps.db.pool, status, 200);
  const accounts = await settlementsOf(deps, deps.db.pool, rows.map((p) => p.userId));
  return {
    items: rows.map((p) => {
      const { balanceCents, withdrawableCents, shortCents } = accounts.get(p.userId)!;
      return { ...presentPayout(p, { unmasked: true }), balanceCents, withdrawableCents, shortCents };
    }),
  };
}

