// Item 10 of issue 14: an ADMIN_EMAILS address is admin only once proven (mailed link) or granted.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { linkIn, TestSmtpServer } from '../mail/test-fixtures.js';
import { grantAdmin } from './admin-role.js';

let ctx: TestContext;
let smtp: TestSmtpServer;
beforeAll(async () => {
  smtp = new TestSmtpServer();
  ctx = await createTestContext({ SMTP_URL: await smtp.start(), ADMIN_EMAILS: 'Boss@Example.com, chief@example.com, late@example.com, page-boss@example.com', PUBLIC_URL: 'https://wenku.example/' });
});
afterAll(async () => {
  await ctx.close();
  await smtp.stop();
});

const me = (token: string) => ctx.http().get('/api/v1/me').set('authorization', `Bearer ${token}`);
const auditLog = (token: string) => ctx.http().get('/api/v1/admin/audit-log').set('authorization', `Bearer ${token}`);
const storedRole = async (email: string) =>
  (await ctx.deps.db.pool.query<{ role: string; verified: Date | null }>('SELECT role, email_verified_at AS verified FROM users WHERE email = $1', [email])).rows[0];

describe('admin by verified address', () => {
  it('when an ADMIN_EMAILS address registers, then it is an ordinary user until the mailed link is confirmed, and admin after', async () => {
    const { token, user } = await registerUser(ctx, { email: 'boss@example.com' });
    expect(user.role).toBe('user');
    expect((await me(token)).body.user.role).toBe('user');
    expect((await auditLog(token)).status).toBe(403);
    expect(await storedRole('boss@example.com')).toEqual({ role: 'user', verified: null });

    const mail = await smtp.waitFor('boss@example.com');
    expect(mail.subject).toContain('验证');
    const link = linkIn(mail);
    expect(`${link.origin}${link.pathname}`).toBe('https://wenku.example/verify-email');

    // Opening the link (as a mail scanner would) only shows a button: nothing is granted yet.
    const page = await ctx.http().get(`${link.pathname}${link.search}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('确认验证');
    expect((await storedRole('boss@example.com'))!.role).toBe('user');

    const res = await ctx.http().post('/api/v1/auth/verify-email').send({ token: link.searchParams.get('token') });
    expect(res.status).toBe(200);
    expect(res.body.user.role).toBe('admin');
    expect((await me(token)).body.user.role).toBe('admin'); // the existing session sees it at once
    expect((await auditLog(token)).status).toBe(200);
    expect((await storedRole('boss@example.com'))!.verified).toBeInstanceOf(Date);

    const reused = await ctx.http().post('/api/v1/auth/verify-email').send({ token: link.searchParams.get('token') });
    expect(reused.status).toBe(400);
    expect(reused.body.error.code).toBe('validation_failed');
  });

  it('when an address not in ADMIN_EMAILS registers, then no verification mail is sent and it stays a user', async () => {
    const { token } = await registerUser(ctx, { email: 'plain@example.com' });
    await registerUser(ctx, { email: 'chief@example.com' }); // a mail that does go out, to wait on
    await smtp.waitFor('chief@example.com');
    expect(smtp.mailsTo('plain@example.com')).toHaveLength(0);
    expect((await me(token)).body.user.role).toBe('user');
  });

  it('when the verification link is older than 24 hours, then it answers 400 and the account stays a user; the next login mails a new one', async () => {
    const { password } = await registerUser(ctx, { email: 'late@example.com' });
    const link = linkIn(await smtp.waitFor('late@example.com'));
    ctx.clock.advance(24 * 3_600_000 + 1_000);
    try {
      const res = await ctx.http().post('/api/v1/auth/verify-email').send({ token: link.searchParams.get('token') });
      expect(res.status).toBe(400);
      expect((await storedRole('late@example.com'))!.role).toBe('user');
      const login = await ctx.http().post('/api/v1/auth/login').send({ email: 'late@example.com', password });
      expect(login.body.user.role).toBe('user');
      await smtp.waitFor('late@example.com', () => smtp.mailsTo('late@example.com').length === 2);
      // A second login within the hour mails nothing more.
      await ctx.http().post('/api/v1/auth/login').send({ email: 'late@example.com', password });
      await new Promise((r) => setTimeout(r, 300));
      expect(smtp.mailsTo('late@example.com')).toHaveLength(2);
      const fresh = linkIn(smtp.mailsTo('late@example.com')[1]!);
      expect((await ctx.http().post('/api/v1/auth/verify-email').send({ token: fresh.searchParams.get('token') })).body.user.role).toBe('admin');
    } finally {
      ctx.clock.advance(-(24 * 3_600_000 + 1_000));
    }
  });

  it('when the owner confirms on the /verify-email page (a CSRF-checked form), then the account becomes admin', async () => {
    const { token } = await registerUser(ctx, { email: 'page-boss@example.com' });
    const link = linkIn(await smtp.waitFor('page-boss@example.com'));
    const agent = request.agent(ctx.app);
    const page = await agent.get(`${link.pathname}${link.search}`);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)![1]!;
    const forged = await agent.post('/verify-email').type('form').send({ token: link.searchParams.get('token') });
    expect(forged.status).toBe(403);
    expect((await me(token)).body.user.role).toBe('user');
    const done = await agent.post('/verify-email').type('form').send({ _csrf: csrf, token: link.searchParams.get('token') });
    expect(done.status).toBe(200);
    expect(done.text).toContain('您的账号已获得管理员权限');
    expect((await me(token)).body.user.role).toBe('admin');
  });

  it('when a tampered verification token is posted, then it answers 400 validation_failed', async () => {
    const res = await ctx.http().post('/api/v1/auth/verify-email').send({ token: 'A'.repeat(43) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('when the test helper grantAdmin is called, then the account is admin and verified', async () => {
    const { token } = await registerUser(ctx, { email: 'helper-granted@example.com' });
    expect((await grantAdmin(ctx.deps.db, 'Helper-Granted@example.com'))!.role).toBe('admin');
    expect((await me(token)).body.user.role).toBe('admin');
    expect(await grantAdmin(ctx.deps.db, 'nobody-here@example.com')).toBeNull();
  });
});

describe('npm run admin', () => {
  const exec = promisify(execFile);
  const root = path.resolve(import.meta.dirname, '../..');
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'wenku-admin-cli-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', 'scripts/admin.ts', ...args], {
        cwd: root,
        env: { PATH: process.env.PATH, DATABASE_URL: ctx.deps.db.connectionString, DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'test' },
        timeout: 60_000,
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  it('when an operator grants an existing account, then it exits 0 and the account is admin; revoke exits 0 and undoes it', async () => {
    const { token } = await registerUser(ctx, { email: 'operator-made@example.com' });
    const granted = await cli('grant', 'Operator-Made@example.com');
    expect(granted).toMatchObject({ code: 0, stderr: '' });
    expect(granted.stdout).toContain('operator-made@example.com');
    expect(await storedRole('operator-made@example.com')).toMatchObject({ role: 'admin', verified: expect.any(Date) });
    expect((await auditLog(token)).status).toBe(200);
    expect((await cli('list')).stdout).toContain('operator-made@example.com');

    expect((await cli('revoke', 'operator-made@example.com')).code).toBe(0);
    expect((await storedRole('operator-made@example.com'))!.role).toBe('user');
    expect((await auditLog(token)).status).toBe(403);
  }, 120_000);

  it('when the email has no account or the command is wrong, then it exits 1 or 64 with a message and changes nothing', async () => {
    const missing = await cli('grant', 'ghost@example.com');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no account with the email ghost@example.com');
    const usage = await cli('promote', 'x@example.com');
    expect(usage.code).toBe(64);
    expect(usage.stderr).toContain('usage: npm run admin');
    expect(usage.stderr).not.toMatch(/at .*\.ts/);
    expect((await ctx.deps.db.pool.query(`SELECT 1 FROM users WHERE email = 'ghost@example.com'`)).rowCount).toBe(0);
  }, 120_000);
});

describe('migration 0012', () => {
  it('when a database has admins made by the old rule (first to register an ADMIN_EMAILS address), then upgrading demotes them until proven or granted', async () => {
    const { openEmbedded } = await import('../db/pool.js');
    const { migrate, MIGRATIONS_DIR } = await import('../db/migrator.js');
    const { cpSync, mkdtempSync: mkd, readdirSync, rmSync: rm } = await import('node:fs');
    const before = mkd(path.join(tmpdir(), 'wenku-migrations-'));
    for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => f < '0012')) cpSync(path.join(MIGRATIONS_DIR, f), path.join(before, f));
    const db = await openEmbedded(null);
    try {
      await migrate(db.pool, before);
      await db.pool.query(`INSERT INTO users (email, display_name, password_hash, role, referral_code) VALUES ('squatter@example.com', 'x', 'x', 'admin', 'abcdefghjk')`);
      await migrate(db.pool);
      const { rows } = await db.pool.query(`SELECT role, email_verified_at AS verified FROM users WHERE email = 'squatter@example.com'`);
      expect(rows[0]).toEqual({ role: 'user', verified: null });
    } finally {
      await db.close();
      rm(before, { recursive: true, force: true });
    }
  }, 60_000);
});
