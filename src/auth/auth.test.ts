import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { SESSION_AUDIENCE, TOKEN_ISSUER } from './tokens.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({ ADMIN_EMAILS: 'Boss@Example.com' });
});
afterAll(async () => ctx.close());

const count = async (sql: string, params: unknown[] = []) =>
  (await ctx.deps.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]!.n;

describe('registration', () => {
  it('when the input is valid, then it answers 201 with the user and a token, and stores the user with a wallet', async () => {
    const res = await ctx.http().post('/api/v1/auth/register').send({ email: ' Li.Lei@Example.com ', password: 'p@ssw0rd!', displayName: '李雷' });
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ email: 'li.lei@example.com', displayName: '李雷', role: 'user' });
    expect(res.body.user.id).toBeTypeOf('number');
    expect(res.body.user.referralCode).toMatch(/^[a-z0-9]{10}$/);
    expect(res.body.token).toBeTypeOf('string');
    expect(await count(`users WHERE email = 'li.lei@example.com'`)).toBe(1);
    expect(await count('ledger_accounts WHERE user_id = $1', [res.body.user.id])).toBe(2);
    const stored = await ctx.deps.db.pool.query('SELECT password_hash FROM users WHERE id = $1', [res.body.user.id]);
    expect(stored.rows[0].password_hash).toMatch(/^scrypt\$/);
    expect(stored.rows[0].password_hash).not.toContain('p@ssw0rd!');
  });

  it.each([
    ['a missing email', { password: 'longenough', displayName: 'x' }],
    ['a bad email', { email: 'not-an-email', password: 'longenough', displayName: 'x' }],
    ['a short password', { email: 'short@example.com', password: '1234567', displayName: 'x' }],
    ['a missing display name', { email: 'noname@example.com', password: 'longenough' }],
  ])('when the body has %s, then it answers 400 validation_failed and stores nothing', async (_label, body) => {
    const before = await count('users');
    const res = await ctx.http().post('/api/v1/auth/register').send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toBeTypeOf('string');
    expect(Array.isArray(res.body.error.details)).toBe(true);
    expect(await count('users')).toBe(before);
  });

  it('when the email is already registered (any case), then it answers 409 conflict and keeps one user', async () => {
    await registerUser(ctx, { email: 'dup@example.com' });
    const res = await ctx.http().post('/api/v1/auth/register').send({ email: 'DUP@example.com', password: 'another-password', displayName: '重复' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('conflict');
    expect(await count(`users WHERE email = 'dup@example.com'`)).toBe(1);
  });

  it('when the email is listed in ADMIN_EMAILS, then the user is still an ordinary user until the address is verified', async () => {
    const { user, token } = await registerUser(ctx, { email: 'boss@example.com' });
    expect(user.role).toBe('user');
    expect((await ctx.http().get('/api/v1/me').set('authorization', `Bearer ${token}`)).body.user.role).toBe('user');
  });

  it('when ADMIN_EMAILS gains an address, then the stored role is what the API reports and it does not change without proof (verification link or operator grant)', async () => {
    const chief = await registerUser(ctx, { email: 'chief@example.com' });
    const admins = ctx.deps.config.adminEmails as Set<string>;
    const me = async () => (await ctx.http().get('/api/v1/me').set('authorization', `Bearer ${chief.token}`)).body.user.role;
    const stored = async () => (await ctx.deps.db.pool.query('SELECT role FROM users WHERE id = $1', [chief.user.id])).rows[0].role;
    expect(await me()).toBe('user');
    admins.add('chief@example.com');
    try {
      expect(await me()).toBe('user');
      expect(await stored()).toBe('user');
      await ctx.deps.db.pool.query(`UPDATE users SET role = 'admin' WHERE id = $1`, [chief.user.id]);
      expect(await me()).toBe('admin'); // the row is the source of truth, read on every request
    } finally {
      admins.delete('chief@example.com');
    }
  });

  it('when the body is not JSON, then it answers 400 in the contract format', async () => {
    const res = await ctx.http().post('/api/v1/auth/register').set('content-type', 'application/json').send('{"email":');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: { code: 'validation_failed', message: expect.any(String) } });
  });
});

