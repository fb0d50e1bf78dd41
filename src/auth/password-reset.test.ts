// Item 9 of issue 14: password reset through a real SMTP socket, and password change.
import { createHash } from 'node:crypto';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { linkIn, TestSmtpServer } from '../mail/test-fixtures.js';

let ctx: TestContext;
let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = new TestSmtpServer();
  const url = await smtp.start();
  ctx = await createTestContext({ SMTP_URL: url, PUBLIC_URL: 'https://wenku.example' });
});
afterAll(async () => {
  await ctx.close();
  await smtp.stop();
});

const me = (token: string) => ctx.http().get('/api/v1/me').set('authorization', `Bearer ${token}`);
const loginStatus = async (email: string, password: string) => (await ctx.http().post('/api/v1/auth/login').send({ email, password })).status;
const resetTokens = async (userId: number) =>
  (await ctx.deps.db.pool.query<{ hash: Buffer; usedAt: Date | null }>(
    `SELECT token_hash AS hash, used_at AS "usedAt" FROM account_tokens WHERE user_id = $1 AND purpose = 'password_reset' ORDER BY created_at`,
    [userId],
  )).rows;

/** Asks for a reset and returns the token from the link in the mail that arrives over SMTP. */
async function mailedResetToken(email: string): Promise<string> {
  const before = smtp.mailsTo(email).length;
  const res = await ctx.http().post('/api/v1/auth/password-reset').send({ email });
  expect(res.status).toBe(202);
  const mail = await smtp.waitFor(email, () => smtp.mailsTo(email).length > before);
  const link = linkIn(smtp.mailsTo(email).at(-1)!);
  expect(mail.subject).toContain('重置密码');
  expect(`${link.origin}${link.pathname}`).toBe('https://wenku.example/reset-password');
  return link.searchParams.get('token')!;
}

