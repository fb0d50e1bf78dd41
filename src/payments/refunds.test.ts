import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import type { Actor } from '../deps.js';
import { withTransaction } from '../db/transaction.js';
import { AppError } from '../errors.js';
import { purchaseDocument } from './purchases.service.js';
import { refundPurchase } from './refunds.service.js';
import { getUserBalanceCents } from './wallet-accounts.repo.js';
import { balanceOf, CLEAN_LEDGER, createDocument, ledgerInvariants, topUp } from '../../test/factories.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const refund = (purchaseId: number, actorId: number | null = null) =>
  withTransaction(ctx.deps.db.pool, (tx) => refundPurchase(tx, { purchaseId, actorId, note: '内容与标题不符' }));

async function sale(price: number, opts: { withReferrer?: boolean } = {}) {
  const author = await registerUser(ctx);
  const buyer = await registerUser(ctx);
  const referrer = opts.withReferrer ? await registerUser(ctx) : null;
  const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: price });
  await topUp(ctx, buyer.token, price);
  // A referral code counts only with the buyer's recorded share visit of the document.
  if (referrer) await ctx.http().get(`/doc/${doc.id}?ref=${referrer.user.referralCode}`).set('cookie', `wenku_session=${buyer.token}`);
  const res = await ctx.http().post(`/api/v1/documents/${doc.id}/purchase`).set(auth(buyer.token))
    .send({ confirm: true, ...(referrer ? { referralCode: referrer.user.referralCode } : {}) });
  expect(res.status).toBe(201);
  return { author, buyer, referrer, doc, purchaseId: res.body.purchase.id as number };
}

describe('refundPurchase', () => {
  it('when a purchase is refunded, then the buyer gets the full price and every share is reversed in one transaction', async () => {
    const { author, buyer, referrer, purchaseId } = await sale(1000, { withReferrer: true });
    const admin = await registerUser(ctx);
    const refunded = await refund(purchaseId, admin.user.id);
    expect(refunded).toMatchObject({ id: purchaseId, status: 'refunded', refundedBy: admin.user.id, refundNote: '内容与标题不符' });
    expect(refunded.refundedAt).toBeInstanceOf(Date);
    expect(await balanceOf(ctx, buyer.user.id)).toEqual({ wallet: 1000, debt: 0 });
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 0, debt: 0 });
    expect(await balanceOf(ctx, referrer!.user.id)).toEqual({ wallet: 0, debt: 0 });
    const { rows } = await ctx.deps.db.pool.query(
      `SELECT e.kind, e.amount_cents AS amount FROM purchases p JOIN ledger_entries e ON e.transaction_id = p.refund_transaction_id
        WHERE p.id = $1 ORDER BY e.amount_cents`,
      [purchaseId],
    );
    expect(rows).toEqual([
      { kind: 'sale_reversal', amount: -700 },
      { kind: 'platform_fee_reversal', amount: -200 },
      { kind: 'referral_reversal', amount: -100 },
      { kind: 'refund', amount: 1000 },
    ]);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when the author already spent the earnings, then the refund leaves them in debt, and later earnings settle it first', async () => {
    const { author, purchaseId } = await sale(1000);
    // The author spends 500 of their 700 on someone else's document.
    const seller = await registerUser(ctx);
    const other = await createDocument(ctx, { uploaderId: seller.user.id, priceCents: 500 });
    expect((await ctx.http().post(`/api/v1/documents/${other.id}/purchase`).set(auth(author.token)).send({ confirm: true })).status).toBe(201);
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 200, debt: 0 });
    await refund(purchaseId);
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 0, debt: -500 });
    expect(await getUserBalanceCents(ctx.deps.db.pool, author.user.id)).toBe(-500);
    const wallet = await ctx.http().get('/api/v1/wallet').set(auth(author.token));
    expect(wallet.body.balanceCents).toBe(-500);
    // A new sale of 1000 pays 700: 500 settles the debt, 200 reaches the wallet.
    const doc2 = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 1000 });
    const buyer2 = await registerUser(ctx);
    await topUp(ctx, buyer2.token, 1000);
    await ctx.http().post(`/api/v1/documents/${doc2.id}/purchase`).set(auth(buyer2.token)).send({ confirm: true });
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 200, debt: 0 });
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when a purchase is refunded twice, then the second throws conflict and nothing moves', async () => {
    const { buyer, purchaseId } = await sale(300);
    await refund(purchaseId);
    const second = await refund(purchaseId).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(AppError);
    expect((second as AppError).status).toBe(409);
    expect((await balanceOf(ctx, buyer.user.id)).wallet).toBe(300);
  });

  it('when 20 refunds of one purchase run at once, then exactly one succeeds and the ledger still sums to zero', async () => {
    const { buyer, author, purchaseId } = await sale(900, { withReferrer: true });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => refund(purchaseId)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(failures.every((f) => f.reason instanceof AppError && f.reason.status === 409)).toBe(true);
    expect(await balanceOf(ctx, buyer.user.id)).toEqual({ wallet: 900, debt: 0 });
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 0, debt: 0 });
    const { rows } = await ctx.deps.db.pool.query(`SELECT count(*)::int AS n FROM ledger_transactions WHERE kind = 'refund' AND reference = $1`, [`purchase:${purchaseId}`]);
    expect(rows[0].n).toBe(1);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when a refunded document is bought again, then it is a new purchase and earnings show the refund', async () => {
    const { author, buyer, doc, purchaseId } = await sale(600);
    await refund(purchaseId);
    const again = await ctx.http().post(`/api/v1/documents/${doc.id}/purchase`).set(auth(buyer.token)).send({ confirm: true });
    expect(again.status).toBe(201);
    expect(again.body.purchase.id).not.toBe(purchaseId);
    const earnings = await ctx.http().get('/api/v1/me/earnings').set(auth(author.token));
    expect(earnings.body.items).toEqual([{ documentId: doc.id, title: expect.any(String), sales: 1, earnedCents: 840, refundedCents: 420 }]);
    expect(earnings.body.totalCents).toBe(420);
    const mine = await ctx.http().get('/api/v1/me/purchases').set(auth(buyer.token));
    expect(mine.body.items.map((i: { purchase: { status: string } }) => i.purchase.status)).toEqual(['paid', 'refunded']);
  });

  it('when the purchase does not exist, then it throws not_found', async () => {
    const err = await refund(99_999_999).catch((e: unknown) => e);
    expect((err as AppError).status).toBe(404);
  });
});

