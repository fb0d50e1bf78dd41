import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAdmin } from '../auth/test-fixtures.js';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { loginAgent } from '../../test/pages.js';
import { bearer, buy, CLEAN_LEDGER, count, createDocument, createTicket, ledgerInvariants, topUp, type TestUser } from '../../test/factories.js';

let ctx: TestContext;
let admin: TestUser;
let author: TestUser;
let buyer: TestUser;

beforeAll(async () => {
  // Settlement (PAYOUT_HOLD_DAYS) is tested in settlement.test.ts; here earnings settle at once.
  ctx = await createTestContext({ PAYOUT_MIN_CENTS: '1000', PAYOUT_HOLD_DAYS: '0' });
  admin = await registerAdmin(ctx, { email: 'finance@example.com' });
  author = await registerUser(ctx, { displayName: '作者' });
  buyer = await registerUser(ctx, { displayName: '买家' });
});
afterAll(async () => ctx.close());

const wallet = async (u: TestUser) => (await ctx.http().get('/api/v1/wallet').set(bearer(u.token))).body as { balanceCents: number; withdrawableCents: number };
const account = { method: 'alipay', name: '张三', number: '13800138000' };
const requestPayout = (u: TestUser, amountCents: number) => ctx.http().post('/api/v1/wallet/payouts').set(bearer(u.token)).send({ amountCents, account });
const pendingPayouts = async () =>
  Number((await ctx.deps.db.pool.query(`SELECT coalesce(sum(e.amount_cents), 0)::bigint AS s FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id WHERE a.kind = 'pending_payouts'`)).rows[0].s);

describe('withdrawable money', () => {
  it('when the author has topped up, sold, and had a sale refunded, then only the earned shares less the reversal are withdrawable', async () => {
    await topUp(ctx, author.token, 5000);
    expect(await wallet(author)).toMatchObject({ balanceCents: 5000, withdrawableCents: 0 });
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 10000 });
    const other = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 2000 });
    await topUp(ctx, buyer.token, 20000);
    await buy(ctx, buyer.token, doc.id);
    const refunded = await buy(ctx, buyer.token, other.id);
    expect(await wallet(author)).toMatchObject({ balanceCents: 13400, withdrawableCents: 8400 });
    const ticket = await createTicket(ctx, buyer.token, { category: 'refund', subject: '退款', body: '不是我要的', documentId: other.id, purchaseId: refunded });
    await ctx.http().post(`/api/v1/admin/tickets/${ticket}/resolve`).set(bearer(admin.token)).send({ action: 'refund', note: '' }).expect(200);
    expect(await wallet(author)).toMatchObject({ balanceCents: 12000, withdrawableCents: 7000 });
    // The buyer's money is a top-up (and a refund of it): nothing to withdraw.
    expect((await wallet(buyer)).withdrawableCents).toBe(0);
    expect((await requestPayout(buyer, 1000)).status).toBe(402);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when a request is over the withdrawable amount → 402, under PAYOUT_MIN_CENTS → 400, a bad account → 400; nothing moves', async () => {
    const over = await requestPayout(author, 7001);
    expect(over.status).toBe(402);
    expect(over.body.error.code).toBe('insufficient_funds');
    const small = await requestPayout(author, 999);
    expect(small.status).toBe(400);
    expect(small.body.error.code).toBe('validation_failed');
    const bad = await ctx.http().post('/api/v1/wallet/payouts').set(bearer(author.token)).send({ amountCents: 2000, account: { method: 'paypal', name: 'x', number: '1234' } });
    expect(bad.status).toBe(400);
    expect(await count(ctx, 'payouts')).toBe(0);
    expect(await wallet(author)).toMatchObject({ balanceCents: 12000, withdrawableCents: 7000 });
  });

  it('when a valid request is made, then the amount leaves the wallet for the pending-payouts account at once, audited', async () => {
    const res = await requestPayout(author, 3000);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      payout: expect.objectContaining({ id: expect.any(Number), amountCents: 3000, status: 'pending', createdAt: expect.any(String) }),
      wallet: { balanceCents: 9000, withdrawableCents: 4000 },
    });
    expect(await pendingPayouts()).toBe(3000);
    expect(await count(ctx, `admin_audit_log WHERE action = 'payout.request' AND target_id = $1`, [res.body.payout.id])).toBe(1);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
    // The payee's number is masked in the user's own list.
    const mine = await ctx.http().get('/api/v1/wallet/payouts').set(bearer(author.token));
    expect(mine.body.items[0].account).toEqual({ method: 'alipay', name: '张**', number: '138****8000' });
  });

  it('when 20 requests arrive at once, then together they never withdraw more than was withdrawable', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => requestPayout(author, 1000)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(4);
    expect(statuses.filter((s) => s === 402)).toHaveLength(16);
    expect(await wallet(author)).toMatchObject({ balanceCents: 5000, withdrawableCents: 0 });
    expect(await pendingPayouts()).toBe(7000);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });
});

