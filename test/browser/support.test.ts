// The report → refund path in a real browser: a buyer whose paid download failed reports it
// from the document page's 举报/投诉 link, an admin refunds it in one click on /admin, and the
// buyer sees the outcome and their balance back.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createTestContext, registerUser, type TestContext } from '../app.js';
import { startConversions, type ConversionWorker } from '../../src/documents/conversion.worker.js';
import { CORE_PROPS_DOCX, upload, waitForConversion } from '../../src/documents/test-support.js';
import { bearer, buy, topUp, type TestUser } from '../factories.js';
import { registerAdmin } from '../../src/auth/test-fixtures.js';

const SCREENSHOTS = path.resolve('test-artifacts/screenshots');
let ctx: TestContext;
let server: Server;
let worker: ConversionWorker;
let browser: Browser;
let baseUrl: string;
let admin: TestUser;
let buyer: TestUser;
let docId: number;
let purchaseId: number;

beforeAll(async () => {
  ctx = await createTestContext();
  server = createServer(ctx.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  worker = await startConversions(ctx.deps);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  mkdirSync(SCREENSHOTS, { recursive: true });

  admin = await registerAdmin(ctx, { email: 'desk@example.com', displayName: '客服小周' });
  const author = await registerUser(ctx, { displayName: '作者' });
  buyer = await registerUser(ctx, { displayName: '买家小张' });
  const uploaded = await upload(ctx, author.token, CORE_PROPS_DOCX, { fields: { title: '年度工作总结范文', priceCents: '500', category: '工作总结' } });
  expect(uploaded.status).toBe(202);
  docId = uploaded.body.document.id;
  expect((await waitForConversion(ctx, docId, 120_000)).status).toBe('ready');
  await topUp(ctx, buyer.token, 500);
  purchaseId = await buy(ctx, buyer.token, docId);
}, 180_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await worker?.stop(5_000);
  await ctx?.close();
}, 60_000);

async function logIn(user: TestUser): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/login?next=/`);
  await page.fill('input[name=email]', user.user.email);
  await page.fill('input[name=password]', user.password);
  await Promise.all([page.waitForURL(`${baseUrl}/`), page.click('form.form-stack button[type=submit]')]);
  return page;
}

describe('report → refund in Chromium', () => {
  let buyerPage: Page;
  let ticketUrl: string;

  it('when the buyer reports a failed download from the document page, then the form knows the document and the purchase, and the ticket is open', async () => {
    buyerPage = await logIn(buyer);
    expect(await buyerPage.textContent('.user-nav')).toContain('买家小张');
    await buyerPage.goto(`${baseUrl}/doc/${docId}`);
    await Promise.all([buyerPage.waitForURL(`${baseUrl}/support?documentId=${docId}`), buyerPage.click('a.report-link')]);
    expect(await buyerPage.textContent('form[data-form="support-ticket"]')).toContain('《年度工作总结范文》');
    expect(await buyerPage.inputValue('#ticket-purchase')).toBe(String(purchaseId));
    expect(await buyerPage.inputValue('#ticket-category')).toBe('download_failed');
    expect(await buyerPage.isVisible('#copyright-fields')).toBe(false);
    await buyerPage.fill('input[name=subject]', '付费后下载失败');
    await buyerPage.fill('textarea[name=body]', '付款成功后点击下载，下载到一半就中断了，重试几次都不行。');
    await Promise.all([buyerPage.waitForURL(/\/support\/tickets\/\d+\?created=1$/), buyerPage.click('form[data-form="support-ticket"] button[type=submit]')]);
    ticketUrl = buyerPage.url().replace(/\?.*$/, '');
    expect(await buyerPage.textContent('#ticket-status')).toBe('待处理');
    expect(await buyerPage.textContent('main')).toContain('从未完整下载');
    await buyerPage.screenshot({ path: path.join(SCREENSHOTS, 'support-ticket-open.png') });
  }, 60_000);

  it('when an admin opens the queue and refunds in one click, then the desk shows the refund', async () => {
    const adminPage = await logIn(admin);
    await adminPage.goto(`${baseUrl}/admin`);
    await adminPage.click('#category-filter a:has-text("付费后下载失败")');
    await adminPage.waitForURL(/category=download_failed/);
    const ticketId = ticketUrl.split('/').pop();
    await Promise.all([adminPage.waitForURL(`${baseUrl}/admin/tickets/${ticketId}`), adminPage.click(`#ticket-queue a[href="/admin/tickets/${ticketId}"] >> nth=0`)]);
    expect(await adminPage.textContent('#delivery-status')).toContain('从未完整下载');
    expect(await adminPage.textContent('#ticket-purchase')).toContain('买家小张');
    await adminPage.fill('form[data-form="ticket-resolve"] textarea[name=note]', '系统记录未完整下载，全额退款。');
    const questions: string[] = [];
    adminPage.once('dialog', (dialog) => {
      questions.push(dialog.message());
      void dialog.accept();
    });
    await Promise.all([adminPage.waitForURL(/done=refund/), adminPage.click('form[data-form="ticket-resolve"] button[value=refund]')]);
    expect(questions[0]).toContain('¥5.00');
    expect(await adminPage.textContent('#action-done')).toContain('已退款');
    expect(await adminPage.textContent('#ticket-status')).toBe('已解决');
    expect(await adminPage.isVisible('#ticket-actions button[value=refund]')).toBe(false);
    await adminPage.screenshot({ path: path.join(SCREENSHOTS, 'admin-ticket-refunded.png') });
    await adminPage.goto(`${baseUrl}/admin/audit-log`);
    expect(await adminPage.textContent('#audit-log')).toContain('工单处理：退款'); // the audit log names actions in Chinese
  }, 60_000);

  it('when the buyer looks again, then the ticket says refunded and the balance is back', async () => {
    await buyerPage.goto(ticketUrl);
    expect(await buyerPage.textContent('#ticket-status')).toBe('已解决');
    expect(await buyerPage.textContent('#ticket-resolution')).toContain('已退款');
    expect(await buyerPage.textContent('#ticket-messages')).toContain('已将 ¥5.00 全额退回您的钱包');
    await buyerPage.goto(`${baseUrl}/support`);
    expect(await buyerPage.textContent('#my-tickets')).toContain('已解决');
    await buyerPage.goto(`${baseUrl}/me`);
    expect(await buyerPage.textContent('.me-summary')).toContain('¥5.00');
    const me = await ctx.http().get('/api/v1/me').set(bearer(buyer.token));
    expect(me.body.wallet.balanceCents).toBe(500);
  }, 60_000);
});
