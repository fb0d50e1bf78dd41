// Money where features meet, in Chromium (issue 23): (a) a sale through the purchase dialog (short
// of money: a top-up preset, the wallet's form, the payment page, back to the dialog), the
// settlement period passing (the injected clock), a withdrawal from /wallet, the sale refunded by
// an admin, the approval refused with the balance shown on /admin/payouts, the rejection returning
// the amount; (b) a VIP member's downloads: what the dialog says, the quota after each, the price
// again past it, and the cancel. Every step is checked in the database, and the ledger sums to zero.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { DESKTOP, screenshots, startLiveServer, type LiveServer } from './harness.js';
import { registerAdmin } from '../../src/auth/test-fixtures.js';
import { balanceOf, CLEAN_LEDGER, createDocument, createTicket, ledgerInvariants, registerUser, topUp, type TestUser } from '../factories.js';

const DAY = 24 * 3600 * 1000;
let live: LiveServer;

beforeAll(async () => {
  // Sessions outlive the settlement period the test moves the clock through.
  live = await startLiveServer({ SESSION_TTL: '365d' });
}, 120_000);
afterAll(async () => live?.close(), 60_000);

const q = async (sql: string, params: unknown[] = []) => (await live.ctx.deps.db.pool.query(sql, params)).rows;
const expectCleanLedger = async () => expect(await ledgerInvariants(live.ctx)).toEqual(CLEAN_LEDGER);

async function browserAs(user: TestUser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await live.browser.newContext({ viewport: DESKTOP, locale: 'zh-CN', acceptDownloads: true });
  await context.addCookies([{ name: 'wenku_session', value: user.token, url: live.baseUrl }]);
  const page = await context.newPage();
  page.on('dialog', (d) => void d.accept()); // the admin desk's window.confirm before a refund
  return { context, page };
}

/** Opens the download dialog, ticks the confirmation and confirms; resolves when the file starts. */
async function confirmDownload(page: Page): Promise<void> {
  const form = page.locator('form[data-form="download-confirm"]');
  await form.locator('.js-confirm-check').check();
  const [download] = await Promise.all([page.waitForEvent('download'), form.locator('.js-dialog-confirm').click()]);
  expect(await download.failure()).toBeNull();
}

