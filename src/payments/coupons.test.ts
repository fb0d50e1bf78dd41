// Download coupons (下载券) through the HTTP API: admins issue batches, a code pays for one
// download of a document up to its limit, the author is paid from the platform, once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { registerAdmin } from '../auth/test-fixtures.js';
import { CLEAN_LEDGER, balanceOf, createDocument, ledgerInvariants, registerUser, topUp } from '../../test/factories.js';

let ctx: TestContext;
let admin: Awaited<ReturnType<typeof registerUser>>;
beforeAll(async () => {
  ctx = await createTestContext({ ADMIN_EMAILS: 'coupon-admin@example.com' });
  admin = await registerAdmin(ctx, { email: 'coupon-admin@example.com' });
});
afterAll(async () => ctx.close());

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const q = async (sql: string, params: unknown[] = []) => (await ctx.deps.db.pool.query(sql, params)).rows;
const redeem = (token: string, docId: number, body: object) => ctx.http().post(`/api/v1/documents/${docId}/redeem-coupon`).set(auth(token)).send(body);
const expectCleanLedger = async () => expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);

async function issue(quantity: number, maxPriceCents: number, extra: object = {}) {
  const res = await ctx.http().post('/api/v1/admin/coupon-batches').set(auth(admin.token)).send({ quantity, maxPriceCents, note: '新用户活动', ...extra });
  expect(res.status).toBe(201);
  return res.body as { batch: { id: number }; codes: string[] };
}

describe('issuing coupons', () => {
  it('when an admin issues a batch, then it has that many distinct unused codes; others get 403', async () => {
    const { batch, codes } = await issue(50, 1000);
    expect(codes).toHaveLength(50);
    expect(new Set(codes).size).toBe(50);
    for (const c of codes) expect(c).toMatch(/^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$/);
    expect(await q(`SELECT count(*)::int AS n FROM coupons WHERE batch_id = $1 AND redeemed_at IS NULL`, [batch.id])).toEqual([{ n: 50 }]);
    const listed = await ctx.http().get('/api/v1/admin/coupon-batches').set(auth(admin.token));
    expect(listed.body.items[0]).toMatchObject({ id: batch.id, quantity: 50, redeemed: 0, maxPriceCents: 1000 });
    const user = await registerUser(ctx);
    const denied = await ctx.http().post('/api/v1/admin/coupon-batches').set(auth(user.token)).send({ quantity: 1, maxPriceCents: 100, note: 'x' });
    expect(denied.status).toBe(403);
    const bad = await ctx.http().post('/api/v1/admin/coupon-batches').set(auth(admin.token)).send({ quantity: 0, maxPriceCents: 100, note: 'x' });
    expect(bad.status).toBe(400);
  });
});

