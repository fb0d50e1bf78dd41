// One limiter per named limit per app: the API and the form pages count against the same limit,
// login and registration key on the IP (never on the caller's own token), and login also on the
// target account across IPs. Each test comes from its own client IP (X-Forwarded-For, trusted
// from loopback as in production behind nginx).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ RATE_LIMIT_SCALE: '1' });
});
afterAll(async () => ctx.close());

/** A browser on `ip`: keeps cookies and the CSRF token of the page it loaded. */
async function browserOn(ip: string, path: string) {
  const agent = request.agent(ctx.app);
  const page = await agent.get(path).set('X-Forwarded-For', ip);
  const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)![1]!;
  return {
    post: (body: Record<string, string>) => agent.post(path).set('X-Forwarded-For', ip).type('form').send({ _csrf: csrf, ...body }),
  };
}

const apiLogin = (ip: string, email: string, password = 'wrong-password') =>
  ctx.http().post('/api/v1/auth/login').set('X-Forwarded-For', ip).send({ email, password });

async function userCount(emailLike: string): Promise<number> {
  const rows = await ctx.deps.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE email LIKE $1`, [emailLike]);
  return rows.rows[0]!.n;
}

describe('one login limit for the API and the form', () => {
  it('when an IP mixes form and API login attempts, then the 11th of either kind gets 429 with Retry-After', async () => {
    const ip = '198.51.100.1';
    const form = await browserOn(ip, '/login');
    const statuses: number[] = [];
    // Different accounts each time, so only the per-IP limit is in play.
    for (let i = 0; i < 10; i++) {
      const res = i % 2 === 0 ? await form.post({ email: `mix${i}@example.com`, password: 'wrong-password' }) : await apiLogin(ip, `mix${i}@example.com`);
      statuses.push(res.status);
    }
    expect(statuses).toEqual(Array(10).fill(401));

    const api = await apiLogin(ip, 'mix10@example.com');
    expect(api.status).toBe(429);
    expect(api.body.error.code).toBe('rate_limited');
    expect(Number(api.headers['retry-after'])).toBeGreaterThan(0);
    const page = await form.post({ email: 'mix11@example.com', password: 'wrong-password' });
    expect(page.status).toBe(429);
    expect(Number(page.headers['retry-after'])).toBeGreaterThan(0);
    expect(page.text).toContain('请求过于频繁');

    // Another IP is not affected.
    expect((await apiLogin('198.51.100.2', 'mix12@example.com')).status).toBe(401);
  });

  it('when an IP mixes form and API registrations, then the 6th is refused with 429 and not stored', async () => {
    const ip = '198.51.100.3';
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const body = { email: `mixreg${i}@example.com`, password: 'long-enough', displayName: `混合${i}` };
      // A new browser each time: a registration logs the browser in, which renews its CSRF token.
      const res = i % 2 === 0 ? await (await browserOn(ip, '/register')).post(body) : await ctx.http().post('/api/v1/auth/register').set('X-Forwarded-For', ip).send(body);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([303, 201, 303, 201, 303, 429]);
    expect(await userCount('mixreg%@example.com')).toBe(5);
    expect(await userCount('mixreg5@example.com')).toBe(0);
  });
});

describe('login and registration are keyed on the IP, not on the caller', () => {
  it('when a limited IP sends a valid Bearer token with its next login guess, then it still gets 429 and no token', async () => {
    const { token } = await registerUser(ctx); // from loopback, not the IP below
    const ip = '198.51.100.4';
    for (let i = 0; i < 10; i++) expect((await apiLogin(ip, `guess${i}@example.com`)).status).toBe(401);
    const res = await ctx.http().post('/api/v1/auth/login').set('X-Forwarded-For', ip).set('Authorization', `Bearer ${token}`).send({ email: 'guess10@example.com', password: 'wrong-password' });
    expect(res.status).toBe(429);
    expect(res.body.token).toBeUndefined();
  });

  it('when a limited IP sends a valid Bearer token with its next registration, then it gets 429 and no account is created', async () => {
    const { token } = await registerUser(ctx);
    const ip = '198.51.100.5';
    for (let i = 0; i < 5; i++) {
      const res = await ctx.http().post('/api/v1/auth/register').set('X-Forwarded-For', ip).send({ email: `tokreg${i}@example.com`, password: 'long-enough', displayName: `令牌${i}` });
      expect(res.status).toBe(201);
    }
    const res = await ctx.http().post('/api/v1/auth/register').set('X-Forwarded-For', ip).set('Authorization', `Bearer ${token}`).send({ email: 'tokreg5@example.com', password: 'long-enough', displayName: '令牌5' });
    expect(res.status).toBe(429);
    expect(await userCount('tokreg5@example.com')).toBe(0);
  });
});

describe('per-account lockout across IPs', () => {
  it('when one account gets 10 wrong passwords from 10 different IPs, then even the right password from a new IP gets 429 for a while; other accounts still log in', async () => {
    const victim = await registerUser(ctx, { email: 'victim@example.com', password: 'victim-password' });
    const other = await registerUser(ctx, { email: 'other@example.com', password: 'other-password' });
    for (let i = 0; i < 10; i++) {
      // " Victim@Example.com " is the same account as "victim@example.com".
      expect((await apiLogin(`203.0.113.${i + 1}`, i % 2 ? ' Victim@Example.com ' : victim.user.email)).status).toBe(401);
    }
    const locked = await apiLogin('203.0.113.50', victim.user.email, 'victim-password');
    expect(locked.status).toBe(429);
    expect(locked.body.token).toBeUndefined();
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(60); // the 15-minute window, not the 1-minute one
    const form = await browserOn('203.0.113.51', '/login');
    const page = await form.post({ email: victim.user.email, password: 'victim-password' });
    expect(page.status).toBe(429);
    expect([page.headers['set-cookie']].flat().join(';')).not.toContain('wenku_session=');

    const fine = await apiLogin('203.0.113.1', other.user.email, 'other-password');
    expect(fine.status).toBe(200);
    expect(fine.body.token).toEqual(expect.any(String));
  });

  it('when an account logs in correctly many times, then its successes do not count toward the lockout', async () => {
    const user = await registerUser(ctx, { email: 'often@example.com', password: 'often-password' });
    for (let i = 0; i < 12; i++) {
      const res = await apiLogin(`192.0.2.${i + 1}`, user.user.email, 'often-password');
      expect(res.status).toBe(200);
    }
    for (let i = 0; i < 9; i++) expect((await apiLogin(`192.0.2.${i + 20}`, user.user.email)).status).toBe(401);
    expect((await apiLogin('192.0.2.40', user.user.email, 'often-password')).status).toBe(200);
  });
});