describe('a sale, its settlement, a withdrawal, a refund and the payout decision', () => {
  it('when the sale behind a withdrawal is refunded, then the admin sees the negative balance, approval is refused and rejection returns the amount', async () => {
    const ctx = live.ctx;
    const author = await registerUser(ctx, { displayName: '林作者' });
    const buyer = await registerUser(ctx, { displayName: '买家小周' });
    const admin = await registerAdmin(ctx, { displayName: '财务' });
    const doc = await createDocument(ctx, { uploaderId: author.user.id, title: '2026年度财务分析报告', priceCents: 15000, pages: ['<p>第一页</p>', '<p>第二页</p>'], freePreviewPages: 1 });
    await topUp(ctx, buyer.token, 750);

    // The buyer: ¥150 with ¥7.50 — the dialog says what is missing and offers amounts that cover it.
    const b = await browserAs(buyer);
    await b.page.goto(`${live.baseUrl}/doc/${doc.id}`);
    await b.page.click('.buy-card .js-open-download');
    await expect.poll(() => b.page.locator('.js-dialog-error').textContent()).toContain('还差 ¥142.50');
    const presets = await b.page.locator('.js-topup-presets a').allTextContents();
    expect(presets).toEqual(['¥142.50（差额）', '¥150.00', '¥300.00', '¥500.00']);
    await screenshots(b.page, 'money-dialog-short');
    await Promise.all([b.page.waitForURL(/\/wallet\?/), b.page.click('.js-topup-presets a:has-text("¥150.00")')]);
    const topup = b.page.locator('form[data-form="wallet-topup"]');
    expect(await topup.locator('input[name=amountYuan]').inputValue()).toBe('150.00');
    await Promise.all([b.page.waitForURL(/dev-pay/), topup.locator('button.btn-primary').click()]);
    await Promise.all([b.page.waitForURL(new RegExp(`/doc/${doc.id}`)), b.page.locator('form[data-form="dev-pay"] button').click()]);
    expect(await balanceOf(ctx, buyer.user.id)).toEqual({ wallet: 15750, debt: 0 });
    // Back on the document with the dialog open again: confirm and pay.
    await expect.poll(() => b.page.locator('#download-dialog').evaluate((d: HTMLDialogElement) => d.open)).toBe(true);
    expect(await b.page.locator('.js-dialog-confirm').textContent()).toBe('确认购买并下载（¥150.00）');
    await confirmDownload(b.page);
    const [purchase] = await q(`SELECT id, status, author_cents AS author FROM purchases WHERE buyer_id = $1 AND document_id = $2`, [buyer.user.id, doc.id]);
    expect(purchase).toMatchObject({ status: 'paid', author: 10500 });
    expect(await balanceOf(ctx, buyer.user.id)).toEqual({ wallet: 750, debt: 0 });
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 10500, debt: 0 });
    await expectCleanLedger();

    // The author: the share is pending for PAYOUT_HOLD_DAYS; nothing to withdraw yet.
    const a = await browserAs(author);
    await a.page.goto(`${live.baseUrl}/wallet`);
    expect(await a.page.locator('#wallet-pending').getAttribute('data-cents')).toBe('10500');
    expect(await a.page.locator('#wallet-withdrawable').getAttribute('data-cents')).toBe('0');
    expect(await a.page.locator('form[data-form="wallet-payout"]').count()).toBe(0);
    ctx.clock.advance(8 * DAY);
    await a.page.reload();
    expect(await a.page.locator('#wallet-withdrawable').getAttribute('data-cents')).toBe('10500');
    const payoutForm = a.page.locator('form[data-form="wallet-payout"]');
    expect(await payoutForm.locator('input[name=_csrf]').inputValue()).toMatch(/^[0-9a-f]{20,}/);
    await payoutForm.locator('input[name=amountYuan]').fill('100');
    await payoutForm.locator('select[name=method]').selectOption('alipay');
    await payoutForm.locator('input[name=name]').fill('林作者');
    await payoutForm.locator('input[name=number]').fill('13800138000');
    await Promise.all([a.page.waitForURL(/\/wallet\?payout=1/), payoutForm.locator('button[type=submit]').click()]);
    expect(await a.page.locator('.wallet-payouts .alert-ok').textContent()).toContain('提现申请已提交');
    const [payout] = await q(`SELECT id, status, amount_cents AS amount FROM payouts WHERE user_id = $1`, [author.user.id]);
    expect(payout).toMatchObject({ status: 'pending', amount: 10000 });
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 500, debt: 0 });
    await expectCleanLedger();
    await screenshots(a.page, 'money-wallet-payout');

    // The buyer asks for a refund; the admin refunds the sale on the ticket page.
    const ticketId = await createTicket(ctx, buyer.token, { category: 'refund', subject: '内容与标题不符', body: '请退款', documentId: doc.id, purchaseId: purchase!.id });
    const admin_ = await browserAs(admin);
    await admin_.page.goto(`${live.baseUrl}/admin/tickets/${ticketId}`);
    const resolve = admin_.page.locator('form[data-form="ticket-resolve"]');
    await Promise.all([admin_.page.waitForURL(new RegExp(`/admin/tickets/${ticketId}`)), resolve.locator('button[value=refund]').click()]);
    await expect.poll(async () => (await q(`SELECT status FROM purchases WHERE id = $1`, [purchase!.id]))[0]!.status).toBe('refunded');
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 0, debt: -10000 });
    expect(await balanceOf(ctx, buyer.user.id)).toEqual({ wallet: 15750, debt: 0 });
    await expectCleanLedger();

    // The payout queue shows the account below zero; 已打款 is refused and nothing moves.
    await admin_.page.goto(`${live.baseUrl}/admin/payouts`);
    const row = admin_.page.locator('#payout-queue tbody tr', { hasText: '林作者' });
    expect(await row.locator('.payout-account-state').getAttribute('data-balance-cents')).toBe('-10000');
    expect(await row.locator('.payout-warning').textContent()).toContain('余额为负');
    await screenshots(admin_.page, 'money-admin-payouts-negative');
    const entriesBefore = (await q(`SELECT count(*)::int AS n FROM ledger_entries`))[0]!.n;
    const approve = row.locator('form[data-form="admin-payout-approve"]');
    await approve.locator('input[name=reference]').fill('ALIPAY-20261208-001');
    const [answer] = await Promise.all([admin_.page.waitForResponse((r) => r.url().endsWith(`/admin/payouts/${payout!.id}/approve`)), approve.locator('button').click()]);
    expect(answer.status()).toBe(409);
    expect(await admin_.page.locator('.alert-error[role=alert]').first().textContent()).toContain('不能打款');
    expect((await q(`SELECT status FROM payouts WHERE id = $1`, [payout!.id]))[0]!.status).toBe('pending');
    expect((await q(`SELECT count(*)::int AS n FROM ledger_entries`))[0]!.n).toBe(entriesBefore);
    await expectCleanLedger();

    // 驳回 returns the amount: it pays the debt the refund left.
    const reject = admin_.page.locator('#payout-queue tbody tr', { hasText: '林作者' }).locator('form[data-form="admin-payout-reject"]');
    await reject.locator('input[name=reason]').fill('买家已退款，收入已冲回');
    await Promise.all([admin_.page.waitForURL(/\/admin\/payouts\?status=pending/), reject.locator('button').click()]);
    expect((await q(`SELECT status, reason FROM payouts WHERE id = $1`, [payout!.id]))[0]).toEqual({ status: 'rejected', reason: '买家已退款，收入已冲回' });
    expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 0, debt: 0 });
    await expectCleanLedger();
    await a.page.goto(`${live.baseUrl}/wallet#payouts`);
    expect(await a.page.locator('#payout-history').textContent()).toContain('已驳回');
    await screenshots(a.page, 'money-wallet-payout-rejected');
    for (const c of [a.context, b.context, admin_.context]) await c.close();
  }, 240_000);
});

