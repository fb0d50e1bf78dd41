// Development pages (the mail outbox, the development payment page) answer only an admin or a
// loopback client that no front end relayed (contract, settings), whatever NODE_ENV says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { balanceOf, bearer, type TestUser } from '../../test/factories.js';
import { registerAdmin } from '../auth/test-fixtures.js';
import { isLoopbackAddress } from './dev-access.js';

let ctx: TestContext;
let admin: TestUser;
beforeAll(async () => {
  // NODE_ENV development: the rule holds there too (default TRUST_PROXY=loopback, as a local nginx).
  ctx = await createTestContext({ NODE_ENV: 'development', DEV_PAYMENTS: 'true', ADMIN_EMAILS: 'dev-admin@example.com' });
  admin = await registerAdmin(ctx, { email: 'dev-admin@example.com' });
}, 180_000);
afterAll(async () => ctx?.close());

/** A request as the local front end relays it: the client's address appended to X-Forwarded-For. */
const REMOTE = { 'x-forwarded-for': '203.0.113.7' };
const waitUntil = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
};
const orderStatus = async (id: number) => (await ctx.deps.db.pool.query('SELECT status FROM topup_orders WHERE id = $1', [id])).rows[0].status as string;

describe('the mail outbox', () => {
  it('when a client from another address (through the trusted proxy) opens /dev/outbox, then 404 with no mail; loopback and an admin see it, reset links clickable', async () => {
    await registerUser(ctx, { email: 'victim@example.com' });
    expect((await ctx.http().post('/api/v1/auth/password-reset').send({ email: 'victim@example.com' })).status).toBe(202);
    await waitUntil(() => ctx.deps.mailer.recent().some((m) => m.to === 'victim@example.com'));

    for (const headers of [REMOTE, { 'x-forwarded-for': '127.0.0.1, 203.0.113.9' }, { 'x-real-ip': '198.51.100.4' }, { forwarded: 'for="[2001:db8::1]:443"' }]) {
      const res = await ctx.http().get('/dev/outbox').set(headers);
      expect(res.status, JSON.stringify(headers)).toBe(404);
      expect(res.text).not.toContain('victim@example.com');
      expect(res.text).not.toContain('reset-password?token=');
    }
    const local = await ctx.http().get('/dev/outbox');
    expect(local.status).toBe(200);
    expect(local.text).toMatch(/<a href="http:\/\/localhost:\d+\/reset-password\?token=[\w-]+">/);
    const asAdmin = await ctx.http().get('/dev/outbox').set(REMOTE).set('cookie', `wenku_session=${admin.token}`);
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.text).toContain('victim@example.com');
  });

  it('when /forgot-password is used in development, then the page says where the mail went: the outbox link for this machine, the log for others', async () => {
    const page = await ctx.http().get('/forgot-password');
    const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)![1]!;
    const cookie = String(page.headers['set-cookie']).split(';')[0]!;
    const local = await ctx.http().post('/forgot-password').set('cookie', cookie).type('form').send({ _csrf: csrf, email: 'nobody@example.com' });
    expect(local.status).toBe(200);
    expect(local.text).toContain('id="dev-mail-where"');
    expect(local.text).toContain('href="/dev/outbox"');
    const remote = await ctx.http().post('/forgot-password').set(REMOTE).set('cookie', cookie).type('form').send({ _csrf: csrf, email: 'nobody@example.com' });
    expect(remote.text).toContain('id="dev-mail-where"');
    expect(remote.text).not.toContain('href="/dev/outbox"');
  });
});

describe('the development payment page', () => {
  it('when a user reaches it through the front end, then GET and POST are 404, the order stays pending and no money appears; an admin may use it', async () => {
    const user = await registerUser(ctx);
    const order = await ctx.http().post('/api/v1/wallet/topups').set(bearer(user.token)).send({ amountCents: 100_000 });
    expect(order.status).toBe(201);
    const path = `/wallet/topup/${order.body.order.id}/dev-pay`;
    expect((await ctx.http().get(path).set(REMOTE).set('cookie', `wenku_session=${user.token}`)).status).toBe(404);
    expect((await ctx.http().post(path).set(REMOTE).set(bearer(user.token))).status).toBe(404);
    expect(await orderStatus(order.body.order.id)).toBe('pending');
    expect((await balanceOf(ctx, user.user.id)).wallet).toBe(0);
    // The wallet does not offer a page this client cannot open.
    const wallet = await ctx.http().get('/wallet').set(REMOTE).set('cookie', `wenku_session=${user.token}`);
    expect(wallet.status).toBe(200);
    expect(wallet.text).not.toContain('模拟支付');

    const own = await ctx.http().post('/api/v1/wallet/topups').set(bearer(admin.token)).send({ amountCents: 500 });
    const adminPath = `/wallet/topup/${own.body.order.id}/dev-pay`;
    expect((await ctx.http().post(adminPath).set(REMOTE).set(bearer(admin.token))).status).toBe(303);
    expect(await orderStatus(own.body.order.id)).toBe('paid');
  });
});

describe('loopback addresses', () => {
  it('when an address is 127.0.0.0/8, ::1 or IPv4-mapped loopback, then it is loopback; anything else is not', () => {
    for (const a of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1', '[::1]']) expect(isLoopbackAddress(a), a).toBe(true);
    for (const a of ['10.0.0.1', '::ffff:10.0.0.1', '2001:db8::1', 'unknown', '', undefined, '127.0.0.1.evil']) expect(isLoopbackAddress(a), String(a)).toBe(false);
  });
});
