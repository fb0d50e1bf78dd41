// Payout settlement (issue 23, contract "Withdrawals"): a sale's shares count as withdrawable only
// PAYOUT_HOLD_DAYS after the sale; an approval re-checks the account, so money refunded since a
// request never leaves the site.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAdmin } from '../auth/test-fixtures.js';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { loginAgent } from '../../test/pages.js';
import { bearer, buy, CLEAN_LEDGER, count, createDocument, createTicket, ledgerInvariants, topUp, type TestUser } from '../../test/factories.js';

const DAY = 24 * 3600 * 1000;
let ctx: TestContext;
let admin: TestUser;

beforeAll(async () => {
  ctx = await createTestContext({ PAYOUT_MIN_CENTS: '1000', SESSION_TTL: '365d' }); // PAYOUT_HOLD_DAYS: the default, 7
  admin = await registerAdmin(ctx, { email: 'settle-admin@example.com' });
});
afterAll(async () => ctx.close());

const wallet = async (u: TestUser) => (await ctx.http().get('/api/v1/wallet').set(bearer(u.token))).body as Record<string, number>;
const account = { method: 'alipay', name: '李四', number: '13900139000' };
const requestPayout = (u: TestUser, amountCents: number) => ctx.http().post('/api/v1/wallet/payouts').set(bearer(u.token)).send({ amountCents, account });
const refund = async (buyer: TestUser, documentId: number, purchaseId: number) => {
  const ticket = await createTicket(ctx, buyer.token, { category: 'refund', subject: '退款', body: '内容不符', documentId, purchaseId });
  await ctx.http().post(`/api/v1/admin/tickets/${ticket}/resolve`).set(bearer(admin.token)).send({ action: 'refund', note: '' }).expect(200);
};
const queueItem = async (id: number) =>
  ((await ctx.http().get('/api/v1/admin/payouts?status=pending').set(bearer(admin.token))).body.items as Array<Record<string, unknown>>).find((p) => p.id === id);

/** An author with one ¥150 sale (¥105 share); returns them, the buyer, the document and the purchase. */
async function authorWithSale(priceCents = 15000) {
  const author = await registerUser(ctx);
  const buyer = await registerUser(ctx);
  const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents });
  await topUp(ctx, buyer.token, priceCents);
  const purchaseId = await buy(ctx, buyer.token, doc.id);
  return { author, buyer, doc, purchaseId };
}

describe('a sale settles after PAYOUT_HOLD_DAYS', () => {
  it('when a sale is younger than the hold, then its share is pending, not withdrawable, and a request for it is 402; after the hold it is withdrawable', async () => {
    const { author } = await authorWithSale();
    expect(await wallet(author)).toMatchObject({ balanceCents: 10500, withdrawableCents: 0, pendingEarningsCents: 10500 });
    expect((await requestPayout(author, 10000)).status).toBe(402);
    ctx.clock.advance(7 * DAY - 60_000);
    expect((await wallet(author)).withdrawableCents).toBe(0);
    ctx.clock.advance(2 * 60_000);
    expect(await wallet(author)).toMatchObject({ balanceCents: 10500, withdrawableCents: 10500, pendingEarningsCents: 0 });
    expect((await requestPayout(author, 10000)).status).toBe(201);
    expect(await count(ctx, 'payouts WHERE user_id = $1', [author.user.id])).toBe(1);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when a pending sale is refunded, then it leaves pending and nothing of it was ever withdrawable', async () => {
    const { author, buyer, doc, purchaseId } = await authorWithSale(2000);
    expect(await wallet(author)).toMatchObject({ pendingEarningsCents: 1400, withdrawableCents: 0 });
    await refund(buyer, doc.id, purchaseId);
    expect(await wallet(author)).toMatchObject({ balanceCents: 0, pendingEarningsCents: 0, withdrawableCents: 0 });
  });
});

