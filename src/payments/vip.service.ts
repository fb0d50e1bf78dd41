// VIP membership (会员), without the dark patterns: bought from the wallet with a confirmation,
// never renewed by itself, a reminder three days before the end, one-click cancel refunding the
// unused whole days. Members download paid documents within a daily quota (days in TIMEZONE);
// each such download is a purchase whose author is paid from the platform (sponsored-purchases)
// the share of the download's fee, never more than the membership paid (vip-terms.ts).
import type { PoolClient } from 'pg';
import type { Actor, AppDeps } from '../deps.js';
import type { VipPlan } from '../config.js';
import { withTransaction } from '../db/transaction.js';
import { conflict, notFound } from '../errors.js';
import { notify } from '../notifications/notifications.service.js';
import { creditUser, insufficientFunds, lockUserAccounts, postTransaction } from './ledger.service.js';
import { findPaidPurchase, type PurchaseRow } from './purchases.repo.js';
import { confirmationRequired } from './purchases.service.js';
import type { SaleDocumentRow } from './sale-documents.repo.js';
import { recordSponsoredPurchase } from './sponsored-purchases.service.js';
import { claimDueReminders, countVipDownloadsOnDay, insertVipPeriod, listLivePeriods, markPeriodCancelled, sumPeriodUsage, type VipPeriodRow } from './vip.repo.js';
import { cancelRefundCents, memberDownloadFeeCents, memberDownloadsLeft } from './vip-terms.js';
import type { Queryable } from '../db/pool.js';
import { findOfferedPlan, listOfferedPlans } from './vip-plans.service.js';
import { getUserBalanceCents } from './wallet-accounts.repo.js';
import { calendarDay } from '../../public/js/format.js';

type Deps = Pick<AppDeps, 'config' | 'db' | 'clock'>;

const DAY_MS = 24 * 3600 * 1000;
export const REMINDER_BEFORE_MS = 3 * DAY_MS;

export interface VipStatus {
  until: string;
  downloadsLeftToday: number;
}

export async function listVipPlans(deps: Deps): Promise<{ items: VipPlan[] }> {
  return { items: await listOfferedPlans(deps) };
}

function currentPeriod(periods: readonly VipPeriodRow[], now: Date): VipPeriodRow | null {
  return periods.find((p) => p.startsAt <= now && p.endsAt > now) ?? null;
}

/** A member's current period and what it has left today; null for non-members. */
export interface MemberQuota {
  period: VipPeriodRow;
  downloadsLeftToday: number;
}

/**
 * The member's quota now (memberDownloadsLeft over today's and the period's live downloads), read
 * with `db` (the caller's transaction, after it locked the buyer's accounts, when it will spend it).
 */
export async function memberQuotaOf(deps: Pick<AppDeps, 'config'>, db: Queryable, userId: number, now: Date): Promise<MemberQuota | null> {
  const period = currentPeriod(await listLivePeriods(db, userId, now), now);
  if (!period) return null;
  const [today, usage] = await Promise.all([
    countVipDownloadsOnDay(db, userId, calendarDay(now, deps.config.timezone)),
    sumPeriodUsage(db, [period.id]),
  ]);
  return { period, downloadsLeftToday: memberDownloadsLeft(period, { today, inPeriod: usage.get(period.id)?.downloads ?? 0 }) };
}

/** The member's status for GET /me: the end of the last period and today's downloads left; null for non-members. */
export async function getVipStatus(deps: Deps, userId: number): Promise<VipStatus | null> {
  const now = deps.clock.now();
  const periods = await listLivePeriods(deps.db.pool, userId, now);
  if (!currentPeriod(periods, now)) return null;
  const quota = await memberQuotaOf(deps, deps.db.pool, userId, now);
  return { until: periods[periods.length - 1]!.endsAt.toISOString(), downloadsLeftToday: quota?.downloadsLeftToday ?? 0 };
}

