// Revenue split in integer arithmetic. Shares are settings such as 0.7; they are turned into
// parts per million once, so no floating-point product ever decides a cent.
const PPM = 1_000_000;

export interface Split {
  authorCents: number;
  referrerCents: number;
  platformCents: number;
}

const toPpm = (share: number) => Math.round(share * PPM);

/**
 * author = floor(price × AUTHOR_SHARE), referrer = floor(price × REFERRAL_SHARE) when a referrer
 * applies, platform = the rest, so every rounding remainder goes to the platform.
 */
export function splitPrice(priceCents: number, shares: { authorShare: number; referralShare: number }, withReferrer: boolean): Split {
  if (!Number.isSafeInteger(priceCents) || priceCents < 0) throw new Error(`bad price ${priceCents}`);
  const authorCents = Math.floor((priceCents * toPpm(shares.authorShare)) / PPM);
  const referrerCents = withReferrer ? Math.floor((priceCents * toPpm(shares.referralShare)) / PPM) : 0;
  return { authorCents, referrerCents, platformCents: priceCents - authorCents - referrerCents };
}