describe('an approval re-checks the account', () => {
  it('when the sale behind a request is refunded, then the queue shows the negative balance, approval is 409 balance_negative changing nothing, and a rejection returns the amount', async () => {
    const { author, buyer, doc, purchaseId } = await authorWithSale();
    ctx.clock.advance(8 * DAY);
    const request = await requestPayout(author, 10000);
    expect(request.status).toBe(201);
    const payoutId = request.body.payout.id as number;
    expect(await queueItem(payoutId)).toMatchObject({ balanceCents: 500, withdrawableCents: 500, shortCents: 0 });

    await refund(buyer, doc.id, purchaseId);
    expect(await wallet(author)).toMatchObject({ balanceCents: -10000, withdrawableCents: 0 });
    expect(await queueItem(payoutId)).toMatchObject({ balanceCents: -10000, withdrawableCents: 0, shortCents: 10000 });
    const page = await (await loginAgent(ctx, admin)).agent.get('/admin/payouts');
    expect(page.text).toContain('余额为负');
    expect(page.text).toContain('-¥100.00');

    const entriesBefore = await count(ctx, 'ledger_entries');
    const approve = await ctx.http().post(`/api/v1/admin/payouts/${payoutId}/approve`).set(bearer(admin.token)).send({ reference: 'ALI-1' });
    expect(approve.status).toBe(409);
    expect(approve.body.error).toMatchObject({ code: 'conflict', details: { reason: 'balance_negative', balanceCents: -10000 } });
    expect(await count(ctx, 'ledger_entries')).toBe(entriesBefore);
    expect(await count(ctx, `payouts WHERE id = $1 AND status = 'pending'`, [payoutId])).toBe(1);
    expect(await count(ctx, `admin_audit_log WHERE action = 'payout.approve' AND target_id = $1`, [payoutId])).toBe(0);

    const reject = await ctx.http().post(`/api/v1/admin/payouts/${payoutId}/reject`).set(bearer(admin.token)).send({ reason: '买家已退款' });
    expect(reject.status).toBe(200);
    expect(await wallet(author)).toMatchObject({ balanceCents: 0, withdrawableCents: 0 });
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when the account topped up its debt after the refund, then approval is still refused: a top-up is not earnings', async () => {
    const { author, buyer, doc, purchaseId } = await authorWithSale();
    ctx.clock.advance(8 * DAY);
    const payoutId = (await requestPayout(author, 10000)).body.payout.id as number;
    await refund(buyer, doc.id, purchaseId);
    await topUp(ctx, author.token, 20000);
    expect((await wallet(author)).balanceCents).toBe(10000);
    const approve = await ctx.http().post(`/api/v1/admin/payouts/${payoutId}/approve`).set(bearer(admin.token)).send({ reference: 'ALI-2' });
    expect([approve.status, approve.body.error.details.reason, approve.body.error.details.shortCents]).toEqual([409, 'balance_negative', 10000]);
    // Through the admin page: the form answers with the error and the payout stays pending.
    const { agent, csrf } = await loginAgent(ctx, admin);
    const viaPage = await agent.post(`/admin/payouts/${payoutId}/approve`).type('form').send({ _csrf: csrf, reference: 'ALI-3' });
    expect(viaPage.status).toBe(409);
    expect(viaPage.text).toContain('不能打款');
    expect(await count(ctx, `payouts WHERE id = $1 AND status = 'pending'`, [payoutId])).toBe(1);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when the account is whole, then the approval goes through as before', async () => {
    const { author } = await authorWithSale();
    ctx.clock.advance(8 * DAY);
    const payoutId = (await requestPayout(author, 10000)).body.payout.id as number;
    // A newer sale, still pending, neither helps nor blocks the settled request.
    const other = await registerUser(ctx);
    const doc2 = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 1000 });
    await topUp(ctx, other.token, 1000);
    await buy(ctx, other.token, doc2.id);
    expect(await wallet(author)).toMatchObject({ balanceCents: 1200, withdrawableCents: 500, pendingEarningsCents: 700 });
    const approve = await ctx.http().post(`/api/v1/admin/payouts/${payoutId}/approve`).set(bearer(admin.token)).send({ reference: 'ALI-4' });
    expect(approve.status).toBe(200);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });
});