describe('decisions', () => {
  it('when an admin approves with a reference, then the money goes out, a second decision → 409, and the author is notified once', async () => {
    const queue = await ctx.http().get('/api/v1/admin/payouts?status=pending').set(bearer(admin.token));
    expect(queue.status).toBe(200);
    expect(queue.body.items).toHaveLength(5);
    expect(queue.body.items[0].account.number).toBe('13800138000');
    const id = queue.body.items[0].id;
    expect((await ctx.http().get('/api/v1/admin/payouts').set(bearer(author.token))).status).toBe(403);
    expect((await ctx.http().post(`/api/v1/admin/payouts/${id}/approve`).set(bearer(admin.token)).send({})).status).toBe(400);
    const ok = await ctx.http().post(`/api/v1/admin/payouts/${id}/approve`).set(bearer(admin.token)).send({ reference: 'ALI20261201001' });
    expect(ok.status).toBe(200);
    expect(ok.body.payout).toMatchObject({ id, status: 'approved', reference: 'ALI20261201001' });
    const again = await ctx.http().post(`/api/v1/admin/payouts/${id}/reject`).set(bearer(admin.token)).send({ reason: '重复' });
    expect(again.status).toBe(409);
    expect(await pendingPayouts()).toBe(4000);
    expect(await wallet(author)).toMatchObject({ balanceCents: 5000, withdrawableCents: 0 });
    expect(await count(ctx, `notifications WHERE user_id = $1 AND kind = 'payout_approved'`, [author.user.id])).toBe(1);
    expect(ctx.deps.mailer.recent().filter((m) => m.to === author.user.email && m.subject.includes('已打款'))).toHaveLength(1);
    expect(await count(ctx, `admin_audit_log WHERE action = 'payout.approve' AND target_id = $1`, [id])).toBe(1);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when an admin rejects with a reason, then the amount returns to the wallet and is withdrawable again; a second decision → 409', async () => {
    const queue = await ctx.http().get('/api/v1/admin/payouts?status=pending').set(bearer(admin.token));
    const id = queue.body.items[0].id;
    const amount = queue.body.items[0].amountCents;
    const res = await ctx.http().post(`/api/v1/admin/payouts/${id}/reject`).set(bearer(admin.token)).send({ reason: '收款人姓名与实名不符' });
    expect(res.status).toBe(200);
    expect(res.body.payout).toMatchObject({ status: 'rejected', reason: '收款人姓名与实名不符' });
    expect(await wallet(author)).toMatchObject({ balanceCents: 5000 + amount, withdrawableCents: amount });
    expect((await ctx.http().post(`/api/v1/admin/payouts/${id}/approve`).set(bearer(admin.token)).send({ reference: 'x' })).status).toBe(409);
    expect((await ctx.http().post('/api/v1/admin/payouts/999999/approve').set(bearer(admin.token)).send({ reference: 'x' })).status).toBe(404);
    expect(await count(ctx, `notifications WHERE user_id = $1 AND kind = 'payout_rejected'`, [author.user.id])).toBe(1);
    expect(ctx.deps.mailer.recent().filter((m) => m.to === author.user.email && m.text.includes('收款人姓名与实名不符'))).toHaveLength(1);
    expect(await count(ctx, `admin_audit_log WHERE action = 'payout.reject' AND target_id = $1`, [id])).toBe(1);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });
});

describe('the pages', () => {
  it('when the author withdraws from /wallet, then the history masks the account; /admin/payouts shows it whole and approves it with CSRF', async () => {
    const { agent, csrf } = await loginAgent(ctx, author);
    const before = await wallet(author);
    const page = await agent.get('/wallet');
    expect(page.text).toContain('可提现金额');
    expect(page.text).toContain(`data-cents="${before.withdrawableCents}"`);
    const posted = await agent.post('/wallet/payouts').type('form').send({ _csrf: csrf, amountYuan: '10', method: 'bank', name: '李四', number: '6222020200112233445' });
    expect(posted.status).toBe(303);
    expect(await wallet(author)).toMatchObject({ withdrawableCents: before.withdrawableCents - 1000 });
    const after = await agent.get('/wallet');
    expect(after.text).toContain('622****3445');
    expect(after.text).not.toContain('6222020200112233445');
    const tooMuch = await agent.post('/wallet/payouts').type('form').send({ _csrf: csrf, amountYuan: '100000', method: 'bank', name: '李四', number: '6222020200112233445' });
    expect(tooMuch.status).toBe(402);
    expect(tooMuch.text).toContain('提现金额超过可提现金额');

    const desk = await loginAgent(ctx, admin);
    const queue = await desk.agent.get('/admin/payouts');
    expect(queue.status).toBe(200);
    expect(queue.text).toContain('6222020200112233445');
    expect((await agent.get('/admin/payouts')).status).toBe(403);
    const { rows } = await ctx.deps.db.pool.query(`SELECT id FROM payouts WHERE account_number = '6222020200112233445'`);
    const approve = await desk.agent.post(`/admin/payouts/${rows[0].id}/approve`).type('form').send({ _csrf: desk.csrf, reference: 'BANK-778899' });
    expect(approve.status).toBe(303);
    expect(await count(ctx, `payouts WHERE id = $1 AND status = 'approved' AND reference = 'BANK-778899'`, [rows[0].id])).toBe(1);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });
});