/**
 * Buys a plan from the wallet: 428 without confirm, 404 unknown or retired plan, 409 when
 * `expectedPriceCents` (the price the buyer was shown) is not the plan's price now, 402 when
 * short. A period bought while one runs starts where the last one ends. One transaction
 * (wallet → platform); the period keeps the plan's terms as bought.
 */
export async function purchaseVip(
  deps: Deps,
  actor: Actor,
  input: { planId: string; confirm?: unknown; expectedPriceCents?: number },
): Promise<{ period: VipPeriodView; vip: VipStatus; wallet: { balanceCents: number } }> {
  if (input.confirm !== true) throw confirmationRequired('开通会员');
  const plan = await findOfferedPlan(deps, input.planId);
  if (!plan) throw notFound('会员套餐');
  if (input.expectedPriceCents !== undefined && input.expectedPriceCents !== plan.priceCents) {
    throw conflict('套餐价格已变更，请确认新价格后再开通 (plan price changed)', { reason: 'price_changed', priceCents: plan.priceCents });
  }
  const period = await withTransaction(deps.db.pool, async (tx) => {
    const now = deps.clock.now();
    const accounts = await lockUserAccounts(tx, [actor.userId]);
    const me = accounts.get(actor.userId)!;
    if (me.wallet.balanceCents < plan.priceCents) throw insufficientFunds();
    const live = await listLivePeriods(tx, actor.userId, now, true);
    const startsAt = live.length ? live[live.length - 1]!.endsAt : now;
    const { transactionId } = await postTransaction(tx, accounts, {
      kind: 'vip_purchase',
      reference: `vip:${plan.id}`,
      entries: [
        { accountId: me.wallet.id, amountCents: -plan.priceCents, kind: 'vip_purchase' },
        { systemAccount: 'platform_revenue', amountCents: plan.priceCents, kind: 'vip_fee' },
      ],
    });
    return insertVipPeriod(tx, {
      userId: actor.userId,
      planId: plan.id,
      planName: plan.name,
      days: plan.days,
      priceCents: plan.priceCents,
      downloadsPerDay: plan.downloadsPerDay,
      startsAt,
      endsAt: new Date(startsAt.getTime() + plan.days * DAY_MS),
      ledgerTransactionId: transactionId,
    });
  });
  const [vip, balanceCents] = await Promise.all([getVipStatus(deps, actor.userId), getUserBalanceCents(deps.db.pool, actor.userId)]);
  return { period: presentPeriod(period), vip: vip!, wallet: { balanceCents } };
}

export interface VipPeriodView {
  id: number;
  planId: string;
  planName: string;
  days: number;
  priceCents: number;
  downloadsPerDay: number;
  startsAt: string;
  endsAt: string;
}

const presentPeriod = (p: VipPeriodRow): VipPeriodView => ({
  id: p.id,
  planId: p.planId,
  planName: p.planName,
  days: p.days,
  priceCents: p.priceCents,
  downloadsPerDay: p.downloadsPerDay,
  startsAt: p.startsAt.toISOString(),
  endsAt: p.endsAt.toISOString(),
});

/**
 * What a cancel would give back now, per live period (vip-terms.ts cancelRefundCents: the unused
 * whole days, never more than the price less the fees of the period's live downloads).
 */
export async function cancelRefunds(db: Queryable, periods: readonly VipPeriodRow[], now: Date): Promise<Array<{ period: VipPeriodRow; cents: number }>> {
  const usage = await sumPeriodUsage(db, periods.map((p) => p.id));
  return periods.map((p) => ({ period: p, cents: cancelRefundCents(p, now, usage.get(p.id)?.feesCents ?? 0) }));
}

/**
 * One-click cancel: membership ends now; the unused whole days of every live period come back to
 * the wallet from the platform's revenue, in one transaction. Not a member → 409.
 */
