// Alipay and WeChat Pay end to end through the real HTTP endpoints: the tests play the providers,
// with their own RSA keys, and sign exactly as the providers document.
import { createVerify, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../../test/app.js';
import { CLEAN_LEDGER, balanceOf, ledgerInvariants, registerUser } from '../../../test/factories.js';
import {
  alipaySign, rsaPair, startFakeAlipayGateway, startFakeWechatServer, wechatEncrypt, wechatSign, type FakeAlipayGateway, type FakeWechatServer,
} from './provider-test-keys.js';

const ALIPAY_APP_ID = '2021000123456789';
const MCHID = '1900000109';
const APPID = 'wxd678efh567hg6787';
const API_V3_KEY = randomBytes(16).toString('hex'); // 32 characters
const SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';

const appKey = rsaPair(); // the merchant's Alipay application key (ours)
const alipayKey = rsaPair(); // Alipay's key: the test holds the private half
const merchantKey = rsaPair(); // the WeChat merchant key (ours)
const platformKey = rsaPair(); // WeChat's platform key: the test holds the private half
const strangerKey = rsaPair();

let ctx: TestContext;
let wechat: FakeWechatServer;
let gateway: FakeAlipayGateway;
beforeAll(async () => {
  wechat = await startFakeWechatServer(platformKey.privateKey, { merchantPublicKey: merchantKey.publicKey, apiV3Key: API_V3_KEY });
  gateway = await startFakeAlipayGateway(appKey.publicKey, alipayKey.privateKey);
  ctx = await createTestContext({
    PUBLIC_URL: 'http://127.0.0.1',
    ALIPAY_APP_ID,
    ALIPAY_PRIVATE_KEY: appKey.privatePem,
    ALIPAY_PUBLIC_KEY: alipayKey.publicPem.replace(/\n/g, '\\n'), // as an env file carries it
    ALIPAY_GATEWAY: gateway.url, // loopback: the test plays Alipay's gateway
    WECHAT_MCHID: MCHID,
    WECHAT_APPID: APPID,
    WECHAT_API_V3_KEY: API_V3_KEY,
    WECHAT_SERIAL_NO: SERIAL,
    WECHAT_PRIVATE_KEY: merchantKey.privatePem,
    WECHAT_PLATFORM_PUBLIC_KEY: platformKey.publicPem,
    WECHAT_API_BASE: wechat.url,
  });
});
afterAll(async () => {
  await ctx.close();
  await wechat.close();
  await gateway.close();
});

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const q = async (sql: string, params: unknown[]) => (await ctx.deps.db.pool.query(sql, params)).rows;
const creditsOf = async (orderId: number) => (await q(`SELECT 1 FROM ledger_transactions WHERE reference = $1`, [`topup:${orderId}`])).length;
const orderStatus = async (orderId: number) => (await q(`SELECT status FROM topup_orders WHERE id = $1`, [orderId]))[0]!.status as string;

async function newOrder(method: 'alipay' | 'wechat', amountCents: number, device?: 'mobile' | 'desktop') {
  const { token, user } = await registerUser(ctx);
  const res = await ctx.http().post('/api/v1/wallet/topups').set(auth(token)).send({ amountCents, method, ...(device ? { device } : {}) });
  expect(res.status).toBe(201);
  return { token, user, order: res.body.order as { id: number; payUrl: string | null; qrCode: string | null; method: string; device: string; status: string } };
}

// ---------------------------------------------------------------- Alipay

function alipayNotice(orderId: number, amount: string, overrides: Record<string, string> = {}, key = alipayKey.privateKey) {
  const params: Record<string, string> = {
    notify_time: '2026-12-01 23:30:00',
    notify_type: 'trade_status_sync',
    notify_id: randomBytes(12).toString('hex'),
    app_id: ALIPAY_APP_ID,
    charset: 'utf-8',
    version: '1.0',
    sign_type: 'RSA2',
    trade_no: `2026120122001${orderId}`,
    out_trade_no: `wenku_topup_${orderId}`,
    trade_status: 'TRADE_SUCCESS',
    total_amount: amount,
    receipt_amount: amount,
    subject: '文库钱包充值',
    ...overrides,
  };
  return { ...params, sign: alipaySign(key, params) };
}

const postAlipay = (fields: Record<string, string>) =>
  ctx.http().post('/api/v1/payments/alipay/notify').type('form').send(new URLSearchParams(fields).toString());

describe('Alipay', () => {
  it('when a user tops up with Alipay, then the order carries a page-pay URL signed with the app key, built without calling out', async () => {
    const { order, user } = await newOrder('alipay', 1230);
    expect(order.method).toBe('alipay');
    const url = new URL(order.payUrl!);
    expect(url.origin + url.pathname).toBe(gateway.url);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({ app_id: ALIPAY_APP_ID, method: 'alipay.trade.page.pay', sign_type: 'RSA2', notify_url: 'http://127.0.0.1/api/v1/payments/alipay/notify' });
    expect(JSON.parse(params.biz_content!)).toMatchObject({ out_trade_no: `wenku_topup_${order.id}`, total_amount: '12.30', product_code: 'FAST_INSTANT_TRADE_PAY' });
    // Alipay checks request signatures over every parameter but sign, sorted.
    const content = Object.keys(params).filter((k) => k !== 'sign').sort().map((k) => `${k}=${params[k]}`).join('&');
    expect(createVerify('RSA-SHA256').update(content).verify(appKey.publicKey, params.sign!, 'base64')).toBe(true);
    expect(gateway.requests.some((r) => r.params.method === 'alipay.trade.page.pay')).toBe(false);
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 0, debt: 0 });
  });

  it("when a user tops up with Alipay, then the 当面付 order is placed with a request signed by the app key, and Alipay's signed qr_code comes back as the QR code", async () => {
    const before = gateway.requests.length;
    const { order, token } = await newOrder('alipay', 4560);
    const sent = gateway.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.signatureValid).toBe(true);
    expect(sent[0]!.params).toMatchObject({ app_id: ALIPAY_APP_ID, method: 'alipay.trade.precreate', sign_type: 'RSA2', charset: 'utf-8', notify_url: 'http://127.0.0.1/api/v1/payments/alipay/notify' });
    expect(JSON.parse(sent[0]!.params.biz_content!)).toMatchObject({ out_trade_no: `wenku_topup_${order.id}`, total_amount: '45.60' });
    const row = (await q(`SELECT provider_qr AS qr FROM topup_orders WHERE id = $1`, [order.id]))[0]!;
    expect(row.qr).toMatch(/^https:\/\/qr\.alipay\.com\/bax0[0-9a-f]{16}$/);
    expect(order.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(order.qrCode!.split(',')[1]!, 'base64').toString()).toContain('<svg');
    // The order page polls the same order and gets the same QR code while it is pending.
    const polled = await ctx.http().get(`/api/v1/wallet/topups/${order.id}`).set(auth(token));
    expect(polled.body.order).toMatchObject({ id: order.id, status: 'pending', qrCode: order.qrCode, payUrl: order.payUrl });
  });

  it('when the precreate answer is not signed by Alipay, or the gateway fails, then the order has no QR code but stays payable by page pay', async () => {
    for (const mode of ['forged', 'error'] as const) {
      gateway.mode = mode;
      try {
        const { order, user } = await newOrder('alipay', 300);
        expect(order).toMatchObject({ status: 'pending', qrCode: null });
        expect(order.payUrl).toContain('alipay.trade.page.pay');
        expect((await q(`SELECT provider_qr AS qr FROM topup_orders WHERE id = $1`, [order.id]))[0]!.qr).toBeNull();
        expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 0, debt: 0 });
        // ... and the page-pay notification still credits it.
        expect((await postAlipay(alipayNotice(order.id, '3.00'))).text).toBe('success');
        expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 300, debt: 0 });
      } finally {
        gateway.mode = 'ok';
      }
    }
  });

  it('when our request is signed with a key Alipay does not know, then Alipay refuses it and no QR code is shown', async () => {
    const stranger = rsaPair();
    const other = await createTestContext({
      PUBLIC_URL: 'http://127.0.0.1', ALIPAY_APP_ID, ALIPAY_PRIVATE_KEY: stranger.privatePem, ALIPAY_PUBLIC_KEY: alipayKey.publicPem, ALIPAY_GATEWAY: gateway.url,
    });
    try {
      const before = gateway.requests.length;
      const { token } = await registerUser(other);
      const res = await other.http().post('/api/v1/wallet/topups').set(auth(token)).send({ amountCents: 100, method: 'alipay' });
      expect(res.status).toBe(201);
      expect(res.body.order.qrCode).toBeNull();
      expect(gateway.requests.slice(before).map((r) => r.signatureValid)).toEqual([false]);
    } finally {
      await other.close();
    }
  });

  it('when Alipay notifies a paid trade with a valid signature, then it answers success and credits the wallet; replays credit nothing more', async () => {
    const { order, user, token } = await newOrder('alipay', 1230);
    const notice = alipayNotice(order.id, '12.30');
    const first = await postAlipay(notice);
    expect([first.status, first.text]).toEqual([200, 'success']);
    const replays = await Promise.all([postAlipay(notice), postAlipay(alipayNotice(order.id, '12.30', { trade_status: 'TRADE_FINISHED' }))]);
    expect(replays.map((r) => r.text)).toEqual(['success', 'success']);
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 1230, debt: 0 });
    expect(await creditsOf(order.id)).toBe(1);
    const polled = await ctx.http().get(`/api/v1/wallet/topups/${order.id}`).set(auth(token));
    expect(polled.body.order).toMatchObject({ status: 'paid', qrCode: null });
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when ten identical notifications arrive at once, then the wallet is credited exactly once', async () => {
    const { order, user } = await newOrder('alipay', 999);
    const notice = alipayNotice(order.id, '9.99');
    const answers = await Promise.all(Array.from({ length: 10 }, () => postAlipay(notice)));
    expect(answers.map((a) => a.text)).toEqual(Array(10).fill('success'));
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 999, debt: 0 });
    expect(await creditsOf(order.id)).toBe(1);
  });

  it.each([
    ['signed with another key', (id: number) => alipayNotice(id, '5.00', {}, strangerKey.privateKey)],
    ['a tampered amount', (id: number) => ({ ...alipayNotice(id, '0.05'), total_amount: '5.00', receipt_amount: '5.00' })],
    ['a tampered trade status', (id: number) => ({ ...alipayNotice(id, '5.00', { trade_status: 'WAIT_BUYER_PAY' }), trade_status: 'TRADE_SUCCESS' })],
    ['no signature', (id: number) => ({ ...alipayNotice(id, '5.00'), sign: '' })],
    ['another app id', (id: number) => alipayNotice(id, '5.00', { app_id: '2021000999999999' })],
  ])('when a notification has %s, then it answers failure (401) and nothing is credited', async (_name, build) => {
    const { order, user } = await newOrder('alipay', 500);
    const res = await postAlipay(build(order.id));
    expect([res.status, res.text]).toEqual([401, 'failure']);
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 0, debt: 0 });
    expect(await orderStatus(order.id)).toBe('pending');
  });

  it('when a correctly signed notification states another amount, then it answers failure (400) and credits nothing', async () => {
    const { order, user } = await newOrder('alipay', 500);
    const res = await postAlipay(alipayNotice(order.id, '50.00'));
    expect([res.status, res.text]).toEqual([400, 'failure']);
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 0, debt: 0 });
  });

  it('when a correctly signed notification names an unknown order, or a WeChat order, then it answers failure (404) and credits nothing', async () => {
    const unknown = await postAlipay(alipayNotice(987654, '5.00'));
    expect([unknown.status, unknown.text]).toEqual([404, 'failure']);
    const { order, user } = await newOrder('wechat', 500);
    const foreign = await postAlipay(alipayNotice(order.id, '5.00'));
    expect([foreign.status, foreign.text]).toEqual([404, 'failure']);
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 0, debt: 0 });
  });

  it('when a trade is closed before payment, then the order fails and the answer is not success; a close after payment changes nothing', async () => {
    const closed = await newOrder('alipay', 700);
    const res = await postAlipay(alipayNotice(closed.order.id, '7.00', { trade_status: 'TRADE_CLOSED' }));
    expect(res.text).toBe('failure');
    expect(await orderStatus(closed.order.id)).toBe('failed');

    const paid = await newOrder('alipay', 700);
    expect((await postAlipay(alipayNotice(paid.order.id, '7.00'))).text).toBe('success');
    const late = await postAlipay(alipayNotice(paid.order.id, '7.00', { trade_status: 'TRADE_CLOSED' }));
    expect(late.text).toBe('success');
    expect(await orderStatus(paid.order.id)).toBe('paid');
    expect(await balanceOf(ctx, paid.user.id)).toEqual({ wallet: 700, debt: 0 });
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });
});

