// Item 9 of issue 14: logout ends the session on the server, for the token and for the cookie.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { signSessionToken } from './tokens.js';
import jwt from 'jsonwebtoken';
import { SESSION_AUDIENCE, TOKEN_ISSUER } from './tokens.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

const sessionsOf = async (userId: number) =>
  (await ctx.deps.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions WHERE user_id = $1', [userId])).rows[0]!.n;
const me = (token: string) => ctx.http().get('/api/v1/me').set('authorization', `Bearer ${token}`);
const login = async (email: string, password: string) => {
  const res = await ctx.http().post('/api/v1/auth/login').send({ email, password });
  expect(res.status).toBe(200);
  return res.body.token as string;
};

describe('logout', () => {
  it('when a client logs out, then it answers 204, that token is refused (401) and the account\'s other session still works', async () => {
    const { user, token: first, password } = await registerUser(ctx, { email: 'logout@example.com' });
    const second = await login('logout@example.com', password);
    expect(await sessionsOf(user.id)).toBe(2);

    const res = await ctx.http().post('/api/v1/auth/logout').set('authorization', `Bearer ${first}`);
    expect(res.status).toBe(204);
    const after = await me(first);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthenticated');
    expect((await me(second)).status).toBe(200);
    expect(await sessionsOf(user.id)).toBe(1);
    // Logging out again with the dead token is simply unauthenticated.
    expect((await ctx.http().post('/api/v1/auth/logout').set('authorization', `Bearer ${first}`)).status).toBe(401);
  });

  it('when a browser logs out through the header form, then a saved copy of its cookie is refused afterwards', async () => {
    await registerUser(ctx, { email: 'cookie-out@example.com', password: 'cookie-password' });
    const agent = request.agent(ctx.app);
    const loginPage = await agent.get('/login');
    const csrf = loginPage.text.match(/name="_csrf" value="([^"]+)"/)![1]!;
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, email: 'cookie-out@example.com', password: 'cookie-password' });
    const cookie = ([res.headers['set-cookie']].flat() as string[]).find((c) => c.startsWith('wenku_session='))!.split(';')[0]!;
    expect((await ctx.http().get('/api/v1/me').set('cookie', cookie)).status).toBe(200);

    const page = await agent.get('/');
    expect(page.text).toMatch(/<form action="\/logout" method="post"/);
    const formToken = page.text.match(/action="\/logout"[\s\S]*?name="_csrf" value="([^"]+)"/)![1]!;
    const out = await agent.post('/logout').type('form').send({ _csrf: formToken });
    expect(out.status).toBe(303);

    const replay = await ctx.http().get('/api/v1/me').set('cookie', cookie);
    expect(replay.status).toBe(401);
    // The cookie's token, sent as a Bearer token, is refused as well.
    expect((await me(decodeURIComponent(cookie.split('=')[1]!))).status).toBe(401);
  });

  it('when a validly signed token names no session (forged jti, or issued before sessions existed), then it is refused', async () => {
    const { user } = await registerUser(ctx);
    const secret = ctx.deps.config.jwtSecret;
    const unknownSession = signSessionToken(secret, user.id, '00000000-0000-4000-8000-000000000000', 600_000);
    expect((await me(unknownSession)).status).toBe(401);
    const legacy = jwt.sign({ sub: String(user.id) }, secret, { algorithm: 'HS256', issuer: TOKEN_ISSUER, audience: SESSION_AUDIENCE, expiresIn: 600 });
    expect((await me(legacy)).status).toBe(401);
  });

  it("when another user's session id is put into a token for me, then it is refused (a session belongs to one user)", async () => {
    const a = await registerUser(ctx);
    const b = await registerUser(ctx);
    const aSession = (jwt.decode(a.token) as { jti: string }).jti;
    const forged = signSessionToken(ctx.deps.config.jwtSecret, b.user.id, aSession, 600_000);
    expect((await me(forged)).status).toBe(401);
    expect((await me(a.token)).status).toBe(200);
  });

  it('when the session has passed its expiry by the clock, then its token is refused', async () => {
    const { token } = await registerUser(ctx);
    ctx.clock.advance(ctx.deps.config.sessionTtlMs + 1_000);
    try {
      expect((await me(token)).status).toBe(401);
    } finally {
      ctx.clock.advance(-(ctx.deps.config.sessionTtlMs + 1_000));
    }
  });
});
