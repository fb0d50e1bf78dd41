// Top-ups from a purchase dialog (issue 16): preset amounts, and back to the document after
// paying (development payment page, the order page, Alipay's return URL) — only to paths on
// this site, never an open redirect.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { balanceOf, bearer, count, registerUser } from '../../test/factories.js';
import { sameSitePath } from '../http/forms.js';
import { topupPresetsCents } from '../../public/js/format.js';
import { rsaPair, startFakeAlipayGateway } from './providers/provider-test-keys.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const csrfOf = (html: string) => html.match(/name="csrf-token" content="([^"]+)"/)![1]!;

async function loggedIn() {
  const { token, user } = await registerUser(ctx);
  const agent = request.agent(ctx.app);
  agent.set('cookie', `wenku_session=${token}`);
  return { agent, token, user };
}

const HOSTILE = ['//evil.example/x', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)', ' /doc/1', '/doc/1\n', 'doc/1', '', '/\t/evil.example'];

describe('same-site return paths', () => {
  it('when a return path is checked, then only paths on this site pass', () => {
    expect(sameSitePath('/doc/12#download')).toBe('/doc/12#download');
    expect(sameSitePath('/search?q=%E6%94%BF%E6%B3%95')).toBe('/search?q=%E6%94%BF%E6%B3%95');
    for (const bad of HOSTILE) expect(sameSitePath(bad), bad).toBeNull();
    expect(sameSitePath(['/doc/1'])).toBeNull();
    expect(sameSitePath(`/${'a'.repeat(2001)}`)).toBeNull();
  });

  it('when presets are offered for a shortfall, then the shortfall comes first and every amount covers it; without one, ¥10, ¥30, ¥50', () => {
    expect(topupPresetsCents(120)).toEqual([120, 1000, 3000, 5000]);
    // Every amount offered covers the shortfall (issue 23: ¥10 could not pay a ¥30 shortfall).
    expect(topupPresetsCents(3000)).toEqual([3000, 5000, 10000, 30000]);
    // ¥150 with ¥7.50 in the wallet: the shortfall, rounded up to ¥150, then ¥300 and ¥500.
    expect(topupPresetsCents(14250)).toEqual([14250, 15000, 30000, 50000]);
    for (const missing of [1, 999, 1001, 14250, 77777, 9_999_999]) {
      expect(topupPresetsCents(missing).every((c) => c >= missing && c <= 10_000_000)).toBe(true);
    }
    expect(topupPresetsCents(null)).toEqual([1000, 3000, 5000]);
    expect(topupPresetsCents(0)).toEqual([1000, 3000, 5000]);
    expect(topupPresetsCents(1.5)).toEqual([1000, 3000, 5000]);
  });
});