// ---------------------------------------------------------------- WeChat Pay

function wechatNotice(
  orderId: number,
  total: number,
  opts: { tradeState?: string; key?: typeof platformKey; apiV3Key?: string; timestamp?: number; transactionId?: string } = {},
) {
  const transaction = {
    mchid: MCHID,
    appid: APPID,
    out_trade_no: `wenku_topup_${orderId}`,
    transaction_id: opts.transactionId ?? `4200000${orderId}`,
    trade_type: 'NATIVE',
    trade_state: opts.tradeState ?? 'SUCCESS',
    trade_state_desc: '支付成功',
    success_time: '2026-12-01T23:30:00+08:00',
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    amount: { total, payer_total: total, currency: 'CNY', payer_currency: 'CNY' },
  };
  const body = JSON.stringify({
    id: randomBytes(8).toString('hex'),
    create_time: '2026-12-01T23:30:01+08:00',
    resource_type: 'encrypt-resource',
    event_type: 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: wechatEncrypt(opts.apiV3Key ?? API_V3_KEY, transaction),
  });
  const timestamp = String(Math.floor((opts.timestamp ?? ctx.clock.now().getTime()) / 1000));
  const nonce = randomBytes(16).toString('hex');
  return {
    body,
    headers: {
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-serial': 'PUB_KEY_ID_0000000001',
      'wechatpay-signature': wechatSign((opts.key ?? platformKey).privateKey, [timestamp, nonce, body]),
    },
  };
}

