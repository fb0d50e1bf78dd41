// VIP membership through the HTTP API: purchase, quota per day in TIMEZONE, expiry, cancel with
// a pro-rata refund, the reminder, and members' downloads paying authors from the platform.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { withTransaction } from '../db/transaction.js';
import { refundPurchase } from './refunds.service.js';
import { CLEAN_LEDGER, balanceOf, createDocument, ledgerInvariants, registerUser, topUp } from '../../test/factories.js';
import { sendVipReminders } from './vip.service.js';

const PLANS = [
  { id: 'week', name: '周卡', days: 7, priceCents: 700, downloadsPerDay: 2 },
  { id: 'month', name: '月卡', days: 30, priceCents: 3000, downloadsPerDay: 3 },
];
const DAY = 24 * 3600 * 1000;

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ VIP_PLANS: JSON.stringify(PLANS), TIMEZONE: 'Asia/Shanghai', SESSION_TTL: '365d' });
});
afterAll(async () => ctx.close());

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const q = async (sql: string, params: unknown[] = []) => (await ctx.deps.db.pool.query(sql, params)).rows;
/** Moves the injected clock to the instant given. */
const setClock = (iso: string) => ctx.clock.advance(new Date(iso).getTime() - ctx.clock.now().getTime());
const me = async (token: string) => (await ctx.http().get('/api/v1/me').set(auth(token))).body.vip as { until: string; downloadsLeftToday: number } | null;
const buy = (token: string, body: object) => ctx.http().post('/api/v1/vip/purchase').set(auth(token)).send(body);
const link = (token: string, docId: number) => ctx.http().post(`/api/v1/documents/${docId}/download-link`).set(auth(token)).send({ confirm: true });
const expectCleanLedger = async () => expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);

async function member(planId = 'week', balance = 700) {
  const user = await registerUser(ctx);
  await topUp(ctx, user.token, balance);
  const res = await buy(user.token, { planId, confirm: true });
  expect(res.status).toBe(201);
  return user;
}

async function paidDocs(n: number, priceCents = 1000) {
  const author = await registerUser(ctx);
  const docs = [];
  for (let i = 0; i < n; i++) docs.push(await createDocument(ctx, { uploaderId: author.user.id, priceCents }));
  return { author, docs };
}

describe('VIP plans and purchase', () => {
  it('when anyone asks for the plans, then they are the configured ones', async () => {
    const res = await ctx.http().get('/api/v1/vip/plans');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: PLANS });
  });

  it('when the purchase is not confirmed, the balance is short or the plan unknown, then 428 / 402 / 404 and nothing is charged', async () => {
    const user = await registerUser(ctx);
    await topUp(ctx, user.token, 500);
    expect((await buy(user.token, { planId: 'week' })).status).toBe(428);
    const short = await buy(user.token, { planId: 'week', confirm: true });
    expect([short.status, short.body.error.code]).toEqual([402, 'insufficient_funds']);
    expect((await buy(user.token, { planId: 'decade', confirm: true })).status).toBe(404);
    expect((await buy(user.token, { confirm: true })).status).toBe(400);
    expect(await balanceOf(ctx, user.user.id)).toEqual({ wallet: 500, debt: 0 });
    expect(await q(`SELECT 1 FROM vip_periods WHERE user_id = $1`, [user.user.id])).toHaveLength(0);
    expect(await me(user.token)).toBeNull();
    await expectCleanLedger();
  });

  it('when a user buys a plan and then another, then the wallet pays each and the second starts where the first ends', async () => {
    setClock('2027-03-01T04:00:00Z');
    const user = await registerUser(ctx);
    await topUp(ctx, user.token, 3700);
    const first = await buy(user.token, { planId: 'week', confirm: true });
    expect(first.status).toBe(201);
    const t0 = ctx.clock.now().getTime();
    expect(new Date(first.body.vip.until).getTime()).toBeGreaterThanOrEqual(t0 + 7 * DAY - 2000);
    expect(first.body).toMatchObject({ vip: { downloadsLeftToday: 2 }, wallet: { balanceCents: 3000 } });
    await expectCleanLedger();
    const second = await buy(user.token, { planId: 'month', confirm: true });
    expect(second.status).toBe(201);
    expect(second.body.period.startsAt).toBe(first.body.vip.until);
    expect(new Date(second.body.vip.until).getTime()).toBe(new Date(first.body.vip.until).getTime() + 30 * DAY);
    expect(await balanceOf(ctx, user.user.id)).toEqual({ wallet: 0, debt: 0 });
    expect((await me(user.token))!.until).toBe(second.body.vip.until);
    const platform = await q(`SELECT sum(amount_cents)::bigint AS s FROM ledger_entries WHERE kind = 'vip_fee'
      AND transaction_id IN (SELECT ledger_transaction_id FROM vip_periods WHERE user_id = $1)`, [user.user.id]);
    expect(Number(platform[0]!.s)).toBe(3700);
    await expectCleanLedger();
  });
});

