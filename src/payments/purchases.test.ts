import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { splitPrice } from './money.js';
import { sweepExpiredIdempotencyKeys } from './purchases.service.js';
import { balanceOf, CLEAN_LEDGER, createDocument, ledgerInvariants, topUp } from '../../test/factories.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const buy = (token: string, docId: number, body: object = { confirm: true }, key?: string) => {
  const req = ctx.http().post(`/api/v1/documents/${docId}/purchase`).set(auth(token));
  if (key) req.set('idempotency-key', key);
  return req.send(body);
};
const purchaseCount = async (buyerId: number, docId?: number) =>
  (await ctx.deps.db.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM purchases WHERE buyer_id = $1 AND ($2::bigint IS NULL OR document_id = $2)`,
    [buyerId, docId ?? null],
  )).rows[0]!.n;

describe('splitting a price', () => {
  it('when shares do not divide the price, then author and referrer are floored and the platform gets the remainders', () => {
    expect(splitPrice(999, { authorShare: 0.7, referralShare: 0.1 }, true)).toEqual({ authorCents: 699, referrerCents: 99, platformCents: 201 });
    expect(splitPrice(1, { authorShare: 0.7, referralShare: 0.1 }, true)).toEqual({ authorCents: 0, referrerCents: 0, platformCents: 1 });
    expect(splitPrice(100, { authorShare: 0.29, referralShare: 0.1 }, false)).toEqual({ authorCents: 29, referrerCents: 0, platformCents: 71 });
    expect(splitPrice(100_000_000, { authorShare: 0.7, referralShare: 0.3 }, true)).toEqual({ authorCents: 70_000_000, referrerCents: 30_000_000, platformCents: 0 });
  });
});

describe('buying a document', () => {
  it('when the buyer can afford it, then 201, the wallet is charged and the author and platform are paid in one transaction', async () => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 999 });
    await topUp(ctx, buyer.token, 2000);
    const res = await buy(buyer.token, doc.id);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      purchase: { id: expect.any(Number), documentId: doc.id, priceCents: 999, createdAt: expect.any(String), status: 'paid', refundedAt: null },
      wallet: { balanceCents: 1001 },
    });
    expect(await balanceOf(ctx, buyer.user.id)).toEqual({ wallet: 1001, debt: 0 });
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 699, debt: 0 });
    const { rows } = await ctx.deps.db.pool.query(
      `SELECT a.kind, e.kind AS "entryKind", e.amount_cents AS amount, e.document_id AS "documentId"
         FROM purchases p JOIN ledger_entries e ON e.transaction_id = p.ledger_transaction_id JOIN ledger_accounts a ON a.id = e.account_id
        WHERE p.id = $1 ORDER BY e.amount_cents`,
      [res.body.purchase.id],
    );
    expect(rows).toEqual([
      { kind: 'wallet', entryKind: 'purchase', amount: -999, documentId: doc.id },
      { kind: 'platform_revenue', entryKind: 'platform_fee', amount: 300, documentId: doc.id },
      { kind: 'wallet', entryKind: 'sale', amount: 699, documentId: doc.id },
    ]);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when the same document is bought again, then 200 with the same purchase and no second charge', async () => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 500 });
    await topUp(ctx, buyer.token, 1000);
    const first = await buy(buyer.token, doc.id);
    const second = await buy(buyer.token, doc.id);
    expect(second.status).toBe(200);
    expect(second.body.purchase).toEqual(first.body.purchase);
    expect(second.body.wallet.balanceCents).toBe(500);
    expect(await purchaseCount(buyer.user.id)).toBe(1);
  });

  it.each([[{}], [{ confirm: false }], [{ confirm: 'true' }]])('when the body is %j, then 428 confirmation_required and nothing is charged', async (body) => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    await topUp(ctx, buyer.token, 100);
    const res = await buy(buyer.token, doc.id, body);
    expect(res.status).toBe(428);
    expect(res.body.error.code).toBe('confirmation_required');
    expect((await balanceOf(ctx, buyer.user.id)).wallet).toBe(100);
  });

  it('when the balance is too low, then 402 and nothing is charged or recorded', async () => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 1000 });
    await topUp(ctx, buyer.token, 999);
    const res = await buy(buyer.token, doc.id);
    expect(res.status).toBe(402);
    expect(res.body.error.code).toBe('insufficient_funds');
    expect(await balanceOf(ctx, buyer.user.id)).toEqual({ wallet: 999, debt: 0 });
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 0, debt: 0 });
    expect(await purchaseCount(buyer.user.id)).toBe(0);
  });

  it('when nobody is logged in, then 401', async () => {
    expect((await ctx.http().post('/api/v1/documents/1/purchase').send({ confirm: true })).status).toBe(401);
  });

  it.each([
    ['unknown', null, 404],
    ['taken down', 'taken_down', 404],
    ['failed', 'failed', 404],
    ['processing', 'processing', 404],
  ] as const)('when the document is %s, then %s… answers %i and charges nothing', async (_label, status, code) => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const docId = status ? (await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100, status })).id : 999999;
    await topUp(ctx, buyer.token, 100);
    const res = await buy(buyer.token, docId);
    expect(res.status).toBe(code);
    expect((await balanceOf(ctx, buyer.user.id)).wallet).toBe(100);
  });

  it('when the document was deleted by its uploader, then new buyers get 404 and earlier buyers get their purchase', async () => {
    const author = await registerUser(ctx);
    const earlier = await registerUser(ctx);
    const later = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    await topUp(ctx, earlier.token, 100);
    await topUp(ctx, later.token, 100);
    const bought = await buy(earlier.token, doc.id);
    await ctx.deps.db.pool.query('UPDATE documents SET deleted_at = now() WHERE id = $1', [doc.id]);
    expect((await buy(later.token, doc.id)).status).toBe(404);
    const again = await buy(earlier.token, doc.id);
    expect(again.status).toBe(200);
    expect(again.body.purchase.id).toBe(bought.body.purchase.id);
  });

  it('when the buyer is the uploader or the document is free, then 409 with the reason and nothing charged', async () => {
    const author = await registerUser(ctx);
    await topUp(ctx, author.token, 500);
    const own = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    const ownRes = await buy(author.token, own.id);
    expect(ownRes.status).toBe(409);
    expect(ownRes.body.error.details).toEqual({ reason: 'own_document' });
    const other = await registerUser(ctx);
    const free = await createDocument(ctx, { uploaderId: other.user.id, priceCents: 0 });
    const freeRes = await buy(author.token, free.id);
    expect(freeRes.status).toBe(409);
    expect(freeRes.body.error.details).toEqual({ reason: 'free_document' });
    expect((await balanceOf(ctx, author.user.id)).wallet).toBe(500);
  });
});

describe('concurrent purchases', () => {
  it('when one buyer sends 20 purchases of one document at once, then exactly one charge', async () => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 300 });
    await topUp(ctx, buyer.token, 10_000);
    const results = await Promise.all(Array.from({ length: 20 }, () => buy(buyer.token, doc.id)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(results.map((r) => r.body.purchase.id)).size).toBe(1);
    expect(await balanceOf(ctx, buyer.user.id)).toEqual({ wallet: 9_700, debt: 0 });
    expect(await purchaseCount(buyer.user.id)).toBe(1);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when a wallet holding exactly the price sends 10 purchases of one document at once, then one charge and nine "already bought", no 402', async () => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 300 });
    await topUp(ctx, buyer.token, 300);
    const results = await Promise.all(Array.from({ length: 10 }, () => buy(buyer.token, doc.id)));
    expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200, 201]);
    expect(results.every((r) => r.body.wallet.balanceCents === 0)).toBe(true);
    expect(await balanceOf(ctx, buyer.user.id)).toEqual({ wallet: 0, debt: 0 });
    expect(await purchaseCount(buyer.user.id)).toBe(1);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when a wallet that affords 3 of 20 documents buys all at once, then exactly 3 succeed and the rest get 402', async () => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const docs: Array<{ id: number }> = [];
    for (let i = 0; i < 20; i++) docs.push(await createDocument(ctx, { uploaderId: author.user.id, priceCents: 250 }));
    await topUp(ctx, buyer.token, 800);
    const results = await Promise.all(docs.map((d) => buy(buyer.token, d.id)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    expect(results.filter((r) => r.status === 402)).toHaveLength(17);
    expect(await balanceOf(ctx, buyer.user.id)).toEqual({ wallet: 50, debt: 0 });
    expect(await purchaseCount(buyer.user.id)).toBe(3);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it("when two users buy each other's documents at the same moment, many times, then no error reaches either", async () => {
    const a = await registerUser(ctx);
    const b = await registerUser(ctx);
    await topUp(ctx, a.token, 100_000);
    await topUp(ctx, b.token, 100_000);
    const aDocs: Array<{ id: number }> = [];
    const bDocs: Array<{ id: number }> = [];
    for (let i = 0; i < 8; i++) {
      aDocs.push(await createDocument(ctx, { uploaderId: a.user.id, priceCents: 100 }));
      bDocs.push(await createDocument(ctx, { uploaderId: b.user.id, priceCents: 100 }));
    }
    const results = await Promise.all(aDocs.flatMap((d, i) => [buy(b.token, d.id), buy(a.token, bDocs[i]!.id)]));
    expect(results.map((r) => r.status)).toEqual(Array(16).fill(201));
    expect(await balanceOf(ctx, a.user.id)).toEqual({ wallet: 100_000 - 800 + 8 * 70, debt: 0 });
    expect(await balanceOf(ctx, b.user.id)).toEqual({ wallet: 100_000 - 800 + 8 * 70, debt: 0 });
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });
});

describe('Idempotency-Key', () => {
  it('when the same key and body are sent again, then the stored response is replayed and nothing more is charged', async () => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 400 });
    await topUp(ctx, buyer.token, 1000);
    const first = await buy(buyer.token, doc.id, { confirm: true }, 'key-123');
    const replay = await buy(buyer.token, doc.id, { confirm: true }, 'key-123');
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect((await balanceOf(ctx, buyer.user.id)).wallet).toBe(600);
  });

  it('when the same key comes with a different body, then 409 and nothing is charged', async () => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 400 });
    const other = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 400 });
    await topUp(ctx, buyer.token, 1000);
    expect((await buy(buyer.token, doc.id, { confirm: true }, 'key-abc')).status).toBe(201);
    const res = await buy(buyer.token, other.id, { confirm: true }, 'key-abc');
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
    expect(await purchaseCount(buyer.user.id, other.id)).toBe(0);
    expect((await balanceOf(ctx, buyer.user.id)).wallet).toBe(600);
  });

  it('when 10 requests with one key arrive at once, then one executes and the others replay its response', async () => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    await topUp(ctx, buyer.token, 1000);
    const results = await Promise.all(Array.from({ length: 10 }, () => buy(buyer.token, doc.id, { confirm: true }, 'same-key')));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(new Set(results.map((r) => r.body.purchase.id)).size).toBe(1);
    expect((await balanceOf(ctx, buyer.user.id)).wallet).toBe(900);
  });

  it('when a keyed request failed with 402, then the same key may be retried after a top-up', async () => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    expect((await buy(buyer.token, doc.id, { confirm: true }, 'retry-key')).status).toBe(402);
    await topUp(ctx, buyer.token, 100);
    expect((await buy(buyer.token, doc.id, { confirm: true }, 'retry-key')).status).toBe(201);
  });

  it('when the sweep runs, then keys older than a day are deleted and younger ones still replay', async () => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const old = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    const fresh = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    await topUp(ctx, buyer.token, 1000);
    expect((await buy(buyer.token, old.id, { confirm: true }, 'sweep-old')).status).toBe(201);
    const kept = await buy(buyer.token, fresh.id, { confirm: true }, 'sweep-fresh');
    const keys = async () =>
      (await ctx.deps.db.pool.query<{ key: string }>('SELECT key FROM idempotency_keys WHERE user_id = $1 ORDER BY key', [buyer.user.id])).rows.map((r) => r.key);
    await ctx.deps.db.pool.query(`UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE user_id = $1 AND key = 'sweep-old'`, [buyer.user.id]);
    expect(await keys()).toEqual(['sweep-fresh', 'sweep-old']);
    expect(await sweepExpiredIdempotencyKeys(ctx.deps, 1)).toBeGreaterThanOrEqual(1);
    expect(await keys()).toEqual(['sweep-fresh']);
    const replay = await buy(buyer.token, fresh.id, { confirm: true }, 'sweep-fresh');
    expect(replay.body).toEqual(kept.body);
    expect((await balanceOf(ctx, buyer.user.id)).wallet).toBe(800);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when the idempotency-key sweep runs, then expired keys go and live ones stay', async () => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    await topUp(ctx, buyer.token, 1000);
    expect((await buy(buyer.token, doc.id, { confirm: true }, 'sweep-at-start')).status).toBe(201);
    await ctx.deps.db.pool.query(`UPDATE idempotency_keys SET created_at = now() - interval '2 days' WHERE user_id = $1`, [buyer.user.id]);
    const other = await registerUser(ctx);
    await topUp(ctx, other.token, 1000);
    expect((await buy(other.token, doc.id, { confirm: true }, 'kept-key')).status).toBe(201);
    expect(await sweepExpiredIdempotencyKeys(ctx.deps)).toBeGreaterThanOrEqual(1);
    expect((await ctx.deps.db.pool.query('SELECT 1 FROM idempotency_keys WHERE user_id = $1', [buyer.user.id])).rowCount).toBe(0);
    expect((await ctx.deps.db.pool.query('SELECT 1 FROM idempotency_keys WHERE user_id = $1', [other.user.id])).rowCount).toBe(1);
  });
});

describe('the price the buyer confirmed', () => {
  const ledgerRows = async () => (await ctx.deps.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ledger_entries')).rows[0]!.n;

  it('when the author changed the price after the buyer confirmed it, then 409 conflict with the current price and nothing is charged', async () => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100 });
    await topUp(ctx, buyer.token, 100_000);
    // The buyer saw ¥1.00; the author switches to ¥500 before the click.
    const patched = await ctx.http().patch(`/api/v1/documents/${doc.id}`).set(auth(author.token)).send({ priceCents: 50_000 });
    expect(patched.status).toBe(200);
    const entriesBefore = await ledgerRows();
    const res = await buy(buyer.token, doc.id, { confirm: true, expectedPriceCents: 100 }, 'price-switch-1');
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'conflict', details: { reason: 'price_changed', priceCents: 50_000 } });
    expect(await balanceOf(ctx, buyer.user.id)).toEqual({ wallet: 100_000, debt: 0 });
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 0, debt: 0 });
    expect(await ledgerRows()).toBe(entriesBefore);
    expect(await purchaseCount(buyer.user.id, doc.id)).toBe(0);
    // Confirming the new price buys at the new price.
    const ok = await buy(buyer.token, doc.id, { confirm: true, expectedPriceCents: 50_000 });
    expect(ok.status).toBe(201);
    expect(ok.body.wallet.balanceCents).toBe(50_000);
  });

  it('when the expected price is the current price, then the purchase goes through; a negative or fractional one is 400', async () => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 250 });
    await topUp(ctx, buyer.token, 250);
    expect((await buy(buyer.token, doc.id, { confirm: true, expectedPriceCents: -1 })).status).toBe(400);
    expect((await buy(buyer.token, doc.id, { confirm: true, expectedPriceCents: 2.5 })).status).toBe(400);
    const res = await buy(buyer.token, doc.id, { confirm: true, expectedPriceCents: 250 });
    expect(res.status).toBe(201);
    expect(await balanceOf(ctx, buyer.user.id)).toEqual({ wallet: 0, debt: 0 });
  });
});

describe('referrals', () => {
  const referralRows = async (purchaseId: number) =>
    (await ctx.deps.db.pool.query('SELECT referrer_id AS "referrerId", referrer_cents AS "referrerCents", platform_cents AS "platformCents", author_cents AS "authorCents" FROM purchases WHERE id = $1', [purchaseId])).rows[0];

  it('when the buyer came through a share link (cookie), then the referrer gets the referral share', async () => {
    const author = await registerUser(ctx);
    const referrer = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 1000 });
    await topUp(ctx, buyer.token, 1000);
    const visit = await ctx.http().get(`/doc/${doc.id}?ref=${referrer.user.referralCode}`);
    const cookie = (visit.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith(`wenku_ref_${doc.id}=`))!;
    expect(cookie).toMatch(/HttpOnly/i);
    const res = await ctx.http().post(`/api/v1/documents/${doc.id}/purchase`).set(auth(buyer.token))
      .set('cookie', cookie.split(';')[0]!).send({ confirm: true });
    expect(res.status).toBe(201);
    expect(await referralRows(res.body.purchase.id)).toEqual({ referrerId: referrer.user.id, referrerCents: 100, platformCents: 200, authorCents: 700 });
    expect(await balanceOf(ctx, referrer.user.id)).toEqual({ wallet: 100, debt: 0 });
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when a forged or moved referral cookie is sent, then nobody gets a referral share', async () => {
    const author = await registerUser(ctx);
    const referrer = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 1000 });
    const other = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 1000 });
    await topUp(ctx, buyer.token, 2000);
    const visit = await ctx.http().get(`/doc/${other.id}?ref=${referrer.user.referralCode}`);
    const value = (visit.headers['set-cookie'] as unknown as string[])[0]!.split(';')[0]!.split('=')[1]!;
    const moved = await ctx.http().post(`/api/v1/documents/${doc.id}/purchase`).set(auth(buyer.token))
      .set('cookie', `wenku_ref_${doc.id}=${value}`).send({ confirm: true });
    expect((await referralRows(moved.body.purchase.id)).referrerId).toBeNull();
    const forged = await ctx.http().post(`/api/v1/documents/${other.id}/purchase`).set(auth(buyer.token))
      .set('cookie', `wenku_ref_${other.id}=${referrer.user.id}.9999999999.${'A'.repeat(43)}`).send({ confirm: true });
    expect((await referralRows(forged.body.purchase.id)).referrerId).toBeNull();
    expect((await balanceOf(ctx, referrer.user.id)).wallet).toBe(0);
  });

  it('when a logged-in reader followed a share link, then an API purchase without the cookie still pays the referrer', async () => {
    const author = await registerUser(ctx);
    const referrer = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 500 });
    await topUp(ctx, buyer.token, 500);
    await ctx.http().get(`/doc/${doc.id}?ref=${referrer.user.referralCode}`).set('cookie', `wenku_session=${buyer.token}`);
    const res = await buy(buyer.token, doc.id);
    expect((await referralRows(res.body.purchase.id))).toMatchObject({ referrerId: referrer.user.id, referrerCents: 50 });
  });

  it('when an API client names the referral code of the share link the buyer followed, then that referrer is paid', async () => {
    const author = await registerUser(ctx);
    const referrer = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 333 });
    await topUp(ctx, buyer.token, 333);
    await ctx.http().get(`/doc/${doc.id}?ref=${referrer.user.referralCode}`).set('cookie', `wenku_session=${buyer.token}`);
    const res = await buy(buyer.token, doc.id, { confirm: true, referralCode: referrer.user.referralCode });
    expect(await referralRows(res.body.purchase.id)).toEqual({ referrerId: referrer.user.id, referrerCents: 33, authorCents: 233, platformCents: 67 });
  });

  it('when the body names a referral code without any share visit of that buyer for that document, then nobody gets a referral share', async () => {
    const author = await registerUser(ctx);
    const secondAccount = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 1000 });
    const other = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 1000 });
    await topUp(ctx, buyer.token, 1000);
    // A visit through that code to another document proves nothing about this one.
    await ctx.http().get(`/doc/${other.id}?ref=${secondAccount.user.referralCode}`).set('cookie', `wenku_session=${buyer.token}`);
    const res = await buy(buyer.token, doc.id, { confirm: true, referralCode: secondAccount.user.referralCode });
    expect(res.status).toBe(201);
    expect(await referralRows(res.body.purchase.id)).toEqual({ referrerId: null, referrerCents: 0, authorCents: 700, platformCents: 300 });
    expect(await balanceOf(ctx, secondAccount.user.id)).toEqual({ wallet: 0, debt: 0 });
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when the buyer uses their own code, or the author is the referrer, then no referral share is paid', async () => {
    const author = await registerUser(ctx);
    const buyer = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 1000 });
    const doc2 = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 1000 });
    await topUp(ctx, buyer.token, 2000);
    const self = await buy(buyer.token, doc.id, { confirm: true, referralCode: buyer.user.referralCode });
    expect(await referralRows(self.body.purchase.id)).toEqual({ referrerId: null, referrerCents: 0, authorCents: 700, platformCents: 300 });
    const byAuthor = await buy(buyer.token, doc2.id, { confirm: true, referralCode: author.user.referralCode });
    expect(await referralRows(byAuthor.body.purchase.id)).toEqual({ referrerId: null, referrerCents: 0, authorCents: 700, platformCents: 300 });
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 1400, debt: 0 });
    const selfVisit = await ctx.http().get(`/doc/${doc.id}?ref=${buyer.user.referralCode}`).set('cookie', `wenku_session=${buyer.token}`);
    expect(selfVisit.headers['set-cookie'] ?? []).not.toEqual(expect.arrayContaining([expect.stringContaining('wenku_ref_')]));
  });
});

describe('my purchases and earnings', () => {
  it('when a user bought and sold, then /me/purchases and /me/earnings list them per document', async () => {
    const author = await registerUser(ctx);
    const b1 = await registerUser(ctx);
    const b2 = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 1000, title: '会议讲话' });
    await topUp(ctx, b1.token, 1000);
    await topUp(ctx, b2.token, 1000);
    const p1 = await buy(b1.token, doc.id);
    await buy(b2.token, doc.id);
    const mine = await ctx.http().get('/api/v1/me/purchases').set(auth(b1.token));
    expect(mine.status).toBe(200);
    expect(mine.body.items).toEqual([
      {
        purchase: p1.body.purchase,
        document: { id: doc.id, title: '会议讲话', format: 'DOC', priceCents: 1000, status: 'ready', originalFilename: expect.stringContaining('.doc'), sizeBytes: doc.bytes.length },
      },
    ]);
    const earnings = await ctx.http().get('/api/v1/me/earnings').set(auth(author.token));
    expect(earnings.body).toEqual({ totalCents: 1400, referralCents: 0, items: [{ documentId: doc.id, title: '会议讲话', sales: 2, earnedCents: 1400, refundedCents: 0 }] });
  });
});