describe('ledger properties', () => {
  type Op =
    | { kind: 'topup'; user: number; cents: number }
    | { kind: 'buy'; user: number; doc: number; referrer: number | null }
    | { kind: 'refund'; pick: number };

  it('when random top-ups, purchases and refunds run, then after every step entries sum to zero, caches match and no wallet is negative', async () => {
    const people = await Promise.all([0, 1, 2, 3].map(() => registerUser(ctx)));
    const actors: Actor[] = people.map((p) => ({ userId: p.user.id, role: 'user', displayName: '', email: p.user.email, referralCode: p.user.referralCode }));
    const prices = [1, 99, 250, 999, 1000, 3333];
    const docs: Array<{ id: number; author: number; price: number }> = [];
    for (let i = 0; i < prices.length; i++) {
      const author = i % people.length;
      docs.push({ id: (await createDocument(ctx, { uploaderId: people[author]!.user.id, priceCents: prices[i]! })).id, author, price: prices[i]! });
    }
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('topup' as const), user: fc.nat(3), cents: fc.integer({ min: 1, max: 3000 }) }),
      fc.record({ kind: fc.constant('buy' as const), user: fc.nat(3), doc: fc.nat(docs.length - 1), referrer: fc.option(fc.nat(3)) }),
      fc.record({ kind: fc.constant('refund' as const), pick: fc.nat(50) }),
    );

    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        for (const o of ops) {
          if (o.kind === 'topup') {
            await topUp(ctx, people[o.user]!.token, o.cents);
          } else if (o.kind === 'buy') {
            const before = await getUserBalanceCents(ctx.deps.db.pool, actors[o.user]!.userId);
            const doc = docs[o.doc]!;
            const result = await purchaseDocument(ctx.deps, actors[o.user]!, {
              documentId: doc.id,
              confirm: true,
              referralCode: o.referrer === null ? undefined : people[o.referrer]!.user.referralCode,
            }).catch((e: unknown) => e);
            if (result instanceof AppError) {
              // The only refusals: own document (409) or a balance below the price (402).
              expect(result.status === 409 ? doc.author === o.user : result.status === 402 && before < doc.price).toBe(true);
            } else if (result instanceof Error) {
              throw result;
            }
          } else {
            const { rows } = await ctx.deps.db.pool.query<{ id: number }>(`SELECT id FROM purchases WHERE status = 'paid' ORDER BY id`);
            if (rows.length > 0) await refund(rows[o.pick % rows.length]!.id);
          }
          expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
        }
      }),
      { numRuns: 8 },
    );
  });
});