describe('members download paid documents within the day quota', () => {
  it('when a member downloads paid documents, then each is a purchase the platform pays the author for, up to the quota of the day in TIMEZONE', async () => {
    setClock('2027-03-10T15:50:00Z'); // 23:50 in Shanghai
    const user = await member('week');
    const { author, docs } = await paidDocs(4, 1000);
    for (const doc of docs.slice(0, 2)) {
      const res = await link(user.token, doc.id);
      expect(res.status).toBe(200);
      await expectCleanLedger();
    }
    // The buyer's wallet did not move; the author got 70% of the member's fee per download (issue 27:
    // ¥7 / (7 days × 2) = ¥0.50, less than the price) from the platform.
    expect(await balanceOf(ctx, user.user.id)).toEqual({ wallet: 0, debt: 0 });
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 70, debt: 0 });
    const rows = await q(`SELECT paid_with AS "paidWith", price_cents AS price, member_fee_cents AS fee, author_cents AS author FROM purchases WHERE buyer_id = $1`, [user.user.id]);
    expect(rows).toEqual([{ paidWith: 'vip', price: 1000, fee: 50, author: 35 }, { paidWith: 'vip', price: 1000, fee: 50, author: 35 }]);
    const mine = await ctx.http().get('/api/v1/me/purchases').set(auth(user.token));
    expect(mine.body.items.map((i: { document: { id: number } }) => i.document.id).sort()).toEqual([docs[0]!.id, docs[1]!.id].sort());
    expect((await me(user.token))!.downloadsLeftToday).toBe(0);

    // The same document again uses no quota; a third one today is 402.
    expect((await link(user.token, docs[0]!.id)).status).toBe(200);
    const over = await link(user.token, docs[2]!.id);
    expect([over.status, over.body.error.code]).toEqual([402, 'insufficient_funds']);

    setClock('2027-03-10T15:59:00Z'); // 23:59 in Shanghai: still the same day
    expect((await link(user.token, docs[2]!.id)).status).toBe(402);
    setClock('2027-03-10T16:00:30Z'); // 00:00:30 in Shanghai: a new day, although still the 10th in UTC
    expect((await me(user.token))!.downloadsLeftToday).toBe(2);
    expect((await link(user.token, docs[2]!.id)).status).toBe(200);
    expect((await me(user.token))!.downloadsLeftToday).toBe(1);
    const days = await q(`SELECT quota_day::text AS day FROM purchases WHERE buyer_id = $1 ORDER BY id`, [user.user.id]);
    expect(days.map((d) => d.day)).toEqual(['2027-03-10', '2027-03-10', '2027-03-11']);
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 105, debt: 0 });
    await expectCleanLedger();
  });

  it('when a member asks for five links at once with a quota of two, then exactly two become purchases', async () => {
    const user = await member('week');
    const { author, docs } = await paidDocs(5, 500);
    const answers = await Promise.all(docs.map((d) => link(user.token, d.id)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 402, 402, 402]);
    expect(await q(`SELECT 1 FROM purchases WHERE buyer_id = $1`, [user.user.id])).toHaveLength(2);
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 70, debt: 0 });
    await expectCleanLedger();
  });

  it('when support refunds a member download, then the author share goes back to the platform, the buyer gets nothing, the link stops and the quota is back', async () => {
    const user = await member('week');
    const { author, docs } = await paidDocs(1, 1000);
    const res = await link(user.token, docs[0]!.id);
    expect(res.status).toBe(200);
    const [purchase] = await q(`SELECT id FROM purchases WHERE buyer_id = $1`, [user.user.id]);
    await withTransaction(ctx.deps.db.pool, (tx) => refundPurchase(tx, { purchaseId: purchase!.id, actorId: null, note: '内容与标题不符' }));
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 0, debt: 0 });
    expect(await balanceOf(ctx, user.user.id)).toEqual({ wallet: 0, debt: 0 });
    expect((await ctx.http().get(new URL(res.body.url, 'http://x').pathname)).status).toBe(403);
    expect((await me(user.token))!.downloadsLeftToday).toBe(2);
    await expectCleanLedger();
  });

  it('when the membership has ended, then /me says null, downloads need a purchase and nothing renews or is charged', async () => {
    const user = await member('week', 1000);
    const { docs } = await paidDocs(1);
    ctx.clock.advance(7 * DAY + 60_000);
    expect(await me(user.token)).toBeNull();
    expect((await link(user.token, docs[0]!.id)).status).toBe(402);
    expect(await balanceOf(ctx, user.user.id)).toEqual({ wallet: 300, debt: 0 });
    expect(await q(`SELECT 1 FROM vip_periods WHERE user_id = $1`, [user.user.id])).toHaveLength(1);
  });
});

