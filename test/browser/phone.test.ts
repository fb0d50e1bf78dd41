// On a phone (390×844, touch, 2×), in Chromium: buying a paid document with too little money tops
// up through the providers' phone flows (Alipay 手机网站支付, WeChat Pay H5) — loopback stand-ins that
// check our signatures, show a cashier and send the signed notification — and comes back to the
// document with the purchase dialog open; an abandoned order is cancelled from /wallet (closed at
// the provider; a late payment still credits once); an admin resolves a ticket; every admin page
// fits 390 px; the document page keeps its notices before the preview and does not shift.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { registerUser } from '../app.js';
import { balanceOf, createDocument, createTicket, type TestUser } from '../factories.js';
import { registerAdmin } from '../../src/auth/test-fixtures.js';
import {
  alipaySign, rsaPair, startFakeAlipayGateway, startFakeWechatServer, type FakeAlipayGateway, type FakeWechatServer,
} from '../../src/payments/providers/provider-test-keys.js';
import { PHONE, SCREENSHOT_DIR, screenshots, startLiveServer, type LiveServer } from './harness.js';
import { blocking, runAxe } from '../../bench/lib/axe.js';
import { SEED_DOC, upload, waitForConversion } from '../../src/documents/test-support.js';

const APP_ID = '2021000123456789';
const MCHID = '1900000109';
const APPID = 'wxd678efh567hg6787';
const API_V3_KEY = 'k'.repeat(32);
const appKey = rsaPair();
const alipayKey = rsaPair();
const merchantKey = rsaPair();
const platformKey = rsaPair();
const IPHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const WECHAT_UA = `${IPHONE_UA} MicroMessenger/8.0.50(0x1800323a) NetType/WIFI Language/zh_CN`;

let live: LiveServer;
let gateway: FakeAlipayGateway;
let wechat: FakeWechatServer;

beforeAll(async () => {
  gateway = await startFakeAlipayGateway(appKey.publicKey, alipayKey.privateKey);
  wechat = await startFakeWechatServer(platformKey.privateKey, { merchantPublicKey: merchantKey.publicKey, apiV3Key: API_V3_KEY });
  live = await startLiveServer((baseUrl) => ({
    PUBLIC_URL: baseUrl, // the stand-ins' notifications and return pages come back here
    ALIPAY_APP_ID: APP_ID,
    ALIPAY_PRIVATE_KEY: appKey.privatePem,
    ALIPAY_PUBLIC_KEY: alipayKey.publicPem,
    ALIPAY_GATEWAY: gateway.url,
    WECHAT_MCHID: MCHID,
    WECHAT_APPID: APPID,
    WECHAT_API_V3_KEY: API_V3_KEY,
    WECHAT_SERIAL_NO: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
    WECHAT_PRIVATE_KEY: merchantKey.privatePem,
    WECHAT_PLATFORM_PUBLIC_KEY: platformKey.publicPem,
    WECHAT_API_BASE: wechat.url,
  }));
}, 180_000);

afterAll(async () => {
  await live?.close();
  await gateway?.close();
  await wechat?.close();
}, 60_000);

const q = async (sql: string, params: unknown[]) => (await live.ctx.deps.db.pool.query(sql, params)).rows;
const creditsOf = async (orderId: number) => (await q(`SELECT 1 FROM ledger_transactions WHERE reference = $1`, [`topup:${orderId}`])).length;
const latestOrder = async (userId: number) =>
  (await q(`SELECT id, status, method, device FROM topup_orders WHERE user_id = $1 ORDER BY id DESC LIMIT 1`, [userId]))[0] as { id: number; status: string; method: string; device: string };

/** A phone's browser context logged in as the user; every request beyond this server and the stand-ins is refused and recorded. */
async function phone(user: TestUser, userAgent = IPHONE_UA): Promise<{ context: BrowserContext; page: Page; outside: string[] }> {
  const context = await live.browser.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true, userAgent, locale: 'zh-CN' });
  const outside: string[] = [];
  const allowed = [live.baseUrl, new URL(gateway.url).origin, wechat.url];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (allowed.some((a) => url.startsWith(a)) || url.startsWith('data:')) return route.continue();
    outside.push(url);
    return route.abort();
  });
  await context.addCookies([{ name: 'wenku_session', value: user.token, url: live.baseUrl }]);
  return { context, page: await context.newPage(), outside };
}

