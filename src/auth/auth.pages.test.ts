import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

/** A browser-like agent: keeps cookies, reads the CSRF token from the page it loaded. */
async function openForm(agent: ReturnType<typeof request.agent>, path: string) {
  const page = await agent.get(path);
  expect(page.status).toBe(200);
  const token = page.text.match(/name="_csrf" value="([^"]+)"/)?.[1];
  expect(token).toBeTruthy();
  return token!;
}

describe('web login, registration and logout', () => {
  it('when a visitor registers through the form, then a session cookie is set (HttpOnly, SameSite=Lax) and the header shows their name', async () => {
    const agent = request.agent(ctx.app);
    const csrf = await openForm(agent, '/register');
    const res = await agent.post('/register').type('form').send({ _csrf: csrf, email: 'form@example.com', displayName: '表单用户', password: 'form-password', next: '/login' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/login');
    const cookie = ([res.headers['set-cookie']].flat() as string[]).find((c) => c?.startsWith('wenku_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const page = await agent.get('/');
    expect(page.text).toContain('表单用户');
    expect(page.text).toContain('退出');
    const me = await agent.get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe('form@example.com');
  });

  it('when a form is posted without the CSRF token, then it answers 403 and nothing is created', async () => {
    const agent = request.agent(ctx.app);
    await openForm(agent, '/register');
    const res = await agent.post('/register').type('form').send({ email: 'nocsrf@example.com', displayName: 'x', password: 'long-enough' });
    expect(res.status).toBe(403);
    const rows = await ctx.deps.db.pool.query(`SELECT 1 FROM users WHERE email = 'nocsrf@example.com'`);
    expect(rows.rowCount).toBe(0);
  });

  it('when a cookie-authenticated API call changes state without the CSRF header, then it is refused; with it, it passes', async () => {
    const { token } = await registerUser(ctx);
    const agent = request.agent(ctx.app);
    const csrf = await openForm(agent, '/login');
    // log in through the form to get the cookie
    await registerUser(ctx, { email: 'cookie@example.com', password: 'cookie-password' });
    const login = await agent.post('/login').type('form').send({ _csrf: csrf, email: 'cookie@example.com', password: 'cookie-password' });
    expect(login.status).toBe(303);
    const refused = await agent.post('/logout').type('form').send({});
    expect(refused.status).toBe(403);
    const pageToken = (await agent.get('/')).text.match(/name="csrf-token" content="([^"]+)"/)![1]!;
    const loggedOut = await agent.post('/logout').set('x-csrf-token', pageToken).type('form').send({});
    expect(loggedOut.status).toBe(303);
    // Bearer clients need no CSRF token.
    const bearer = await ctx.http().get('/api/v1/me').set('authorization', `Bearer ${token}`);
    expect(bearer.status).toBe(200);
  });

  it('when the password is wrong on the login form, then the page says so with status 401 and sets no cookie', async () => {
    await registerUser(ctx, { email: 'wrongpw@example.com', password: 'right-password' });
    const agent = request.agent(ctx.app);
    const csrf = await openForm(agent, '/login');
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, email: 'wrongpw@example.com', password: 'nope-nope' });
    expect(res.status).toBe(401);
    expect(res.text).toContain('邮箱或密码错误');
    expect(String(res.headers['set-cookie'] ?? '')).not.toContain('wenku_session=');
  });

  it('when next points off-site, then login redirects home instead', async () => {
    await registerUser(ctx, { email: 'redir@example.com', password: 'redirect-pass' });
    const agent = request.agent(ctx.app);
    const csrf = await openForm(agent, '/login');
    const res = await agent.post('/login').type('form').send({ _csrf: csrf, email: 'redir@example.com', password: 'redirect-pass', next: '//evil.example/x' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });

  it('when a display name contains markup, then pages show it escaped', async () => {
    const agent = request.agent(ctx.app);
    const csrf = await openForm(agent, '/register');
    await agent.post('/register').type('form').send({ _csrf: csrf, email: 'xss@example.com', displayName: '<script>alert(1)</script>', password: 'xss-password' });
    const page = await agent.get('/');
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('when an unknown page is requested by a browser, then it gets an HTML 404 page', async () => {
    const res = await ctx.http().get('/no-such-page').set('accept', 'text/html');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/html/);
    expect(res.text).toContain('页面不存在');
  });
});
