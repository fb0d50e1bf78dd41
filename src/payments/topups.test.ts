import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { balanceOf, CLEAN_LEDGER, ledgerInvariants, postWebhook, signed, topUp } from '../../test/factories.js';
import { registerAdmin } from '../auth/test-fixtures.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ DEV_PAYMENTS: 'true' });
});
afterAll(async () => ctx.close());

const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const orderRow = async (id: number) =>
  (await ctx.deps.db.pool.query('SELECT status, provider_ref AS "providerRef", ledger_transaction_id AS "txId" FROM topup_orders WHERE id = $1', [id])).rows[0];

async function newOrder(token: string, amountCents: number): Promise<number> {
  const res = await ctx.http().post('/api/v1/wallet/topups').set(auth(token)).send({ amountCents });
  expect(res.status).toBe(201);
  return res.body.order.id;
}

describe('top-up orders', () => {
  it('when a user asks for a top-up, then it answers 201 with a pending order and credits nothing yet', async () => {
    const { token, user } = await registerUser(ctx);
    const res = await ctx.http().post('/api/v1/wallet/topups').set(auth(token)).send({ amountCents: 5000 });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ order: { id: expect.any(Number), amountCents: 5000, status: 'pending', method: 'dev', device: 'desktop', payUrl: null, qrCode: null } });
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 0, debt: 0 });
  });

  it.each([[0], [-5], [12.5], ['100'], [10_000_001]])('when the amount is %s, then it answers 400 and creates no order', async (amountCents) => {
    const { token, user } = await registerUser(ctx);
    const res = await ctx.http().post('/api/v1/wallet/topups').set(auth(token)).send({ amountCents });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    const { rows } = await ctx.deps.db.pool.query('SELECT 1 FROM topup_orders WHERE user_id = $1', [user.id]);
    expect(rows).toHaveLength(0);
  });

  it('when nobody is logged in, then it answers 401', async () => {
    const res = await ctx.http().post('/api/v1/wallet/topups').send({ amountCents: 100 });
    expect(res.status).toBe(401);
  });
});