export async function cancelVip(deps: Deps, actor: Actor): Promise<{ refundCents: number; wallet: { balanceCents: number } }> {
  const refundCents = await withTransaction(deps.db.pool, async (tx) => {
    const now = deps.clock.now();
    const accounts = await lockUserAccounts(tx, [actor.userId]);
    const live = await listLivePeriods(tx, actor.userId, now, true);
    if (live.length === 0) throw conflict('您当前不是会员 (no active membership)', { reason: 'not_a_member' });
    // The buyer's accounts are locked: no member download of these periods can commit meanwhile.
    const refunds = await cancelRefunds(tx, live, now);
    const total = refunds.reduce((sum, r) => sum + r.cents, 0);
    let transactionId: number | null = null;
    if (total > 0) {
      ({ transactionId } = await postTransaction(tx, accounts, {
        kind: 'vip_refund',
        reference: `vip-cancel:${actor.userId}`,
        entries: [
          { systemAccount: 'platform_revenue', amountCents: -total, kind: 'vip_fee_refund' },
          ...creditUser(accounts.get(actor.userId)!, total, 'vip_refund'),
        ],
      }));
    }
    for (const r of refunds) await markPeriodCancelled(tx, r.period.id, { at: now, refundCents: r.cents, refundTransactionId: transactionId });
    return total;
  });
  return { refundCents, wallet: { balanceCents: await getUserBalanceCents(deps.db.pool, actor.userId) } };
}

/**
 * A member's download of a paid document they have not bought: within today's quota it becomes a
 * purchase paid by the membership, its author paid the share of the download's fee
 * (vip-terms.ts). Returns the purchase (an existing one if they have it), or null when not a
 * member or the quota is used up. One transaction; the buyer's accounts are locked first, so
 * concurrent downloads (and a cancel) never pass the quota or the period's fees.
 */
export async function downloadAsMember(deps: Deps, actor: Actor, doc: SaleDocumentRow): Promise<PurchaseRow | null> {
  const now = deps.clock.now();
  return withTransaction(deps.db.pool, async (tx: PoolClient) => {
    const accounts = await lockUserAccounts(tx, [actor.userId, doc.uploaderId]);
    const existing = await findPaidPurchase(tx, actor.userId, doc.id);
    if (existing) return existing;
    const quota = await memberQuotaOf(deps, tx, actor.userId, now);
    if (!quota || quota.downloadsLeftToday === 0) return null;
    const { period } = quota;
    return recordSponsoredPurchase(deps, tx, accounts, {
      buyerId: actor.userId,
      doc,
      by: { paidWith: 'vip', vipPeriodId: period.id, quotaDay: calendarDay(now, deps.config.timezone), memberFeeCents: memberDownloadFeeCents(period, doc.priceCents) },
    });
  });
}

/**
 * Sends the reminder to every member whose membership ends within 3 days, once per end date
 * (buying more moves the end and a new reminder comes before it). Returns how many were sent.
 */
export async function sendVipReminders(deps: Deps): Promise<number> {
  return withTransaction(deps.db.pool, async (tx) => {
    const now = deps.clock.now();
    const due = await claimDueReminders(tx, now, new Date(now.getTime() + REMINDER_BEFORE_MS));
    const format = new Intl.DateTimeFormat('zh-CN', { timeZone: deps.config.timezone, dateStyle: 'long', timeStyle: 'short' });
    for (const d of due) {
      await notify(tx, {
        userId: d.userId,
        kind: 'vip_expiring',
        title: '会员即将到期',
        body: `您的会员将于 ${format.format(d.endsAt)} 到期。会员不会自动续费，到期后如需继续使用，请在会员页手动开通。`,
        link: '/vip',
      });
    }
    return due.length;
  });
}

/** Runs sendVipReminders now and then every `everyMs`; returns a stop function. */
export function startVipReminders(deps: Deps & Pick<AppDeps, 'log'>, everyMs = 3600_000): () => void {
  const run = () => void sendVipReminders(deps).catch((err: unknown) => deps.log.error({ err }, 'vip reminders failed'));
  run();
  const timer = setInterval(run, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