describe('cancel and reminder', () => {
  it('when a member cancels, then the unused whole days of every period come back and the membership ends at once', async () => {
    const user = await registerUser(ctx);
    await topUp(ctx, user.token, 3700);
    expect((await buy(user.token, { planId: 'week', confirm: true })).status).toBe(201);
    expect((await buy(user.token, { planId: 'month', confirm: true })).status).toBe(201);
    ctx.clock.advance(2.5 * DAY); // 4.5 days of the week left: 4 whole days, 700 × 4/7 = 400; the month is untouched: 3000
    const res = await ctx.http().post('/api/v1/vip/cancel').set(auth(user.token)).send({});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ refundCents: 3400, wallet: { balanceCents: 3400 }, vip: null });
    expect(await balanceOf(ctx, user.user.id)).toEqual({ wallet: 3400, debt: 0 });
    expect(await me(user.token)).toBeNull();
    const periods = await q(`SELECT status, refund_cents AS refund FROM vip_periods WHERE user_id = $1 ORDER BY id`, [user.user.id]);
    expect(periods).toEqual([{ status: 'cancelled', refund: 400 }, { status: 'cancelled', refund: 3000 }]);
    const again = await ctx.http().post('/api/v1/vip/cancel').set(auth(user.token)).send({});
    expect([again.status, again.body.error.code]).toEqual([409, 'conflict']);
    expect(await balanceOf(ctx, user.user.id)).toEqual({ wallet: 3400, debt: 0 });
    await expectCleanLedger();
  });

  it('when a membership ends within three days, then one reminder is written, and buying more brings one before the new end', async () => {
    await sendVipReminders(ctx.deps); // earlier tests' members
    const user = await member('week', 1400);
    ctx.clock.advance(3.5 * DAY);
    expect(await sendVipReminders(ctx.deps)).toBe(0);
    ctx.clock.advance(1 * DAY); // 2.5 days left
    expect(await sendVipReminders(ctx.deps)).toBe(1);
    expect(await sendVipReminders(ctx.deps)).toBe(0);
    const notes = await q(`SELECT kind, title, link FROM notifications WHERE user_id = $1`, [user.user.id]);
    expect(notes).toEqual([{ kind: 'vip_expiring', title: '会员即将到期', link: '/vip' }]);
    expect((await buy(user.token, { planId: 'week', confirm: true })).status).toBe(201);
    ctx.clock.advance(5 * DAY); // the new end is 9.5 days after the first reminder: 4.5 days left
    expect(await sendVipReminders(ctx.deps)).toBe(0);
    ctx.clock.advance(2 * DAY);
    expect(await sendVipReminders(ctx.deps)).toBe(1);
    expect(await q(`SELECT 1 FROM notifications WHERE user_id = $1`, [user.user.id])).toHaveLength(2);
  });
});

