// Without SMTP_URL mails are logged and, with DEV_PAYMENTS, shown on /dev/outbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';

let dev: TestContext;
let prod: TestContext;
beforeAll(async () => {
  // One after the other: two embedded databases migrating at once can starve each other on a busy machine.
  dev = await createTestContext({ DEV_PAYMENTS: 'true' });
  prod = await createTestContext({ DEV_PAYMENTS: 'false' });
}, 180_000);
afterAll(async () => {
  await dev?.close();
  await prod?.close();
});

const waitUntil = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
};

describe('development outbox', () => {
  it('when SMTP_URL is unset and DEV_PAYMENTS is on, then a reset mail appears on /dev/outbox with its working link', async () => {
    const { password } = await registerUser(dev, { email: 'outbox@example.com' });
    expect((await dev.http().post('/api/v1/auth/password-reset').send({ email: 'outbox@example.com' })).status).toBe(202);
    await waitUntil(() => dev.deps.mailer.recent().length > 0);
    const page = await dev.http().get('/dev/outbox');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('outbox@example.com');
    const link = page.text.match(/http:\/\/localhost:\d+\/reset-password\?token=([\w-]+)/);
    expect(link).toBeTruthy();
    const res = await dev.http().post('/api/v1/auth/password-reset/confirm').send({ token: link![1], password: 'from-the-outbox' });
    expect(res.status).toBe(200);
    expect((await dev.http().post('/api/v1/auth/login').send({ email: 'outbox@example.com', password })).status).toBe(401);
  });

  it('when DEV_PAYMENTS is off, then /dev/outbox does not exist', async () => {
    await registerUser(prod, { email: 'hidden@example.com' });
    await prod.http().post('/api/v1/auth/password-reset').send({ email: 'hidden@example.com' });
    await waitUntil(() => prod.deps.mailer.recent().length > 0);
    const page = await prod.http().get('/dev/outbox');
    expect(page.status).toBe(404);
    expect(page.text).not.toContain('hidden@example.com');
  });
});