/** Orders a top-up on /wallet with the typed amount and the method, and waits for the order page. */
async function orderOnWallet(page: Page, yuan: string, method: 'alipay' | 'wechat') {
  await page.goto(`${live.baseUrl}/wallet`);
  await page.fill('input[name=amountYuan]', yuan);
  await page.check(`input[name=method][value=${method}]`);
  await Promise.all([page.waitForURL(/\/wallet\/topup\/\d+$/), page.tap('#topup-form button.btn-primary')]);
}

const fitsPhone = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

describe('paying on a phone', () => {
  it('when a buyer with too little money buys on a phone, then Alipay 手机网站支付 tops up through the stand-in cashier and the document comes back with the purchase dialog open', async () => {
    const author = await registerUser(live.ctx, { displayName: '作者' });
    const buyer = await registerUser(live.ctx, { displayName: '手机买家' });
    const doc = await createDocument(live.ctx, { uploaderId: author.user.id, title: '手机购买测试文档', priceCents: 500, pages: ['<p>第一页</p>', '<p>第二页</p>'] });
    const { context, page, outside } = await phone(buyer);
    await page.goto(`${live.baseUrl}/doc/${doc.id}`);
    await page.tap('.mobile-buy .js-open-download');
    await page.waitForSelector('#download-dialog[open]');
    // Too little money: the dialog says so at once and offers top-up amounts that lead to the wallet and back here.
    await expect.poll(() => page.textContent('#download-dialog .js-dialog-error')).toContain('余额不足');
    const preset = page.locator('#download-dialog .js-topup-presets a').first();
    await preset.waitFor();
    await Promise.all([page.waitForURL(/\/wallet\?/), preset.tap()]);
    await page.check('input[name=method][value=alipay]');
    await Promise.all([page.waitForURL(/\/wallet\/topup\/\d+\?return=/), page.tap('#topup-form .topup-presets button >> nth=0')]);
    const order = await latestOrder(buyer.user.id);
    expect(order).toMatchObject({ status: 'pending', method: 'alipay', device: 'mobile' });
    // No QR code on a phone: a button that opens Alipay.
    expect(await page.locator('.pay-qr, #topup-no-qr').count()).toBe(0);
    expect(await page.textContent('#topup-pay-link')).toContain('打开支付宝付款');
    expect(blocking(await runAxe(page))).toEqual([]);
    await screenshots(page, 'phone-topup-alipay-order');
    await page.setViewportSize(PHONE);
    await Promise.all([page.waitForURL(/gateway\.do/), page.tap('#topup-pay-link')]);
    expect(gateway.requests.at(-1)).toMatchObject({ signatureValid: true, params: { method: 'alipay.trade.wap.pay' } });
    // The stand-in cashier sends Alipay's signed notification, then returns to our order page,
    // which (paid) goes on to the document with the dialog open.
    await Promise.all([page.waitForURL((u) => u.pathname === `/doc/${doc.id}`, { timeout: 20_000 }), page.tap('button:has-text("确认付款")')]);
    expect(gateway.notified.at(-1)).toEqual({ outTradeNo: `wenku_topup_${order.id}`, status: 200, text: 'success' });
    await page.waitForSelector('#download-dialog[open]');
    await expect.poll(() => page.textContent('#download-dialog .js-balance')).toContain('¥5.00');
    expect(await balanceOf(live.ctx, buyer.user.id)).toEqual({ wallet: 500, debt: 0 });
    expect(await creditsOf(order.id)).toBe(1);
    expect((await latestOrder(buyer.user.id)).status).toBe('paid');
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'phone-doc-back-with-dialog.png') });
    expect(outside).toEqual([]);
    await context.close();
  });

  it('when a phone tops up with WeChat Pay, then the H5 cashier (the stand-in) pays it and the wallet shows the money', async () => {
    const buyer = await registerUser(live.ctx, { displayName: '微信买家' });
    const { context, page, outside } = await phone(buyer);
    await orderOnWallet(page, '12.50', 'wechat');
    const order = await latestOrder(buyer.user.id);
    expect(order).toMatchObject({ status: 'pending', method: 'wechat', device: 'mobile' });
    expect(wechat.requests.at(-1)).toMatchObject({ path: '/v3/pay/transactions/h5', signatureValid: true });
    await Promise.all([page.waitForURL(/\/h5pay\?/), page.tap('#topup-pay-link:has-text("打开微信支付")')]);
    await Promise.all([page.waitForURL(`${live.baseUrl}/wallet/topup/${order.id}`), page.tap('button:has-text("确认支付")')]);
    expect(wechat.notified.at(-1)).toEqual({ outTradeNo: `wenku_topup_${order.id}`, status: 200 });
    // Back on the order page from WeChat's cashier: it says paid.
    expect(await page.textContent('#topup-order-status')).toContain('支付成功');
    await page.goto(`${live.baseUrl}/wallet`);
    expect(await page.textContent('#wallet-balance')).toBe('¥12.50');
    expect(await balanceOf(live.ctx, buyer.user.id)).toEqual({ wallet: 1250, debt: 0 });
    expect(await creditsOf(order.id)).toBe(1);
    expect(outside).toEqual([]);
    await context.close();
  });

  it("when the wallet is opened inside WeChat's browser, then it says H5 pay does not work there and what to do, and choosing WeChat Pay creates no order", async () => {
    const buyer = await registerUser(live.ctx, { displayName: '微信内用户' });
    const { context, page } = await phone(buyer, WECHAT_UA);
    await page.goto(`${live.baseUrl}/wallet`);
    expect(await page.textContent('#wechat-browser-notice')).toContain('在浏览器打开');
    await page.fill('input[name=amountYuan]', '10');
    await page.check('input[name=method][value=wechat]');
    await page.tap('#topup-form button.btn-primary');
    await expect.poll(() => page.textContent('#topup-message')).toContain('微信不允许在其内置浏览器中使用微信 H5 支付');
    expect(await q(`SELECT id FROM topup_orders WHERE user_id = $1`, [buyer.user.id])).toEqual([]);
    await screenshots(page, 'phone-wallet-in-wechat');
    await context.close();
  });
});