describe('login and me', () => {
  it('when the password is right, then it answers 200 with a token that /me accepts', async () => {
    const { user, password } = await registerUser(ctx, { email: 'han.meimei@example.com' });
    const res = await ctx.http().post('/api/v1/auth/login').send({ email: 'Han.MeiMei@example.com', password });
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe(user.id);
    const me = await ctx.http().get('/api/v1/me').set('authorization', `Bearer ${res.body.token}`);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ user: { ...user }, wallet: { balanceCents: 0 }, vip: null });
  });

  it('when the email is unknown or the password wrong, then both answer 401 with the same message', async () => {
    await registerUser(ctx, { email: 'known@example.com' });
    const wrong = await ctx.http().post('/api/v1/auth/login').send({ email: 'known@example.com', password: 'wrong-password' });
    const unknown = await ctx.http().post('/api/v1/auth/login').send({ email: 'nobody@example.com', password: 'wrong-password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe('unauthenticated');
  });

  it('when there is no token, then /me answers 401', async () => {
    const res = await ctx.http().get('/api/v1/me');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  describe('when the token is not one we issued for sessions', () => {
    const secret = () => ctx.deps.config.jwtSecret;
    const liveSession = async () => {
      const { user, token } = await registerUser(ctx);
      return { user, jwtid: (jwt.decode(token) as { jti: string }).jti };
    };
    const tokens: Array<[string, () => Promise<string>]> = [
      ['tampered', async () => {
        const { token } = await registerUser(ctx);
        const [h, p, s] = token.split('.');
        const payload = JSON.parse(Buffer.from(p!, 'base64url').toString());
        payload.sub = '999999';
        return [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
      }],
      // Each of these names a live session of its user (jti), so it is refused for its own flaw.
      ['expired', async () => {
        const { user, jwtid } = await liveSession();
        return jwt.sign({ sub: String(user.id) }, secret(), { algorithm: 'HS256', issuer: TOKEN_ISSUER, audience: SESSION_AUDIENCE, expiresIn: -10, jwtid });
      }],
      ['alg none', async () => {
        const { user, jwtid } = await liveSession();
        return jwt.sign({ sub: String(user.id), iss: TOKEN_ISSUER, aud: SESSION_AUDIENCE, jti: jwtid, exp: Math.floor(Date.now() / 1000) + 600 }, '', { algorithm: 'none' });
      }],
      ['wrong audience', async () => {
        const { user, jwtid } = await liveSession();
        return jwt.sign({ sub: String(user.id) }, secret(), { algorithm: 'HS256', issuer: TOKEN_ISSUER, audience: 'wenku:download', expiresIn: 600, jwtid });
      }],
      ['without expiry', async () => {
        const { user, jwtid } = await liveSession();
        return jwt.sign({ sub: String(user.id) }, secret(), { algorithm: 'HS256', issuer: TOKEN_ISSUER, audience: SESSION_AUDIENCE, jwtid });
      }],
      ['signed with another key', async () => {
        const { user, jwtid } = await liveSession();
        return jwt.sign({ sub: String(user.id) }, 'another-secret-another-secret-another', { algorithm: 'HS256', issuer: TOKEN_ISSUER, audience: SESSION_AUDIENCE, expiresIn: 600, jwtid });
      }],
    ];
    it.each(tokens)('%s, then /me answers 401', async (_label, make) => {
      const res = await ctx.http().get('/api/v1/me').set('authorization', `Bearer ${await make()}`);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
      expect(JSON.stringify(res.body)).not.toMatch(/stack|at .*\.ts/);
    });
  });
});

describe('site and errors', () => {
  it('when /api/v1/site is read, then it has the four Chinese notices and the support contact', async () => {
    const res = await ctx.http().get('/api/v1/site');
    expect(res.status).toBe(200);
    expect(res.body.notices).toHaveLength(4);
    expect(res.body.notices.join('')).toMatch(/公式/);
    expect(res.body.notices.join('')).toMatch(/版权/);
    expect(res.body.notices.join('')).toMatch(/标题不符/);
    expect(res.body.notices.join('')).toMatch(/客服/);
    expect(res.body.support).toEqual({ email: expect.any(String), qq: expect.any(String), phone: expect.any(String), hours: expect.any(String) });
  });

  it('when an unknown /api path is requested, then it answers a JSON 404', async () => {
    const res = await ctx.http().get('/api/v1/no-such-thing').set('accept', 'text/html');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
  });

  it('when the OpenAPI document is requested, then it lists the account paths from the zod schemas', async () => {
    const res = await ctx.http().get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/v1/auth/register', '/api/v1/auth/login', '/api/v1/me', '/api/v1/site']));
    expect(res.body.components.schemas.User.properties).toHaveProperty('referralCode');
  });

  it('when pages and APIs answer, then security headers are set and a request id is returned', async () => {
    const res = await ctx.http().get('/login');
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(res.headers['x-request-id']).toBeTruthy();
    expect(res.text).toContain('lang="zh-CN"');
  });

  it('when /healthz and /readyz are asked with the database up, then both answer 200', async () => {
    expect((await ctx.http().get('/healthz')).status).toBe(200);
    expect((await ctx.http().get('/readyz')).status).toBe(200);
  });
});