const postWechat = (n: { body: string; headers: Record<string, string> }) =>
  ctx.http().post('/api/v1/payments/wechat/notify').set(n.headers).set('content-type', 'application/json').send(n.body);

describe('WeChat Pay', () => {
  it('when a user tops up with WeChat Pay, then the Native order is placed with a merchant-signed request and its code_url comes back as a QR code', async () => {
    const before = wechat.requests.length;
    const { order } = await newOrder('wechat', 1500);
    expect(order).toMatchObject({ method: 'wechat', payUrl: null });
    expect(order.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    const request = wechat.requests[before]!;
    expect([request.method, request.path]).toEqual(['POST', '/v3/pay/transactions/native']);
    expect(JSON.parse(request.body)).toMatchObject({
      appid: APPID, mchid: MCHID, out_trade_no: `wenku_topup_${order.id}`, amount: { total: 1500, currency: 'CNY' },
      notify_url: 'http://127.0.0.1/api/v1/payments/wechat/notify',
    });
    const m = String(request.headers.authorization).match(/^WECHATPAY2-SHA256-RSA2048 mchid="(\d+)",nonce_str="(\w+)",signature="([^"]+)",timestamp="(\d+)",serial_no="(\w+)"$/);
    expect(m).not.toBeNull();
    expect([m![1], m![5]]).toEqual([MCHID, SERIAL]);
    const signed = ['POST', '/v3/pay/transactions/native', m![4], m![2], request.body].map((l) => `${l}\n`).join('');
    expect(createVerify('RSA-SHA256').update(signed).verify(merchantKey.publicKey, m![3]!, 'base64')).toBe(true);
    const row = (await q(`SELECT provider_url AS url, provider_qr AS qr FROM topup_orders WHERE id = $1`, [order.id]))[0]!;
    expect(row).toEqual({ url: null, qr: `weixin://wxpay/bizpayurl?pr=wenku_topup_${order.id}` });
  });

  it('when WeChat answers unsigned or with an error, then the top-up answers 503 and the order is failed', async () => {
    for (const mode of ['unsigned', 'error'] as const) {
      wechat.mode = mode;
      const { token, user } = await registerUser(ctx);
      const res = await ctx.http().post('/api/v1/wallet/topups').set(auth(token)).send({ amountCents: 100, method: 'wechat' });
      expect(res.status).toBe(503);
      expect(await q(`SELECT status FROM topup_orders WHERE user_id = $1`, [user.id])).toEqual([{ status: 'failed' }]);
    }
    wechat.mode = 'ok';
  });

  it('when WeChat notifies a successful payment, then it answers SUCCESS and credits once, also for replays and ten at once', async () => {
    const { order, user } = await newOrder('wechat', 1500);
    const notice = wechatNotice(order.id, 1500);
    const first = await postWechat(notice);
    expect([first.status, first.body]).toEqual([200, { code: 'SUCCESS' }]);
    const again = await Promise.all(Array.from({ length: 10 }, () => postWechat(notice)));
    expect(again.map((r) => r.body.code)).toEqual(Array(10).fill('SUCCESS'));
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 1500, debt: 0 });
    expect(await creditsOf(order.id)).toBe(1);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when the first notifications of an order arrive all at once, then it is credited exactly once', async () => {
    const { order, user } = await newOrder('wechat', 800);
    const answers = await Promise.all(Array.from({ length: 10 }, () => postWechat(wechatNotice(order.id, 800))));
    expect(answers.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 800, debt: 0 });
    expect(await creditsOf(order.id)).toBe(1);
  });

  it.each([
    ['signed with another key', (id: number) => wechatNotice(id, 600, { key: strangerKey })],
    ['a tampered body', (id: number) => {
      const n = wechatNotice(id, 600);
      return { ...n, body: n.body.replace('"summary":"支付成功"', '"summary":"支付成功 "') };
    }],
    ['a resource encrypted under another APIv3 key', (id: number) => wechatNotice(id, 600, { apiV3Key: randomBytes(16).toString('hex') })],
    ['a timestamp ten minutes old (a replay of a captured notice)', (id: number) => wechatNotice(id, 600, { timestamp: ctx.clock.now().getTime() - 10 * 60_000 })],
    ['no signature', (id: number) => {
      const n = wechatNotice(id, 600);
      return { ...n, headers: { ...n.headers, 'wechatpay-signature': '' } };
    }],
  ])('when a notification has %s, then it answers 401 FAIL and nothing is credited', async (_name, build) => {
    const { order, user } = await newOrder('wechat', 600);
    const res = await postWechat(build(order.id));
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('FAIL');
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 0, debt: 0 });
    expect(await orderStatus(order.id)).toBe('pending');
  });

  it('when a verified notification states another amount or an unknown order, then it answers FAIL and credits nothing', async () => {
    const { order, user } = await newOrder('wechat', 600);
    const wrong = await postWechat(wechatNotice(order.id, 60000));
    expect([wrong.status, wrong.body.code]).toEqual([400, 'FAIL']);
    const unknown = await postWechat(wechatNotice(876543, 600));
    expect([unknown.status, unknown.body.code]).toEqual([404, 'FAIL']);
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 0, debt: 0 });
  });

  it('when a closed trade is reported after the payment, then the order stays paid and nothing changes', async () => {
    const { order, user } = await newOrder('wechat', 400);
    expect((await postWechat(wechatNotice(order.id, 400))).status).toBe(200);
    const late = await postWechat(wechatNotice(order.id, 400, { tradeState: 'CLOSED' }));
    expect(late.body).toEqual({ code: 'SUCCESS' });
    expect(await orderStatus(order.id)).toBe('paid');
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 400, debt: 0 });
  });
});