describe('cancelling on a phone', () => {
  it('when the buyer cancels an abandoned order from /wallet, then its row says 已取消, Alipay closed the trade, and a late payment still credits once', async () => {
    const buyer = await registerUser(live.ctx, { displayName: '取消用户' });
    const { context, page } = await phone(buyer);
    await orderOnWallet(page, '8.80', 'alipay');
    const order = await latestOrder(buyer.user.id);
    await page.goto(`${live.baseUrl}/wallet`); // abandoned: back on the wallet
    const row = page.locator(`.topup-order-row[data-order-id="${order.id}"]`);
    expect(await row.locator('.topup-order-status').textContent()).toBe('等待付款');
    await screenshots(page, 'phone-wallet-pending-order');
    await page.setViewportSize(PHONE);
    expect(await fitsPhone(page)).toBeLessThanOrEqual(PHONE.width);
    await Promise.all([page.waitForURL(`${live.baseUrl}/wallet?cancelled=1`), row.locator('form[data-form="cancel-topup"] button').tap()]);
    expect(await page.locator(`.topup-order-row[data-order-id="${order.id}"] .topup-order-status`).textContent()).toBe('已取消');
    expect(await page.locator(`.topup-order-row[data-order-id="${order.id}"] form[data-form="cancel-topup"]`).count()).toBe(0);
    expect((await latestOrder(buyer.user.id)).status).toBe('cancelled');
    expect(gateway.closed).toContain(`wenku_topup_${order.id}`);
    await page.locator('.topup-orders').screenshot({ path: path.join(SCREENSHOT_DIR, 'phone-wallet-order-cancelled.png') });
    expect(blocking(await runAxe(page))).toEqual([]);

    // The buyer had paid just before the close: Alipay's notification (and its resend) credit it once.
    const params: Record<string, string> = {
      app_id: APP_ID, out_trade_no: `wenku_topup_${order.id}`, trade_no: `2026120822001${order.id}`, trade_status: 'TRADE_SUCCESS',
      total_amount: '8.80', notify_id: `n${order.id}`, notify_type: 'trade_status_sync', charset: 'utf-8', version: '1.0', sign_type: 'RSA2',
    };
    const body = new URLSearchParams({ ...params, sign: alipaySign(alipayKey.privateKey, params) }).toString();
    for (let i = 0; i < 2; i++) {
      expect((await live.ctx.http().post('/api/v1/payments/alipay/notify').type('form').send(body)).text).toBe('success');
    }
    expect(await balanceOf(live.ctx, buyer.user.id)).toEqual({ wallet: 880, debt: 0 });
    expect(await creditsOf(order.id)).toBe(1);
    await page.reload();
    expect(await page.locator(`.topup-order-row[data-order-id="${order.id}"] .topup-order-status`).textContent()).toBe('已到账');
    expect(await page.textContent('#wallet-balance')).toBe('¥8.80');
    await context.close();
  });

  it('when the buyer cancels on the order page itself, then the order is cancelled and WeChat closed it', async () => {
    const buyer = await registerUser(live.ctx, { displayName: '订单页取消' });
    const { context, page } = await phone(buyer);
    await orderOnWallet(page, '3', 'wechat');
    const order = await latestOrder(buyer.user.id);
    await Promise.all([page.waitForURL(`${live.baseUrl}/wallet?cancelled=1`), page.tap('form[data-form="cancel-topup-order"] button')]);
    expect((await latestOrder(buyer.user.id)).status).toBe('cancelled');
    expect(wechat.closed).toContain(`wenku_topup_${order.id}`);
    expect(await balanceOf(live.ctx, buyer.user.id)).toEqual({ wallet: 0, debt: 0 });
    await context.close();
  });
});