describe('a VIP member downloading', () => {
  it('when a member downloads within the quota, then the dialog says the membership pays, the count goes down after each, and past the quota the price comes back', async () => {
    const ctx = live.ctx;
    const member = await registerUser(ctx, { displayName: '会员小陈' });
    const author = await registerUser(ctx, { displayName: '周老师' });
    await topUp(ctx, member.token, 2500);
    const docs = [];
    for (let i = 1; i <= 6; i++) docs.push(await createDocument(ctx, { uploaderId: author.user.id, title: `教学设计案例 第${i}篇`, priceCents: 300 }));

    // Buy the 月度 plan (¥25, 30 days, 5 a day) on /vip.
    const m = await browserAs(member);
    await m.page.goto(`${live.baseUrl}/vip`);
    const plan = m.page.locator('form[data-form="vip-purchase"]', { has: m.page.locator('input[name=planId][value=month]') });
    await plan.locator('input[name=confirm]').check();
    await screenshots(m.page, 'vip-plans');
    await Promise.all([m.page.waitForLoadState('load'), plan.locator('button[type=submit]').click()]);
    await expect.poll(() => m.page.locator('#vip-status').textContent()).toContain('今天还可免费下载 5 篇');
    expect(await balanceOf(ctx, member.user.id)).toEqual({ wallet: 0, debt: 0 });
    const [period] = await q(`SELECT id, price_cents AS price FROM vip_periods WHERE user_id = $1`, [member.user.id]);
    expect(period!.price).toBe(2500);

    for (const [i, doc] of docs.slice(0, 5).entries()) {
      const left = 5 - i;
      await m.page.goto(`${live.baseUrl}/doc/${doc.id}`);
      expect(await m.page.locator('.buy-card .js-open-download').textContent()).toBe(`会员免费下载 · 今日剩余 ${left} 篇`);
      await m.page.click('.buy-card .js-open-download');
      const dialog = m.page.locator('form[data-form="download-confirm"]');
      expect(await dialog.locator('.js-dialog-charge').textContent()).toBe(`会员免费下载 · 今日剩余 ${left} 篇`);
      expect(await dialog.locator('.js-dialog-confirm').textContent()).toBe(`会员免费下载 · 今日剩余 ${left} 篇`);
      expect(await dialog.locator('.js-coupon-code').count()).toBe(0);
      if (i === 0) await screenshots(m.page, 'vip-dialog');
      await confirmDownload(m.page);
      await expect.poll(() => m.page.locator('.js-download-done').textContent()).toContain(`今日剩余 ${left - 1} 篇`);
      // The membership paid: the wallet did not move; the author got 70% of ¥25 / (30 × 5) = 16 cents.
      const rows = await q(`SELECT paid_with AS "paidWith", member_fee_cents AS fee, author_cents AS author FROM purchases WHERE buyer_id = $1 ORDER BY id`, [member.user.id]);
      expect(rows).toHaveLength(i + 1);
      expect(rows[i]).toEqual({ paidWith: 'vip', fee: 16, author: 11 });
      expect(await balanceOf(ctx, member.user.id)).toEqual({ wallet: 0, debt: 0 });
      expect(await balanceOf(ctx, author.user.id)).toEqual({ wallet: 11 * (i + 1), debt: 0 });
      await expectCleanLedger();
    }

    // Past the quota: the price again, saying why; the dialog charges (and finds the wallet short).
    await m.page.goto(`${live.baseUrl}/doc/${docs[5]!.id}`);
    expect(await m.page.locator('.buy-card .js-open-download').textContent()).toBe('下载文档（¥3.00）');
    expect(await m.page.locator('.buy-card .js-sale-note').textContent()).toContain('今日会员免费下载额度已用完');
    await m.page.click('.buy-card .js-open-download');
    const dialog = m.page.locator('form[data-form="download-confirm"]');
    expect(await dialog.locator('.js-dialog-charge').textContent()).toBe('¥3.00（今日会员额度已用完）');
    expect(await dialog.locator('.js-dialog-confirm').textContent()).toBe('确认购买并下载（¥3.00）');
    await expect.poll(() => dialog.locator('.js-dialog-error').textContent()).toContain('余额不足');
    await screenshots(m.page, 'vip-quota-used-up');
    expect((await q(`SELECT count(*)::int AS n FROM purchases WHERE buyer_id = $1`, [member.user.id]))[0]!.n).toBe(5);

    // Cancel on /vip: the unused days come back, never more than the price less the 5 fees.
    await m.page.goto(`${live.baseUrl}/vip`);
    const cancel = m.page.locator('form[data-form="vip-cancel"]');
    await Promise.all([m.page.waitForLoadState('load'), cancel.locator('button[type=submit]').click()]);
    await expect.poll(() => m.page.locator('.alert-ok[role=status]').textContent()).toContain('会员已取消');
    const [cancelled] = await q(`SELECT status, refund_cents AS refund FROM vip_periods WHERE id = $1`, [period!.id]);
    expect(cancelled!.status).toBe('cancelled');
    expect(cancelled!.refund).toBeLessThanOrEqual(2500 - 5 * 16);
    expect(await balanceOf(ctx, member.user.id)).toEqual({ wallet: cancelled!.refund, debt: 0 });
    const authorsEarned = (await q(`SELECT sum(author_cents)::int AS s FROM purchases WHERE vip_period_id = $1 AND status = 'paid'`, [period!.id]))[0]!.s;
    expect(authorsEarned).toBeLessThanOrEqual(2500 - cancelled!.refund);
    await expectCleanLedger();
    await m.context.close();
  }, 240_000);
});
