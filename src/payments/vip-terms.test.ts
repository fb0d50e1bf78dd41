// The rules that bound what a membership pays authors (vip-terms.ts), for any plan, prices,
// download days and cancel time: authors never earn more than the platform kept of the membership.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitPrice } from './money.js';
import { cancelRefundCents, memberDownloadFeeCents, memberDownloadsLeft, periodDownloadCap } from './vip-terms.js';

const DAY = 24 * 3600 * 1000;
const SHARES = { authorShare: 0.7, referralShare: 0.1 };

describe('what one membership pays authors', () => {
  it('when a member downloads as much as the quota lets them, on every calendar day the period touches, at any prices, and cancels at any time, then authors earn at most what the platform kept', () => {
    fc.assert(
      fc.property(
        fc.record({
          days: fc.integer({ min: 1, max: 400 }),
          priceCents: fc.integer({ min: 1, max: 100_000_000 }),
          downloadsPerDay: fc.integer({ min: 0, max: 50 }),
        }),
        // Document prices the colluding author sets, up to the ¥1,000,000 maximum.
        fc.array(fc.integer({ min: 1, max: 100_000_000 }), { minLength: 1, maxLength: 20 }),
        // The download attempts per calendar day (the period touches days + 1 of them at most).
        fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 60 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (terms, prices, attempts, cancelAt) => {
          const startsAt = new Date(Date.UTC(2027, 0, 1, 15, 50));
          const period = { ...terms, startsAt, endsAt: new Date(startsAt.getTime() + terms.days * DAY) };
          let inPeriod = 0;
          let fees = 0;
          let authors = 0;
          let n = 0;
          for (const tries of attempts.slice(0, terms.days + 1)) {
            let today = 0;
            for (let i = 0; i < tries && memberDownloadsLeft(period, { today, inPeriod }) > 0; i++) {
              const fee = memberDownloadFeeCents(period, prices[n++ % prices.length]!);
              fees += fee;
              authors += splitPrice(fee, SHARES, false).authorCents;
              today += 1;
              inPeriod += 1;
            }
          }
          expect(inPeriod).toBeLessThanOrEqual(periodDownloadCap(period));
          expect(fees).toBeLessThanOrEqual(terms.priceCents);
          const now = new Date(startsAt.getTime() + Math.floor(cancelAt * terms.days * DAY));
          const refund = cancelRefundCents(period, now, fees);
          expect(refund).toBeGreaterThanOrEqual(0);
          expect(authors).toBeLessThanOrEqual(terms.priceCents - refund);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('when the fee per download is below a cent, then a download pays its author nothing rather than more', () => {
    const terms = { days: 365, priceCents: 100, downloadsPerDay: 10 };
    expect(memberDownloadFeeCents(terms, 100_000_000)).toBe(0);
    expect(memberDownloadFeeCents({ ...terms, downloadsPerDay: 0 }, 500)).toBe(0);
    // A cheap document costs its price, not the fee: ¥25 / (30 × 5) = 16 cents > 10.
    expect(memberDownloadFeeCents({ days: 30, priceCents: 2500, downloadsPerDay: 5 }, 10)).toBe(10);
  });
});