describe('support and reading on a phone', () => {
  it('when an admin works from a phone, then every admin page fits 390 px and a ticket is resolved', async () => {
    const admin = await registerAdmin(live.ctx, { displayName: '手机客服' });
    const reporter = await registerUser(live.ctx, { displayName: '投诉人' });
    const author = await registerUser(live.ctx);
    const doc = await createDocument(live.ctx, { uploaderId: author.user.id, title: '一篇标题很长很长的文档用来测试窄屏下的表格会不会撑破页面宽度', priceCents: 300 });
    const ticketId = await createTicket(live.ctx, reporter.token, { category: 'mismatch', subject: '内容与标题不符，请核实处理', body: '预览和标题不一致。', documentId: doc.id });
    const { context, page } = await phone(admin);
    const widths: Record<string, number> = {};
    for (const p of ['/admin', `/admin/tickets/${ticketId}`, '/admin/reviews', '/admin/payouts', '/admin/takedowns', '/admin/audit-log', '/admin/coupons', '/admin/vip']) {
      const res = await page.goto(`${live.baseUrl}${p}`);
      expect(res?.status(), p).toBe(200);
      widths[p] = await fitsPhone(page);
      expect(blocking(await runAxe(page)), `axe ${p}`).toEqual([]);
    }
    expect(Object.entries(widths).filter(([, w]) => w > PHONE.width)).toEqual([]);

    await page.goto(`${live.baseUrl}/admin`);
    await screenshots(page, 'phone-admin-queue');
    await page.setViewportSize(PHONE);
    await Promise.all([page.waitForURL(`${live.baseUrl}/admin/tickets/${ticketId}`), page.tap(`#ticket-queue a[href="/admin/tickets/${ticketId}"] >> nth=0`)]);
    await page.fill('#ticket-actions textarea[name=note]', '已核实，文档内容与标题一致。');
    await Promise.all([page.waitForURL(/done=/), page.tap('#ticket-actions button[value=none]')]);
    expect(await page.textContent('#ticket-status')).toBe('已解决');
    expect(await q(`SELECT status FROM tickets WHERE id = $1`, [ticketId])).toEqual([{ status: 'resolved' }]);
    expect(await fitsPhone(page)).toBeLessThanOrEqual(PHONE.width);
    await screenshots(page, 'phone-admin-ticket-resolved');
    await context.close();
  });

  it('when a document is opened on a phone under a slow CPU, then the notices come before the preview, the page fits the width and nothing shifts (CLS 0)', async () => {
    const author = await registerUser(live.ctx);
    const reader = await registerUser(live.ctx, { displayName: '读者' });
    const doc = await createDocument(live.ctx, { uploaderId: author.user.id, title: '手机阅读测试', priceCents: 200, pages: ['<p>一</p>', '<p>二</p>', '<p>三</p>'] });
    const { context, page } = await phone(reader);
    await page.addInitScript(() => {
      const w = window as unknown as { __cls: number };
      w.__cls = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries() as unknown as Array<{ value: number; hadRecentInput: boolean }>) if (!e.hadRecentInput) w.__cls += e.value;
      }).observe({ type: 'layout-shift', buffered: true });
    });
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    await page.goto(`${live.baseUrl}/doc/${doc.id}`, { waitUntil: 'load' });
    await page.waitForLoadState('networkidle');
    const top = (sel: string) => page.locator(sel).first().evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
    const notices = await top('.notices');
    expect(notices).toBeLessThan(await top('.preview-card'));
    expect(await fitsPhone(page)).toBeLessThanOrEqual(PHONE.width);
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    // The observer reports a shift after the frame that made it: wait two frames.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    expect(await page.evaluate(() => (window as unknown as { __cls: number }).__cls)).toBe(0);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'phone-doc.png'), fullPage: true });
    await context.close();
  });
});