describe('payment webhook', () => {
  it('when a paid event is signed correctly, then the wallet is credited once and replays change nothing', async () => {
    const { token, user } = await registerUser(ctx);
    const orderId = await newOrder(token, 2500);
    const event = { orderId, status: 'paid', amountCents: 2500, providerRef: `ref-${orderId}` };
    const first = await postWebhook(ctx, event);
    expect(first.status).toBe(200);
    expect(first.body.order).toEqual({ id: orderId, amountCents: 2500, status: 'paid', method: 'dev', device: 'desktop', payUrl: null, qrCode: null });
    const replays = await Promise.all([postWebhook(ctx, event), postWebhook(ctx, event), postWebhook(ctx, event)]);
    expect(replays.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 2500, debt: 0 });
    const credits = await ctx.deps.db.pool.query(`SELECT 1 FROM ledger_transactions WHERE reference = $1`, [`topup:${orderId}`]);
    expect(credits.rows).toHaveLength(1);
    expect(await orderRow(orderId)).toMatchObject({ status: 'paid', providerRef: `ref-${orderId}` });
    expect(await ledgerInvariants(ctx)).toEqual(CLEAN_LEDGER);
  });

  it('when 10 identical paid events arrive at once, then exactly one credit is made', async () => {
    const { token, user } = await registerUser(ctx);
    const orderId = await newOrder(token, 700);
    const event = { orderId, status: 'paid', amountCents: 700, providerRef: `burst-${orderId}` };
    const results = await Promise.all(Array.from({ length: 10 }, () => postWebhook(ctx, event)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect((await balanceOf(ctx, user.id)).wallet).toBe(700);
  });

  it.each([
    ['missing', undefined],
    ['malformed', 'sha256=zz'],
    ['signed with another secret', 'sha256=' + 'ab'.repeat(32)],
  ])('when the signature is %s, then it answers 401 and nothing changes', async (_label, header) => {
    const { token, user } = await registerUser(ctx);
    const orderId = await newOrder(token, 900);
    const s = signed(ctx, { orderId, status: 'paid', amountCents: 900, providerRef: `bad-${orderId}` });
    const req = ctx.http().post('/api/v1/payments/webhook').set('content-type', 'application/json');
    if (header) req.set('x-signature', header);
    const res = await req.send(s.raw);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
    expect(await orderRow(orderId)).toMatchObject({ status: 'pending', providerRef: null });
    expect((await balanceOf(ctx, user.id)).wallet).toBe(0);
  });

  it('when the body was altered after signing, then it answers 401', async () => {
    const { token, user } = await registerUser(ctx);
    const orderId = await newOrder(token, 100);
    const s = signed(ctx, { orderId, status: 'paid', amountCents: 100, providerRef: `alt-${orderId}` });
    const res = await ctx.http().post('/api/v1/payments/webhook').set('content-type', 'application/json')
      .set('x-signature', s.signature).send(s.raw.replace('"paid"', '"paid" '));
    expect(res.status).toBe(401);
    expect((await balanceOf(ctx, user.id)).wallet).toBe(0);
  });

  it('when the amount differs from the order, then it answers 400 and credits nothing', async () => {
    const { token, user } = await registerUser(ctx);
    const orderId = await newOrder(token, 1000);
    const res = await postWebhook(ctx, { orderId, status: 'paid', amountCents: 100000, providerRef: `amt-${orderId}` });
    expect(res.status).toBe(400);
    expect(await orderRow(orderId)).toMatchObject({ status: 'pending', txId: null });
    expect((await balanceOf(ctx, user.id)).wallet).toBe(0);
  });

  it('when the order is unknown, then it answers 404', async () => {
    const res = await postWebhook(ctx, { orderId: 987654, status: 'paid', amountCents: 100, providerRef: 'nobody' });
    expect(res.status).toBe(404);
  });

  it('when the payment failed, then the order is failed, and a later success still credits it once', async () => {
    const { token, user } = await registerUser(ctx);
    const orderId = await newOrder(token, 300);
    const failed = await postWebhook(ctx, { orderId, status: 'failed', amountCents: 300, providerRef: `f-${orderId}` });
    expect(failed.status).toBe(200);
    expect(failed.body.order.status).toBe('failed');
    expect((await balanceOf(ctx, user.id)).wallet).toBe(0);
    // Decision (README, Money): providers may report a failed attempt and then a success for the
    // same order; the money arrived, so the success credits, once, with the right amount only.
    const wrongAmount = await postWebhook(ctx, { orderId, status: 'paid', amountCents: 30_000, providerRef: `p-${orderId}` });
    expect(wrongAmount.status).toBe(400);
    expect((await balanceOf(ctx, user.id)).wallet).toBe(0);
    const paid = await postWebhook(ctx, { orderId, status: 'paid', amountCents: 300, providerRef: `p-${orderId}` });
    expect(paid.body.order.status).toBe('paid');
    const replay = await postWebhook(ctx, { orderId, status: 'paid', amountCents: 300, providerRef: `p-${orderId}` });
    expect(replay.status).toBe(200);
    const lateFailure = await postWebhook(ctx, { orderId, status: 'failed', amountCents: 300, providerRef: `f2-${orderId}` });
    expect(lateFailure.body.order.status).toBe('paid');
    expect((await balanceOf(ctx, user.id)).wallet).toBe(300);
    const postings = await ctx.deps.db.pool.query('SELECT 1 FROM ledger_transactions WHERE reference = $1', [`topup:${orderId}`]);
    expect(postings.rowCount).toBe(1);
    const order = await ctx.deps.db.pool.query('SELECT status, provider_ref AS "providerRef", failed_at AS "failedAt" FROM topup_orders WHERE id = $1', [orderId]);
    expect(order.rows[0]).toEqual({ status: 'paid', providerRef: `p-${orderId}`, failedAt: null });
  });

  it('when a paid order is reported paid by another payment reference, then it answers 409 and credits nothing more', async () => {
    const { token, user } = await registerUser(ctx);
    const orderId = await topUp(ctx, token, 400);
    const res = await postWebhook(ctx, { orderId, status: 'paid', amountCents: 400, providerRef: 'someone-else' });
    expect(res.status).toBe(409);
    expect((await balanceOf(ctx, user.id)).wallet).toBe(400);
  });

  it('when a provider reference was already used by another order, then it answers 409 and credits nothing', async () => {
    const { token, user } = await registerUser(ctx);
    const first = await newOrder(token, 100);
    const second = await newOrder(token, 100);
    expect((await postWebhook(ctx, { orderId: first, status: 'paid', amountCents: 100, providerRef: `dup-${first}` })).status).toBe(200);
    const res = await postWebhook(ctx, { orderId: second, status: 'paid', amountCents: 100, providerRef: `dup-${first}` });
    expect(res.status).toBe(409);
    expect((await orderRow(second)).status).toBe('pending');
    expect((await balanceOf(ctx, user.id)).wallet).toBe(100);
  });
});

describe('contract', () => {
  it('when the OpenAPI document is fetched, then it describes the payments endpoints', async () => {
    const res = await ctx.http().get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    for (const path of ['/api/v1/wallet', '/api/v1/wallet/topups', '/api/v1/payments/webhook', '/api/v1/documents/{id}/purchase', '/api/v1/documents/{id}/download-link', '/api/v1/me/purchases', '/api/v1/me/earnings']) {
      expect(Object.keys(res.body.paths)).toContain(path);
    }
  });
});

describe('wallet', () => {
  it('when the user has entries, then GET /wallet pages through them newest first', async () => {
    const { token } = await registerUser(ctx);
    for (const cents of [100, 200, 300]) await topUp(ctx, token, cents);
    const page1 = await ctx.http().get('/api/v1/wallet?limit=2').set(auth(token));
    expect(page1.status).toBe(200);
    expect(page1.body.balanceCents).toBe(600);
    expect(page1.body.entries.map((e: { amountCents: number }) => e.amountCents)).toEqual([300, 200]);
    expect(page1.body.entries[0]).toEqual({ id: expect.any(Number), amountCents: 300, kind: 'topup', createdAt: expect.any(String), documentId: null });
    const page2 = await ctx.http().get(`/api/v1/wallet?limit=2&cursor=${page1.body.nextCursor}`).set(auth(token));
    expect(page2.body.entries.map((e: { amountCents: number }) => e.amountCents)).toEqual([100]);
    expect(page2.body.nextCursor).toBeNull();
  });

  it('when an admin credits a wallet with a reason, then it is an entry from the adjustments account', async () => {
    const admin = await registerAdmin(ctx, { email: 'wallet-admin@example.com' });
    const { token, user } = await registerUser(ctx);
    const denied = await ctx.http().post(`/api/v1/admin/wallets/${user.id}/credits`).set(auth(token)).send({ amountCents: 100, reason: 'x' });
    expect(denied.status).toBe(403);
    const res = await ctx.http().post(`/api/v1/admin/wallets/${user.id}/credits`).set(auth(admin.token)).send({ amountCents: 888, reason: '下载失败补偿' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ wallet: { balanceCents: 888 } });
    const { rows } = await ctx.deps.db.pool.query(
      `SELECT t.note, a.kind, e.amount_cents AS amount FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
         JOIN ledger_accounts a ON a.id = e.account_id WHERE t.kind = 'admin_credit' AND t.note = '下载失败补偿' ORDER BY e.amount_cents`,
    );
    expect(rows).toEqual([{ note: '下载失败补偿', kind: 'adjustments', amount: -888 }, { note: '下载失败补偿', kind: 'wallet', amount: 888 }]);
    expect((await ctx.http().post('/api/v1/admin/wallets/999999/credits').set(auth(admin.token)).send({ amountCents: 1, reason: 'x' })).status).toBe(404);
  });
});

describe('wallet and development payment pages', () => {
  async function loggedIn() {
    const { token, user } = await registerUser(ctx);
    const agent = (await import('supertest')).default.agent(ctx.app);
    agent.set('cookie', `wenku_session=${token}`);
    return { agent, token, user };
  }
  const csrfOf = (html: string) => html.match(/name="csrf-token" content="([^"]+)"/)![1]!;

  it('when nobody is logged in, then /wallet redirects to the login page', async () => {
    const res = await ctx.http().get('/wallet');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fwallet');
  });

  it('when a user tops up through the pages, then the dev payment page pays the order through the webhook path', async () => {
    const { agent, user } = await loggedIn();
    const page = await agent.get('/wallet');
    expect(page.status).toBe(200);
    expect(page.text).toContain('我的钱包');
    expect(page.text).toContain('/static/js/payments.js');
    const created = await agent.post('/wallet/topups').type('form').send({ _csrf: csrfOf(page.text), amountYuan: '12.34' });
    expect(created.status).toBe(303);
    const payPath = created.headers.location as string;
    expect(payPath).toMatch(/^\/wallet\/topup\/\d+\/dev-pay$/);
    const payPage = await agent.get(payPath);
    expect(payPage.text).toContain('模拟支付成功');
    expect(payPage.text).toContain('¥12.34');
    const paid = await agent.post(payPath).type('form').send({ _csrf: csrfOf(payPage.text) });
    expect(paid.status).toBe(303);
    expect(paid.headers.location).toBe('/wallet?paid=1');
    expect(await balanceOf(ctx, user.id)).toEqual({ wallet: 1234, debt: 0 });
    const again = await agent.post(payPath).type('form').send({ _csrf: csrfOf(payPage.text) });
    expect(again.status).toBe(303);
    expect((await balanceOf(ctx, user.id)).wallet).toBe(1234);
    const orderId = Number(payPath.split('/')[3]);
    expect(await orderRow(orderId)).toMatchObject({ status: 'paid', providerRef: `dev-${orderId}` });
    const after = await agent.get('/wallet?paid=1');
    expect(after.text).toContain('充值成功');
    expect(after.text).toContain('¥12.34');
    expect(after.text).toContain('充值');
  });

  it("when another user opens someone's dev payment page, then it is 404", async () => {
    const owner = await registerUser(ctx);
    const orderId = await newOrder(owner.token, 100);
    const { agent } = await loggedIn();
    expect((await agent.get(`/wallet/topup/${orderId}/dev-pay`)).status).toBe(404);
  });

  it('when the amount typed is not a yuan amount, then the page answers 400 and creates nothing', async () => {
    const { agent, user } = await loggedIn();
    const page = await agent.get('/wallet');
    const res = await agent.post('/wallet/topups').type('form').send({ _csrf: csrfOf(page.text), amountYuan: '1.234' });
    expect(res.status).toBe(400);
    const { rows } = await ctx.deps.db.pool.query('SELECT 1 FROM topup_orders WHERE user_id = $1', [user.id]);
    expect(rows).toHaveLength(0);
  });
});

describe('development payments switched off', () => {
  it('when DEV_PAYMENTS is off, then the dev payment page is 404 for GET and POST and the order stays pending', async () => {
    // Handlers read the setting per request, so this context can switch it off for one test.
    ctx.deps.config.devPayments = false;
    try {
      const { token } = await registerUser(ctx);
      const order = await ctx.http().post('/api/v1/wallet/topups').set(auth(token)).send({ amountCents: 100 });
      const path = `/wallet/topup/${order.body.order.id}/dev-pay`;
      expect((await ctx.http().get(path).set('cookie', `wenku_session=${token}`)).status).toBe(404);
      expect((await ctx.http().post(path).set('authorization', `Bearer ${token}`)).status).toBe(404);
      expect((await orderRow(order.body.order.id)).status).toBe('pending');
      const page = await ctx.http().get('/wallet').set('cookie', `wenku_session=${token}`);
      expect(page.text).not.toContain('模拟支付');
    } finally {
      ctx.deps.config.devPayments = true;
    }
  });
});