describe('redeeming a coupon', () => {
  it('when a reader redeems a coupon, then the purchase is paid by it, the author earns 70% from the platform, and the code cannot be used again', async () => {
    const author = await registerUser(ctx);
    const reader = await registerUser(ctx);
    const other = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 800 });
    const doc2 = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 800 });
    const { codes } = await issue(1, 1000);
    expect((await redeem(reader.token, doc.id, { code: codes[0]! })).status).toBe(428);
    const res = await redeem(reader.token, doc.id, { code: codes[0]!.toLowerCase().replace(/-/g, ' '), confirm: true });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ purchase: { documentId: doc.id, priceCents: 800, status: 'paid' }, wallet: { balanceCents: 0 } });
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 560, debt: 0 });
    expect(await balanceOf(ctx, reader.user.id)).toEqual({ wallet: 0, debt: 0 });
    await expectCleanLedger();
    const dl = await ctx.http().post(`/api/v1/documents/${doc.id}/download-link`).set(auth(reader.token)).send({ confirm: true });
    expect(dl.status).toBe(200);
    // Owned already: 200 with the same purchase, nothing more.
    const again = await redeem(reader.token, doc.id, { code: codes[0]!, confirm: true });
    expect([again.status, again.body.purchase.id]).toEqual([200, res.body.purchase.id]);
    const used = await redeem(other.token, doc2.id, { code: codes[0]!, confirm: true });
    expect([used.status, used.body.error.details.reason]).toEqual([409, 'coupon_used']);
    expect(await q(`SELECT paid_with AS "paidWith" FROM purchases WHERE buyer_id = $1`, [reader.user.id])).toEqual([{ paidWith: 'coupon' }]);
    expect(await q(`SELECT 1 FROM purchases WHERE buyer_id = $1`, [other.user.id])).toHaveLength(0);
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 560, debt: 0 });
    await expectCleanLedger();
  });

  it('when the code is unknown, expired or worth less than the price, or the document is free or one\'s own, then nothing is redeemed', async () => {
    const author = await registerUser(ctx);
    const reader = await registerUser(ctx);
    const pricey = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 2000 });
    const free = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0 });
    const { codes } = await issue(3, 1000);
    const expired = await issue(1, 1000, { expiresAt: new Date(Date.now() - 60_000).toISOString() });
    expect((await redeem(reader.token, pricey.id, { code: 'AAAA-BBBB-CCCC-DDDD', confirm: true })).status).toBe(404);
    expect((await redeem(reader.token, pricey.id, { code: 'not a code', confirm: true })).status).toBe(404);
    const limit = await redeem(reader.token, pricey.id, { code: codes[0]!, confirm: true });
    expect([limit.status, limit.body.error.details.reason]).toEqual([409, 'coupon_price_limit']);
    const cheap = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 500 });
    const old = await redeem(reader.token, cheap.id, { code: expired.codes[0]!, confirm: true });
    expect([old.status, old.body.error.details.reason]).toEqual([409, 'coupon_expired']);
    expect((await redeem(reader.token, free.id, { code: codes[1]!, confirm: true })).body.error.details.reason).toBe('free_document');
    expect((await redeem(author.token, cheap.id, { code: codes[2]!, confirm: true })).body.error.details.reason).toBe('own_document');
    expect(await q(`SELECT count(*)::int AS n FROM coupons WHERE code = ANY($1) AND redeemed_at IS NOT NULL`, [[...codes, ...expired.codes]])).toEqual([{ n: 0 }]);
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 0, debt: 0 });
    await expectCleanLedger();
  });

  it('when 20 readers redeem the same code at once, then exactly one purchase is made and the author is paid once', async () => {
    const author = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 1000 });
    const readers = await Promise.all(Array.from({ length: 20 }, () => registerUser(ctx)));
    const { codes } = await issue(1, 1000);
    const answers = await Promise.all(readers.map((r) => redeem(r.token, doc.id, { code: codes[0]!, confirm: true })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, ...Array(19).fill(409)]);
    expect(await q(`SELECT count(*)::int AS n FROM purchases WHERE document_id = $1`, [doc.id])).toEqual([{ n: 1 }]);
    const winner = readers[answers.findIndex((a) => a.status === 201)]!;
    expect(await q(`SELECT redeemed_by AS "by" FROM coupons WHERE code = $1`, [codes[0]])).toEqual([{ by: winner.user.id }]);
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 700, debt: 0 });
    await expectCleanLedger();
  });

  it('when one reader redeems one code for 20 documents at once, then exactly one is bought with it', async () => {
    const author = await registerUser(ctx);
    const reader = await registerUser(ctx);
    const docs = await Promise.all(Array.from({ length: 20 }, () => createDocument(ctx, { uploaderId: author.user.id, priceCents: 300 })));
    const { codes } = await issue(1, 300);
    const answers = await Promise.all(docs.map((d) => redeem(reader.token, d.id, { code: codes[0]!, confirm: true })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, ...Array(19).fill(409)]);
    expect(await q(`SELECT count(*)::int AS n FROM purchases WHERE buyer_id = $1`, [reader.user.id])).toEqual([{ n: 1 }]);
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 210, debt: 0 });
    await expectCleanLedger();
  });

  it('when a reader who already bought with the wallet redeems a coupon, then it answers 200 and the coupon stays unused', async () => {
    const author = await registerUser(ctx);
    const reader = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 400 });
    await topUp(ctx, reader.token, 400);
    expect((await ctx.http().post(`/api/v1/documents/${doc.id}/purchase`).set(auth(reader.token)).send({ confirm: true })).status).toBe(201);
    const { codes } = await issue(1, 1000);
    expect((await redeem(reader.token, doc.id, { code: codes[0]!, confirm: true })).status).toBe(200);
    expect(await q(`SELECT redeemed_at FROM coupons WHERE code = $1`, [codes[0]])).toEqual([{ redeemed_at: null }]);
  });
});

describe('what coupons can pay authors (issue 27: every path where the platform pays without a buyer\'s money)', () => {
  it('when two colluding accounts spend a whole batch on the author\'s own documents priced at the ¥1,000,000 maximum, then the author earns at most the batch\'s price limit share per coupon, and nothing more', async () => {
    const { codes } = await issue(3, 500);
    const author = await registerUser(ctx);
    const accomplice = await registerUser(ctx);
    const dear = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 100_000_000 });
    const limit = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 500 });
    const more = [await createDocument(ctx, { uploaderId: author.user.id, priceCents: 500 }), await createDocument(ctx, { uploaderId: author.user.id, priceCents: 499 })];
    // Above the limit: refused, the coupon stays unused.
    const refused = await redeem(accomplice.token, dear.id, { code: codes[0], confirm: true });
    expect([refused.status, refused.body.error.details.reason]).toEqual([409, 'coupon_price_limit']);
    // Within it: each coupon pays at most floor(limit × 70%).
    for (const [i, doc] of [limit, ...more].entries()) expect((await redeem(accomplice.token, doc.id, { code: codes[i], confirm: true })).status).toBe(201);
    // The author cannot pay themselves with a coupon either.
    const [own] = (await issue(1, 500)).codes;
    expect((await redeem(author.token, limit.id, { code: own, confirm: true })).body.error.details.reason).toBe('own_document');
    const paid = await q(`SELECT author_cents AS a FROM purchases WHERE author_id = $1 AND paid_with = 'coupon'`, [author.user.id]);
    expect(paid.map((r) => r.a)).toEqual([350, 350, 349]);
    expect(paid.reduce((sum, r) => sum + Number(r.a), 0)).toBeLessThanOrEqual(codes.length * Math.floor(500 * 0.7));
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 1049, debt: 0 });
    expect(await balanceOf(ctx, accomplice.user.id)).toEqual({ wallet: 0, debt: 0 });
    await expectCleanLedger();
  });
});