describe('the reader on a phone', () => {
  it('when a reader pinches a page, then the pages zoom inside the reader and nothing else on the page moves; in full screen a swipe or a tap on the right turns the page', async () => {
    const author = await registerUser(live.ctx, { displayName: '阅读作者' });
    const res = await upload(live.ctx, author.token, SEED_DOC, { fields: { priceCents: '0', category: '讲话致辞' } });
    expect(res.status).toBe(202);
    const id = res.body.document.id as number;
    expect((await waitForConversion(live.ctx, id, 240_000)).status).toBe('ready');
    const reader = await registerUser(live.ctx, { displayName: '手机读者' });
    const { context, page } = await phone(reader);
    await page.goto(`${live.baseUrl}/doc/${id}`);
    await page.waitForSelector('.reader-page img');
    expect(await fitsPhone(page)).toBeLessThanOrEqual(PHONE.width);
    const axe = await runAxe(page);
    expect(blocking(axe)).toEqual([]);
    const pageBox = () => page.locator('.reader-page').first().evaluate((el) => el.getBoundingClientRect().width);
    const noticesTop = () => page.locator('.notices').evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
    const before = { width: await pageBox(), notices: await noticesTop() };
    expect(before.width).toBeLessThanOrEqual(PHONE.width);

    // Two fingers moving apart over the first page (CDP touch events: Playwright has no pinch).
    const cdp = await context.newCDPSession(page);
    await page.locator('.reader-page').first().evaluate((el) => el.scrollIntoView({ block: 'start' }));
    const view = (await page.locator('.reader-page').first().boundingBox())!;
    const cy = view.y + Math.min(view.height, 300) / 2;
    const cx = view.x + view.width / 2;
    const fingers = (d: number) => [{ x: cx - d, y: cy, id: 1 }, { x: cx + d, y: cy, id: 2 }];
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: fingers(40) });
    for (const d of [60, 80, 100]) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: fingers(d) });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await expect.poll(() => page.textContent('.js-zoom-level')).not.toBe('100%');
    const zoomed = Number((await page.textContent('.js-zoom-level'))!.replace('%', ''));
    expect(zoomed).toBeGreaterThan(200); // 2.5× apart: the zoom follows the fingers (capped at 300%)
    expect(await pageBox()).toBeGreaterThan(before.width * 2);
    // The pages grew inside the reader's own box: the site did not widen, the notices did not move.
    expect(await fitsPhone(page)).toBeLessThanOrEqual(PHONE.width);
    expect(await noticesTop()).toBe(before.notices);
    // Fingers moving together zoom back out (to the width or less).
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: fingers(120) });
    for (const d of [80, 40, 20]) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: fingers(d) });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await expect.poll(async () => Number((await page.textContent('.js-zoom-level'))!.replace('%', ''))).toBeLessThanOrEqual(100);

    // Full screen: a swipe to the left turns to page 2, a tap on the right third to page 3.
    await page.tap('.js-fullscreen');
    await page.waitForSelector('.reader.is-fullscreen');
    // Entering full screen brings the current page back to the top once it has settled.
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    const fullView = (await page.locator('.js-reader-view').boundingBox())!;
    const y = fullView.y + fullView.height / 2;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: fullView.x + fullView.width * 0.8, y }] });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: fullView.x + fullView.width * 0.5, y }] });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: fullView.x + fullView.width * 0.2, y }] });
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await expect.poll(() => page.textContent('.js-page-now')).toBe('2');
    const total = Number(await page.textContent('.js-page-total'));
    if (total >= 3) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: fullView.x + fullView.width * 0.9, y }] });
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      await expect.poll(() => page.textContent('.js-page-now')).toBe('3');
    }
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'phone-reader-fullscreen.png') });
    await context.close();
  }, 300_000);
});