describe('methods', () => {
  it('when a method is not configured, then the top-up answers 400 and names the methods offered', async () => {
    const other = await createTestContext();
    try {
      const { token } = await registerUser(other);
      const res = await other.http().post('/api/v1/wallet/topups').set(auth(token)).send({ amountCents: 100, method: 'alipay' });
      expect(res.status).toBe(400);
      expect(res.body.error.details).toMatchObject({ reason: 'method_unavailable', available: ['dev'] });
      const notify = await other.http().post('/api/v1/payments/alipay/notify').type('form').send('a=b');
      expect([notify.status, notify.text]).toEqual([404, 'failure']);
    } finally {
      await other.close();
    }
  });
});

describe('on a phone', () => {
  it('when a phone tops up with Alipay, then the order carries a signed 手机网站支付 URL (alipay.trade.wap.pay) and no QR code, and the stand-in cashier accepts its signature', async () => {
    const before = gateway.requests.length;
    const { order, user } = await newOrder('alipay', 2580, 'mobile');
    expect(order).toMatchObject({ method: 'alipay', device: 'mobile', status: 'pending', qrCode: null });
    // Nothing was sent to Alipay: the URL is built and signed locally, and no 当面付 order is placed.
    expect(gateway.requests.length).toBe(before);
    const url = new URL(order.payUrl!);
    expect(url.origin + url.pathname).toBe(gateway.url);
    const params = Object.fromEntries(url.searchParams);
    expect(params).toMatchObject({ app_id: ALIPAY_APP_ID, method: 'alipay.trade.wap.pay', sign_type: 'RSA2', notify_url: 'http://127.0.0.1/api/v1/payments/alipay/notify' });
    expect(params.return_url).toBe(`http://127.0.0.1/wallet/topup/${order.id}`);
    expect(JSON.parse(params.biz_content!)).toMatchObject({
      out_trade_no: `wenku_topup_${order.id}`, total_amount: '25.80', product_code: 'QUICK_WAP_WAY', quit_url: `http://127.0.0.1/wallet/topup/${order.id}`,
    });
    // The stand-in checks the signature with the app's public key, as Alipay does, and shows its cashier.
    const cashier = await fetch(order.payUrl!);
    expect(await cashier.text()).toContain('确认付款');
    expect(gateway.requests.at(-1)).toMatchObject({ signatureValid: true, params: { method: 'alipay.trade.wap.pay' } });
    // Alipay's notification of the wap trade credits it, once.
    const notice = alipayNotice(order.id, '25.80');
    expect((await Promise.all([postAlipay(notice), postAlipay(notice)])).map((r) => r.text)).toEqual(['success', 'success']);
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 2580, debt: 0 });
    expect(await creditsOf(order.id)).toBe(1);
  });

  it("when a phone tops up with WeChat Pay, then the H5 order is placed with a merchant-signed request carrying the payer's IP, and its h5_url (with our return page) is the payUrl", async () => {
    const before = wechat.requests.length;
    const { order, user, token } = await newOrder('wechat', 1990, 'mobile');
    expect(order).toMatchObject({ method: 'wechat', device: 'mobile', status: 'pending', qrCode: null });
    const sent = wechat.requests.slice(before);
    expect(sent.map((r) => [r.method, r.path, r.signatureValid])).toEqual([['POST', '/v3/pay/transactions/h5', true]]);
    expect(JSON.parse(sent[0]!.body)).toEqual({
      appid: APPID, mchid: MCHID, description: expect.any(String), out_trade_no: `wenku_topup_${order.id}`,
      notify_url: 'http://127.0.0.1/api/v1/payments/wechat/notify', amount: { total: 1990, currency: 'CNY' },
      scene_info: { payer_client_ip: '127.0.0.1', h5_info: { type: 'Wap' } },
    });
    const pay = new URL(order.payUrl!);
    expect(pay.origin + pay.pathname).toBe(`${wechat.url}/h5pay`);
    expect(pay.searchParams.get('redirect_url')).toBe(`http://127.0.0.1/wallet/topup/${order.id}`);
    const polled = await ctx.http().get(`/api/v1/wallet/topups/${order.id}`).set(auth(token));
    expect(polled.body.order).toMatchObject({ device: 'mobile', payUrl: order.payUrl, qrCode: null });
    expect((await postWechat(wechatNotice(order.id, 1990))).body).toEqual({ code: 'SUCCESS' });
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 1990, debt: 0 });
  });

  it('when WeChat refuses the H5 order or answers unsigned, then the top-up answers 503 and the order is failed', async () => {
    for (const mode of ['unsigned', 'error'] as const) {
      wechat.mode = mode;
      try {
        const { token, user } = await registerUser(ctx);
        const res = await ctx.http().post('/api/v1/wallet/topups').set(auth(token)).send({ amountCents: 100, method: 'wechat', device: 'mobile' });
        expect(res.status).toBe(503);
        expect(await q(`SELECT status, device FROM topup_orders WHERE user_id = $1`, [user.id])).toEqual([{ status: 'failed', device: 'mobile' }]);
      } finally {
        wechat.mode = 'ok';
      }
    }
  });

  it('when the device is neither desktop nor mobile, then 400 and no order', async () => {
    const { token, user } = await registerUser(ctx);
    const res = await ctx.http().post('/api/v1/wallet/topups').set(auth(token)).send({ amountCents: 100, method: 'alipay', device: 'watch' });
    expect([res.status, res.body.error.code]).toEqual([400, 'validation_failed']);
    expect(await q(`SELECT id FROM topup_orders WHERE user_id = $1`, [user.id])).toEqual([]);
  });
});