describe('password reset', () => {
  it('when the owner follows the mailed link, then the new password works, the old does not, every session ends, and the link works once', async () => {
    const { user, token: session1, password } = await registerUser(ctx, { email: 'reset-me@example.com' });
    const session2 = (await ctx.http().post('/api/v1/auth/login').send({ email: 'reset-me@example.com', password })).body.token as string;
    const token = await mailedResetToken('reset-me@example.com');

    // Only the SHA-256 of the token is stored.
    const stored = await resetTokens(user.id);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.hash.equals(createHash('sha256').update(token).digest())).toBe(true);
    const dump = JSON.stringify((await ctx.deps.db.pool.query('SELECT * FROM account_tokens')).rows);
    expect(dump).not.toContain(token);

    const res = await ctx.http().post('/api/v1/auth/password-reset/confirm').send({ token, password: 'brand-new-secret' });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: user.id, email: 'reset-me@example.com' });
    expect(await loginStatus('reset-me@example.com', 'brand-new-secret')).toBe(200);
    expect(await loginStatus('reset-me@example.com', password)).toBe(401);
    expect((await me(session1)).status).toBe(401);
    expect((await me(session2)).status).toBe(401);
    expect((await resetTokens(user.id))[0]!.usedAt).not.toBeNull();

    const again = await ctx.http().post('/api/v1/auth/password-reset/confirm').send({ token, password: 'third-password' });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('validation_failed');
    expect(await loginStatus('reset-me@example.com', 'brand-new-secret')).toBe(200);
  });

  it('when the link is used after 30 minutes, then it answers 400 validation_failed and the password is unchanged', async () => {
    const { password } = await registerUser(ctx, { email: 'slow-reader@example.com' });
    const token = await mailedResetToken('slow-reader@example.com');
    ctx.clock.advance(30 * 60_000 + 1_000);
    try {
      const res = await ctx.http().post('/api/v1/auth/password-reset/confirm').send({ token, password: 'too-late-password' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    } finally {
      ctx.clock.advance(-(30 * 60_000 + 1_000));
    }
    expect(await loginStatus('slow-reader@example.com', password)).toBe(200);
    expect(await loginStatus('slow-reader@example.com', 'too-late-password')).toBe(401);
  });

  it('when the token is tampered with, missing or junk, then it answers 400 validation_failed and nothing changes', async () => {
    const { user, password } = await registerUser(ctx, { email: 'tamper@example.com' });
    const token = await mailedResetToken('tamper@example.com');
    const flipped = (token[0] === 'A' ? 'B' : 'A') + token.slice(1);
    for (const body of [{ token: flipped, password: 'evil-password' }, { token: 'x', password: 'evil-password' }, { password: 'evil-password' }, { token, password: 'short' }]) {
      const res = await ctx.http().post('/api/v1/auth/password-reset/confirm').send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await loginStatus('tamper@example.com', password)).toBe(200);
    expect((await resetTokens(user.id))[0]!.usedAt).toBeNull(); // the real link still works
    expect((await ctx.http().post('/api/v1/auth/password-reset/confirm').send({ token, password: 'the-real-new-one' })).status).toBe(200);
  });

  it('when the email is unknown, then the answer is the same 202 in about the same time, and no mail or row is made', async () => {
    await registerUser(ctx, { email: 'known-reset@example.com' });
    const rowsBefore = (await ctx.deps.db.pool.query('SELECT 1 FROM account_tokens')).rowCount;
    const time = async (email: string) => {
      const started = performance.now();
      const res = await ctx.http().post('/api/v1/auth/password-reset').send({ email });
      return { ms: performance.now() - started, status: res.status, body: res.body };
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 5; i++) {
      const k = await time('known-reset@example.com');
      const u = await time(`nobody-${i}@example.com`);
      expect(u.status).toBe(202);
      expect(u.body).toEqual(k.body);
      known.push(k.ms);
      unknown.push(u.ms);
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[2]!;
    // The answer is sent before the lookup, so neither waits for the database or the mail server
    // (a scrypt hash alone takes longer than this margin, which allows for a loaded machine).
    expect(Math.abs(median(known) - median(unknown))).toBeLessThan(150);
    await smtp.waitFor('known-reset@example.com');
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 5; i++) expect(smtp.mailsTo(`nobody-${i}@example.com`)).toHaveLength(0);
    // Five asks within the minute: one mail, one link (the form cannot flood an inbox).
    expect(smtp.mailsTo('known-reset@example.com')).toHaveLength(1);
    expect((await ctx.deps.db.pool.query('SELECT 1 FROM account_tokens')).rowCount).toBe(rowsBefore! + 1);
  });

  it('when the email is not an email, then it answers 400 validation_failed', async () => {
    const res = await ctx.http().post('/api/v1/auth/password-reset').send({ email: 'not an email' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('when a visitor uses the pages, then /login links to /forgot-password, its form mails a link, and /reset-password sets the password', async () => {
    const { password } = await registerUser(ctx, { email: 'pages-reset@example.com' });
    const agent = request.agent(ctx.app);
    expect((await agent.get('/login')).text).toContain('href="/forgot-password"');
    const forgot = await agent.get('/forgot-password');
    expect(forgot.text).toContain('找回密码');
    const csrf = forgot.text.match(/name="_csrf" value="([^"]+)"/)![1]!;
    expect((await agent.post('/forgot-password').type('form').send({ email: 'pages-reset@example.com' })).status).toBe(403);
    const sent = await agent.post('/forgot-password').type('form').send({ _csrf: csrf, email: 'pages-reset@example.com' });
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('重置密码的邮件');
    const link = linkIn(await smtp.waitFor('pages-reset@example.com'));

    const page = await agent.get(`${link.pathname}${link.search}`);
    expect(page.status).toBe(200);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const form = page.text.match(/name="_csrf" value="([^"]+)"/)![1]!;
    const done = await agent.post('/reset-password').type('form').send({ _csrf: form, token: link.searchParams.get('token'), password: 'page-new-password' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('密码已重置');
    expect(await loginStatus('pages-reset@example.com', 'page-new-password')).toBe(200);
    expect(await loginStatus('pages-reset@example.com', password)).toBe(401);
    const reused = await agent.post('/reset-password').type('form').send({ _csrf: form, token: link.searchParams.get('token'), password: 'again-new-password' });
    expect(reused.status).toBe(400);
    expect(reused.text).toContain('重置链接无效');
  });
});

describe('password change', () => {
  it('when a user changes the password, then this session keeps working and every other session ends', async () => {
    const { token: current, password } = await registerUser(ctx, { email: 'changer@example.com' });
    const other = (await ctx.http().post('/api/v1/auth/login').send({ email: 'changer@example.com', password })).body.token as string;
    const wrong = await ctx.http().post('/api/v1/me/password').set('authorization', `Bearer ${current}`).send({ currentPassword: 'not-it', password: 'changed-password' });
    expect(wrong.status).toBe(400);
    expect((await me(other)).status).toBe(200);

    const res = await ctx.http().post('/api/v1/me/password').set('authorization', `Bearer ${current}`).send({ currentPassword: password, password: 'changed-password' });
    expect(res.status).toBe(204);
    expect((await me(current)).status).toBe(200);
    expect((await me(other)).status).toBe(401);
    expect(await loginStatus('changer@example.com', 'changed-password')).toBe(200);
  });
});