describe('a membership never pays authors more than it collected (issue 27)', () => {
  const authorsEarnedFrom = async (periodIds: number[]) =>
    Number((await q(`SELECT coalesce(sum(author_cents), 0)::bigint AS s FROM purchases WHERE vip_period_id = ANY($1::bigint[]) AND status = 'paid'`, [periodIds]))[0]!.s);

  it('when two accounts of one person collude (a member downloading the other\'s documents priced ¥1,000,000), then the author earns the share of the fee per download only, and cancelling leaves the platform more than it paid', async () => {
    setClock('2027-05-01T02:00:00Z');
    const member = await registerUser(ctx);
    await topUp(ctx, member.token, 3000);
    expect((await buy(member.token, { planId: 'month', confirm: true })).status).toBe(201);
    const [period] = await q(`SELECT id FROM vip_periods WHERE user_id = $1`, [member.user.id]);
    const { author, docs } = await paidDocs(7, 100_000_000);
    for (const [i, doc] of docs.entries()) {
      if (i === 3 || i === 6) ctx.clock.advance(DAY);
      expect((await link(member.token, doc.id)).status).toBe(200);
    }
    // ¥30 / (30 days × 3) = 33 cents a download; 70% of it: 23 cents, seven times.
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 7 * 23, debt: 0 });
    expect(await authorsEarnedFrom([period!.id])).toBe(161);
    // Settled after the hold: still only what the fees paid; asking for the "price" is refused.
    ctx.clock.advance(8 * DAY);
    const wallet = await ctx.http().get('/api/v1/wallet').set(auth(author.token));
    expect(wallet.body).toMatchObject({ balanceCents: 161, withdrawableCents: 161, pendingEarningsCents: 0 });
    const payout = await ctx.http().post('/api/v1/wallet/payouts').set(auth(author.token)).send({ amountCents: 70_000_000, account: { method: 'alipay', name: '张三', number: '13800138000' } });
    expect([payout.status, payout.body.error.code]).toEqual([402, 'insufficient_funds']);
    // Cancel: unused whole days come back, less nothing (7 × 33 cents of fees < the days used).
    const cancel = await ctx.http().post('/api/v1/vip/cancel').set(auth(member.token)).send({});
    expect(cancel.status).toBe(200);
    const kept = 3000 - (cancel.body.refundCents as number);
    expect(await authorsEarnedFrom([period!.id])).toBeLessThanOrEqual(kept);
    // Neither account can withdraw more than the membership paid: the member's refund is not earnings.
    const memberWallet = await ctx.http().get('/api/v1/wallet').set(auth(member.token));
    expect(memberWallet.body.withdrawableCents).toBe(0);
    await expectCleanLedger();
  });

  it('when a member downloads on every calendar day a week touches (eight, from 23:50), then the period gives at most days × per-day downloads', async () => {
    setClock('2027-06-01T15:50:00Z'); // 23:50 in Shanghai: the 7-day period touches 8 calendar days
    const member = await registerUser(ctx);
    await topUp(ctx, member.token, 700);
    expect((await buy(member.token, { planId: 'week', confirm: true })).status).toBe(201);
    const { author, docs } = await paidDocs(16, 1000);
    const statuses: number[] = [];
    for (let day = 0; day < 8; day++) {
      // The 8th calendar day (00:30 on June 8th in Shanghai, inside the period): 14 used, none left.
      if (day === 7) expect((await me(member.token))!.downloadsLeftToday).toBe(0);
      for (const doc of docs.slice(day * 2, day * 2 + 2)) statuses.push((await link(member.token, doc.id)).status);
      ctx.clock.advance(day === 6 ? 40 * 60_000 : DAY);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(14);
    expect(statuses.slice(14)).toEqual([402, 402]);
    // 14 × 70% of ¥0.50: never more than the ¥7 paid.
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 14 * 35, debt: 0 });
    await expectCleanLedger();
  });

  it('when a member who downloaded more than the days used cancels, then the refund is the price less the fees of the downloads', async () => {
    setClock('2027-07-01T15:50:00Z'); // 23:50 in Shanghai
    const member = await registerUser(ctx);
    await topUp(ctx, member.token, 700);
    expect((await buy(member.token, { planId: 'week', confirm: true })).status).toBe(201);
    const { author, docs } = await paidDocs(4, 1000);
    for (const doc of docs.slice(0, 2)) expect((await link(member.token, doc.id)).status).toBe(200);
    ctx.clock.advance(20 * 60_000); // 00:10: a new calendar day, 20 minutes into the period
    for (const doc of docs.slice(2)) expect((await link(member.token, doc.id)).status).toBe(200);
    // Unused whole days: 6 → ¥6.00; the price less 4 fees of ¥0.50: ¥5.00. The smaller comes back.
    const cancel = await ctx.http().post('/api/v1/vip/cancel').set(auth(member.token)).send({});
    expect(cancel.body).toMatchObject({ refundCents: 500, wallet: { balanceCents: 500 } });
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 4 * 35, debt: 0 });
    const [period] = await q(`SELECT id, refund_cents AS refund FROM vip_periods WHERE user_id = $1`, [member.user.id]);
    expect(period!.refund).toBe(500);
    expect(await authorsEarnedFrom([period!.id])).toBeLessThanOrEqual(700 - 500);
    await expectCleanLedger();
  });
});
