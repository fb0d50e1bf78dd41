// A desktop Alipay top-up in Chromium: the wallet form creates the order, the order page shows the
// 当面付 QR code (the signed qr_code a loopback stand-in for Alipay's gateway answered), polls the
// order, and when Alipay's signed notification arrives it says so and goes back to the wallet.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { createTestContext, registerUser, type TestContext } from '../app.js';
import { balanceOf } from '../factories.js';
import { alipaySign, rsaPair, startFakeAlipayGateway, type FakeAlipayGateway } from '../../src/payments/providers/provider-test-keys.js';
import { CHROMIUM, screenshots } from './harness.js';

const APP_ID = '2021000123456789';
const appKey = rsaPair();
const alipayKey = rsaPair();

let ctx: TestContext;
let gateway: FakeAlipayGateway;
let server: Server;
let browser: Browser;
let baseUrl: string;

beforeAll(async () => {
  gateway = await startFakeAlipayGateway(appKey.publicKey, alipayKey.privateKey);
  ctx = await createTestContext({
    PUBLIC_URL: 'http://127.0.0.1',
    ALIPAY_APP_ID: APP_ID,
    ALIPAY_PRIVATE_KEY: appKey.privatePem,
    ALIPAY_PUBLIC_KEY: alipayKey.publicPem,
    ALIPAY_GATEWAY: gateway.url,
  });
  server = createServer(ctx.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await ctx?.close();
  await gateway?.close();
}, 60_000);

describe('Alipay 当面付 top-up in Chromium', () => {
  it('when a user tops up with Alipay, then the order page shows the QR code, and once Alipay notifies the payment the page says paid and returns to the wallet', async () => {
    const user = await registerUser(ctx, { displayName: '充值用户' });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    // Only this server and its data: URLs; anything else would be traffic beyond loopback.
    const outside: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(baseUrl) || url.startsWith('data:')) return route.continue();
      outside.push(url);
      return route.abort();
    });
    await context.addCookies([{ name: 'wenku_session', value: user.token, url: baseUrl }]);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/wallet`);
    await page.fill('input[name=amountYuan]', '18.80');
    await page.check('input[name=method][value=alipay]');
    // Enter in the amount field orders the typed amount (not the first preset button's).
    await Promise.all([page.waitForURL(/\/wallet\/topup\/\d+$/), page.press('input[name=amountYuan]', 'Enter')]);
    const orderId = Number(new URL(page.url()).pathname.split('/').pop());

    const qr = page.locator('.pay-qr img');
    await expect.poll(() => qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);
    const api = await ctx.http().get(`/api/v1/wallet/topups/${orderId}`).set('authorization', `Bearer ${user.token}`);
    expect(await qr.getAttribute('src')).toBe(api.body.order.qrCode);
    expect(gateway.requests.filter((r) => r.params.method === 'alipay.trade.precreate' && r.signatureValid)).toHaveLength(1);
    expect(await page.textContent('#topup-order-status')).toContain('等待付款');
    await screenshots(page, 'topup-alipay-qr');

    // Alipay's asynchronous notification, signed with its key, while the page is polling.
    const params: Record<string, string> = {
      app_id: APP_ID, out_trade_no: `wenku_topup_${orderId}`, trade_no: `2026120222001${orderId}`, trade_status: 'TRADE_SUCCESS',
      total_amount: '18.80', notify_id: `n${orderId}`, notify_type: 'trade_status_sync', charset: 'utf-8', version: '1.0', sign_type: 'RSA2',
    };
    const notified = await ctx.http().post('/api/v1/payments/alipay/notify').type('form')
      .send(new URLSearchParams({ ...params, sign: alipaySign(alipayKey.privateKey, params) }).toString());
    expect(notified.text).toBe('success');

    await expect.poll(() => page.textContent('#topup-order-status'), { timeout: 10_000 }).toContain('支付成功');
    expect(await page.isHidden('.pay-qr')).toBe(true);
    await page.waitForURL(`${baseUrl}/wallet?paid=1`, { timeout: 10_000 });
    expect(await balanceOf(ctx, user.user.id)).toEqual({ wallet: 1880, debt: 0 });
    expect(await page.textContent('body')).toContain('¥18.80');
    expect(outside).toEqual([]);
    await context.close();
  });
});