describe('a top-up that returns to the document', () => {
  it('when the wallet is opened from a purchase dialog, then it offers the missing amount and the presets and keeps the way back', async () => {
    const { agent } = await loggedIn();
    const page = await agent.get('/wallet?need=120&amount=120&return=' + encodeURIComponent('/doc/7#download'));
    expect(page.status).toBe(200);
    const presets = [...page.text.matchAll(/name="presetCents" value="(\d+)"/g)].map((m) => Number(m[1]));
    expect(presets).toEqual([120, 1000, 3000, 5000]);
    expect(page.text).toContain('<input type="hidden" name="return" value="/doc/7#download">');
    expect(page.text).toContain('value="1.20"');
    expect(page.text).toContain('充值完成后将自动返回文档');
    // Without a purchase behind it: the fixed presets only, no way back.
    const plain = await agent.get('/wallet');
    expect([...plain.text.matchAll(/name="presetCents" value="(\d+)"/g)].map((m) => Number(m[1]))).toEqual([1000, 3000, 5000]);
    expect(plain.text).not.toContain('name="return"');
  });

  it('when a preset is paid on the development page, then the wallet is credited once and the browser goes back to the document with the dialog open', async () => {
    const { agent, user } = await loggedIn();
    const page = await agent.get('/wallet?return=' + encodeURIComponent('/doc/7#download'));
    const created = await agent.post('/wallet/topups').type('form').send({ _csrf: csrfOf(page.text), presetCents: '3000', amountYuan: '', return: '/doc/7#download' });
    expect(created.status).toBe(303);
    const payPath = created.headers.location as string;
    expect(payPath).toMatch(/^\/wallet\/topup\/\d+\/dev-pay\?return=%2Fdoc%2F7%23download$/);
    const payPage = await agent.get(payPath);
    expect(payPage.text).toContain('¥30.00');
    expect(payPage.text).toContain('<input type="hidden" name="return" value="/doc/7#download">');
    const paid = await agent.post(payPath.split('?')[0]!).type('form').send({ _csrf: csrfOf(payPage.text), return: '/doc/7#download' });
    expect(paid.status).toBe(303);
    expect(paid.headers.location).toBe('/doc/7#download');
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 3000, debt: 0 });
  });

  it('when the return path points at another site, then every step ignores it and ends on the wallet', async () => {
    const { agent, user } = await loggedIn();
    for (const bad of HOSTILE.filter(Boolean)) {
      const page = await agent.get('/wallet?return=' + encodeURIComponent(bad));
      expect(page.text, bad).not.toContain('name="return"');
      const created = await agent.post('/wallet/topups').type('form').send({ _csrf: csrfOf(page.text), presetCents: '1000', return: bad });
      const payPath = created.headers.location as string;
      expect(payPath, bad).toMatch(/^\/wallet\/topup\/\d+\/dev-pay$/);
      const paid = await agent.post(payPath).query({ return: bad }).type('form').send({ _csrf: csrfOf(page.text), return: bad });
      expect(paid.headers.location, bad).toBe('/wallet?paid=1');
      const order = await agent.get(`${payPath.replace('/dev-pay', '')}?return=${encodeURIComponent(bad)}`);
      expect(order.status, bad).toBe(200); // paid, but no safe way back: the order page itself
    }
    expect((await balanceOf(ctx, user.id)).wallet).toBe(1000 * HOSTILE.filter(Boolean).length);
  });

  it('when a preset amount is out of bounds, then the page answers 400 and creates no order', async () => {
    const { agent, user } = await loggedIn();
    const page = await agent.get('/wallet');
    for (const presetCents of ['0', '-5', '10000001', '12.5', 'abc']) {
      const res = await agent.post('/wallet/topups').type('form').send({ _csrf: csrfOf(page.text), presetCents, amountYuan: '10' });
      expect(res.status, presetCents).toBe(400);
    }
    expect(await count(ctx, 'topup_orders WHERE user_id = $1', [user.id])).toBe(0);
  });

  it('when the order page of a paid order carries a return path, then it goes straight there; while pending it says where it will go', async () => {
    const { agent, token } = await loggedIn();
    const order = await ctx.http().post('/api/v1/wallet/topups').set(bearer(token)).send({ amountCents: 500, returnPath: '/doc/9#download' });
    expect(order.status).toBe(201);
    const pending = await agent.get(`/wallet/topup/${order.body.order.id}?return=${encodeURIComponent('/doc/9#download')}`);
    expect(pending.status).toBe(200);
    expect(pending.text).toContain('data-after-paid="/doc/9#download"');
    expect(pending.text).toContain(`href="/wallet/topup/${order.body.order.id}/dev-pay?return=%2Fdoc%2F9%23download"`);
    const payPage = await agent.get(`/wallet/topup/${order.body.order.id}/dev-pay`);
    await agent.post(`/wallet/topup/${order.body.order.id}/dev-pay`).type('form').send({ _csrf: csrfOf(payPage.text) });
    const back = await agent.get(`/wallet/topup/${order.body.order.id}?return=${encodeURIComponent('/doc/9#download')}`);
    expect(back.status).toBe(303);
    expect(back.headers.location).toBe('/doc/9#download');
  });

  it('when the API is given a return path of another site, then it answers 400 validation_failed and creates no order', async () => {
    const { token, user } = await loggedIn();
    const res = await ctx.http().post('/api/v1/wallet/topups').set(bearer(token)).send({ amountCents: 500, returnPath: '//evil.example/' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(await count(ctx, 'topup_orders WHERE user_id = $1', [user.id])).toBe(0);
  });
});

describe('Alipay return URL', () => {
  it('when an Alipay top-up is made from a document, then Alipay returns the buyer to the order page carrying the way back', async () => {
    const appKey = rsaPair();
    const alipayKey = rsaPair();
    // Creating an Alipay order calls precreate: a fake gateway on loopback, never the real one.
    const gateway = await startFakeAlipayGateway(appKey.publicKey, alipayKey.privateKey);
    const other = await createTestContext({
      PUBLIC_URL: 'http://127.0.0.1',
      ALIPAY_APP_ID: '2021000123456789',
      ALIPAY_PRIVATE_KEY: appKey.privatePem,
      ALIPAY_PUBLIC_KEY: alipayKey.publicPem.replace(/\n/g, '\\n'),
      ALIPAY_GATEWAY: gateway.url,
    });
    try {
      const { token } = await registerUser(other);
      const res = await other.http().post('/api/v1/wallet/topups').set(bearer(token)).send({ amountCents: 250, method: 'alipay', returnPath: '/doc/3#download' });
      expect(res.status).toBe(201);
      const params = new URL(res.body.order.payUrl).searchParams;
      expect(params.get('return_url')).toBe(`http://127.0.0.1/wallet/topup/${res.body.order.id}?return=%2Fdoc%2F3%23download`);
      const plain = await other.http().post('/api/v1/wallet/topups').set(bearer(token)).send({ amountCents: 250, method: 'alipay' });
      expect(new URL(plain.body.order.payUrl).searchParams.get('return_url')).toBe(`http://127.0.0.1/wallet/topup/${plain.body.order.id}`);
    } finally {
      await other.close();
      await gateway.close();
    }
  });
});