describe('cancelling a top-up', () => {
  const cancel = (token: string, id: number) => ctx.http().post(`/api/v1/wallet/topups/${id}/cancel`).set(auth(token)).send({});

  it.each(['alipay', 'wechat'] as const)('when the owner cancels a pending %s order, then 200 cancelled and the trade is closed at the provider with a signed request', async (method) => {
    const { order, token } = await newOrder(method, 700, 'mobile');
    const res = await cancel(token, order.id);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ order: { id: order.id, status: 'cancelled', payUrl: null }, closedAtProvider: true });
    expect(await orderStatus(order.id)).toBe('cancelled');
    if (method === 'alipay') {
      expect(gateway.closed).toContain(`wenku_topup_${order.id}`);
    } else {
      expect(wechat.closed).toContain(`wenku_topup_${order.id}`);
      const close = wechat.requests.find((r) => r.path === `/v3/pay/transactions/out-trade-no/wenku_topup_${order.id}/close`)!;
      expect([close.signatureValid, JSON.parse(close.body)]).toEqual([true, { mchid: MCHID }]);
    }
  });

  it('when someone else cancels the order, then 404; a second cancel or a paid order, then 409; nothing changes', async () => {
    const { order, token, user } = await newOrder('alipay', 900);
    const stranger = await registerUser(ctx);
    expect((await cancel(stranger.token, order.id)).status).toBe(404);
    expect((await cancel(token, 98765432)).status).toBe(404);
    expect(await orderStatus(order.id)).toBe('pending');
    expect((await cancel(token, order.id)).status).toBe(200);
    const again = await cancel(token, order.id);
    expect([again.status, again.body.error.code]).toEqual([409, 'conflict']);
    const paid = await newOrder('alipay', 300);
    expect((await postAlipay(alipayNotice(paid.order.id, '3.00'))).text).toBe('success');
    expect((await cancel(paid.token, paid.order.id)).status).toBe(409);
    expect(await orderStatus(paid.order.id)).toBe('paid');
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 0, debt: 0 });
    expect((await ctx.http().post(`/api/v1/wallet/topups/${order.id}/cancel`).send({})).status).toBe(401);
  });

  it.each(['alipay', 'wechat'] as const)('when a payment of a cancelled %s order is notified late, then it is credited once, replays too, and a late close changes nothing', async (method) => {
    const { order, token, user } = await newOrder(method, 1200, 'mobile');
    expect((await cancel(token, order.id)).status).toBe(200);
    // The closing notice the provider sends keeps the order cancelled.
    if (method === 'alipay') expect((await postAlipay(alipayNotice(order.id, '12.00', { trade_status: 'TRADE_CLOSED' }))).status).toBe(200);
    else expect((await postWechat(wechatNotice(order.id, 1200, { tradeState: 'CLOSED' }))).status).toBe(200);
    expect(await orderStatus(order.id)).toBe('cancelled');
    // The buyer had paid just before the close: the money arrived, so it is credited, once.
    const late = method === 'alipay'
      ? await Promise.all([0, 1, 2].map(() => postAlipay(alipayNotice(order.id, '12.00'))))
      : await Promise.all([0, 1, 2].map(() => postWechat(wechatNotice(order.id, 1200))));
    expect(late.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await orderStatus(order.id)).toBe('paid');
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 1200, debt: 0 });
    expect(await creditsOf(order.id)).toBe(1);
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when the provider cannot be reached, then the order is still cancelled (closedAtProvider false), and a payment that arrives still credits it', async () => {
    const { order, token, user } = await newOrder('wechat', 500);
    wechat.mode = 'error';
    try {
      const res = await cancel(token, order.id);
      expect(res.body).toMatchObject({ order: { status: 'cancelled' }, closedAtProvider: false });
    } finally {
      wechat.mode = 'ok';
    }
    expect((await postWechat(wechatNotice(order.id, 500))).body).toEqual({ code: 'SUCCESS' });
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 500, debt: 0 });
  });
});
