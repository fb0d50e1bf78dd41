// What a membership period gives and what it pays authors: pure rules over the terms a period
// copied from its plan (days, price, downloads per day). One membership can never pay authors
// more than it collected: each download is worth at most the period's fee per download, a
// period gives at most days × downloadsPerDay downloads (calendar days in TIMEZONE can number one
// more than its days), and a cancel refunds at most the price less the fees of its downloads.
// vip-terms.test.ts proves it for any terms and prices.
import type { VipPeriodRow } from './vip.repo.js';

const DAY_MS = 24 * 3600 * 1000;

export type PeriodTerms = Pick<VipPeriodRow, 'days' | 'priceCents' | 'downloadsPerDay'>;

/** The most downloads one period gives, whatever days its time spans. */
export const periodDownloadCap = (p: PeriodTerms): number => p.days * p.downloadsPerDay;

/** The member's fee per download: the price ÷ (days × downloads per day), in whole cents (rounded down). */
export function memberFeePerDownloadCents(p: PeriodTerms): number {
  const cap = periodDownloadCap(p);
  return cap > 0 ? Math.floor(p.priceCents / cap) : 0;
}

/**
 * The part of the membership one download uses, and what its author's share is taken of: the
 * smaller of the document's price and the fee per download.
 */
export function memberDownloadFeeCents(p: PeriodTerms, documentPriceCents: number): number {
  return Math.min(documentPriceCents, memberFeePerDownloadCents(p));
}

/** Downloads left today: the day's quota less today's downloads, and never past the period's cap. */
export function memberDownloadsLeft(p: PeriodTerms, used: { today: number; inPeriod: number }): number {
  return Math.max(0, Math.min(p.downloadsPerDay - used.today, periodDownloadCap(p) - used.inPeriod));
}

/** Its unused whole days, pro rata (a period not begun: all of it). */
export function unusedDaysRefundCents(p: PeriodTerms & Pick<VipPeriodRow, 'startsAt' | 'endsAt'>, now: Date): number {
  if (p.startsAt >= now) return p.priceCents;
  const unusedDays = Math.min(p.days, Math.floor((p.endsAt.getTime() - now.getTime()) / DAY_MS));
  return Math.floor((p.priceCents * unusedDays) / p.days);
}

/**
 * What a cancel gives back for one period: its unused whole days, but never more than the price
 * less the fees of the downloads it paid for (those went to authors, or stay with the platform).
 */
export function cancelRefundCents(p: PeriodTerms & Pick<VipPeriodRow, 'startsAt' | 'endsAt'>, now: Date, feesUsedCents: number): number {
  return Math.max(0, Math.min(unusedDaysRefundCents(p, now), p.priceCents - feesUsedCents));
}
