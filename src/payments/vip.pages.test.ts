// The pages of issue 18: the top-up form with the configured methods, the order page with its QR
// code, /vip (what it covers, buy with confirmation, cancel), the admin's coupon page.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { registerAdmin } from '../auth/test-fixtures.js';
import { alipaySign, rsaPair, startFakeAlipayGateway, type FakeAlipayGateway } from './providers/provider-test-keys.js';
import { balanceOf, createDocument, registerUser, topUp } from '../../test/factories.js';

const APP_ID = '2021000123456789';
const appKey = rsaPair();
const alipayKey = rsaPair();

let ctx: TestContext;
let gateway: FakeAlipayGateway;
beforeAll(async () => {
  gateway = await startFakeAlipayGateway(appKey.publicKey, alipayKey.privateKey);
  ctx = await createTestContext({
    DEV_PAYMENTS: 'true',
    ADMIN_EMAILS: 'pages-admin@example.com',
    PUBLIC_URL: 'http://127.0.0.1',
    ALIPAY_APP_ID: APP_ID,
    ALIPAY_PRIVATE_KEY: appKey.privatePem,
    ALIPAY_PUBLIC_KEY: alipayKey.publicPem,
    ALIPAY_GATEWAY: gateway.url, // loopback: the test plays Alipay's gateway
  });
});
afterAll(async () => {
  await ctx.close();
  await gateway.close();
});

async function loggedIn(email?: string) {
  const { token, user } = email ? await registerAdmin(ctx, { email }) : await registerUser(ctx);
  const agent = request.agent(ctx.app);
  agent.set('cookie', `wenku_session=${token}`);
  return { agent, token, user };
}
const csrfOf = (html: string) => html.match(/name="csrf-token" content="([^"]+)"/)![1]!;

describe('top-up pages', () => {
  it('when Alipay is configured, then the wallet offers it, the order page shows its QR code, and after the notification it says paid', async () => {
    const { agent, user } = await loggedIn();
    const wallet = await agent.get('/wallet');
    expect(wallet.text).toContain('value="alipay"');
    expect(wallet.text).toContain('支付宝');
    expect(wallet.text).toContain('value="dev"');
    const created = await agent.post('/wallet/topups').type('form').send({ _csrf: csrfOf(wallet.text), amountYuan: '8.80', method: 'alipay' });
    expect(created.status).toBe(303);
    const orderPath = created.headers.location as string;
    expect(orderPath).toMatch(/^\/wallet\/topup\/\d+$/);
    const page = await agent.get(orderPath);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<img src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/);
    expect(page.text).toContain('请使用支付宝 App 扫码付款');
    expect(page.text).toContain('等待付款');
    expect(page.text).toContain(`${gateway.url}?`);
    expect(page.text).toContain('/static/js/payments.js');

    const orderId = Number(orderPath.split('/').pop());
    const params: Record<string, string> = {
      app_id: APP_ID, out_trade_no: `wenku_topup_${orderId}`, trade_no: `2026${orderId}`, trade_status: 'TRADE_SUCCESS',
      total_amount: '8.80', notify_id: 'n1', sign_type: 'RSA2',
    };
    const notify = await ctx.http().post('/api/v1/payments/alipay/notify').type('form')
      .send(new URLSearchParams({ ...params, sign: alipaySign(alipayKey.privateKey, params) }).toString());
    expect(notify.text).toBe('success');
    const after = await agent.get(orderPath);
    expect(after.text).toContain('支付成功');
    expect(after.text).not.toContain('data:image/svg');
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 880, debt: 0 });
  });

  it("when someone opens another user's order page, then it is 404", async () => {
    const owner = await registerUser(ctx);
    const order = await ctx.http().post('/api/v1/wallet/topups').set('authorization', `Bearer ${owner.token}`).send({ amountCents: 100, method: 'alipay' });
    const { agent } = await loggedIn();
    expect((await agent.get(`/wallet/topup/${order.body.order.id}`)).status).toBe(404);
  });
});

describe('/vip', () => {
  it('when anyone opens /vip, then it lists the plans and exactly what a membership covers, including no auto-renewal', async () => {
    const res = await ctx.http().get('/vip');
    expect(res.status).toBe(200);
    for (const text of ['月度会员', '季度会员', '年度会员', '不会自动续费', '未使用的整天数', '作者照常获得收益', '70%', 'Asia/Shanghai']) expect(res.text).toContain(text);
  });

  it('when a user buys through the page, then confirmation and balance are checked, the status shows, and cancel refunds to the wallet', async () => {
    const { agent, token, user } = await loggedIn();
    let page = await agent.get('/vip');
    const unconfirmed = await agent.post('/vip/purchase').type('form').send({ _csrf: csrfOf(page.text), planId: 'month' });
    expect(unconfirmed.status).toBe(428);
    const short = await agent.post('/vip/purchase').type('form').send({ _csrf: csrfOf(page.text), planId: 'month', confirm: 'yes' });
    expect(short.status).toBe(402);
    expect(short.text).toContain('去充值');
    await topUp(ctx, token, 2500);
    const bought = await agent.post('/vip/purchase').type('form').send({ _csrf: csrfOf(page.text), planId: 'month', confirm: 'yes' });
    expect(bought.status).toBe(200);
    expect(bought.text).toContain('已开通月度会员');
    expect(bought.text).toContain('今天还可免费下载 <strong>5</strong> 篇');
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 0, debt: 0 });
    page = await agent.get('/vip');
    expect(page.text).toContain('一键取消会员');
    const cancelled = await agent.post('/vip/cancel').type('form').send({ _csrf: csrfOf(page.text) });
    expect(cancelled.status).toBe(200);
    expect(cancelled.text).toContain('会员已取消');
    expect((await balanceOf(ctx, user.id)).wallet).toBeGreaterThanOrEqual(2416); // 29 of 30 days at least
  });
});

describe('/admin/coupons', () => {
  it('when an admin issues coupons on the page, then the codes are shown and listed by batch; others get 403', async () => {
    const { agent } = await loggedIn('pages-admin@example.com');
    const page = await agent.get('/admin/coupons');
    expect(page.status).toBe(200);
    const issued = await agent.post('/admin/coupons').type('form').send({ _csrf: csrfOf(page.text), quantity: '3', maxPriceYuan: '5', note: '活动' });
    expect(issued.status).toBe(201);
    const codes = issued.text.match(/[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}/g)!;
    expect(new Set(codes).size).toBe(3);
    const batchId = issued.text.match(/批次 #(\d+)/)![1];
    const listed = await agent.get(`/admin/coupons/${batchId}`);
    for (const c of codes) expect(listed.text).toContain(c);
    const { agent: user } = await loggedIn();
    expect((await user.get('/admin/coupons')).status).toBe(403);
  });

  it('when a paid document page is opened by a reader, then the purchase dialog has the coupon field', async () => {
    const author = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 300 });
    const { agent } = await loggedIn();
    const res = await agent.get(`/doc/${doc.id}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('js-coupon-code');
  });
});
