import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/app.js';

describe('rate limits', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext({ RATE_LIMIT_SCALE: '1' });
  });
  afterAll(async () => ctx.close());

  it('when an IP fails to log in more than 10 times a minute, then it gets 429 rate_limited with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await ctx.http().post('/api/v1/auth/login').send({ email: 'nobody@example.com', password: 'whatever1' });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.body.error.code).toBe('rate_limited');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it('when more than 5 registrations come from one IP in an hour, then the 6th is refused and not stored', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await ctx.http().post('/api/v1/auth/register').send({ email: `rl${i}@example.com`, password: 'long-enough', displayName: `限流${i}` });
      codes.push(res.status);
    }
    expect(codes).toEqual([201, 201, 201, 201, 201, 429]);
    const rows = await ctx.deps.db.pool.query(`SELECT 1 FROM users WHERE email = 'rl5@example.com'`);
    expect(rows.rowCount).toBe(0);
  });
});

describe('when the database goes away', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });

  it('then /readyz answers 503 unavailable, /healthz still 200, and API calls get 503 without internals', async () => {
    await ctx.deps.db.pool.end();
    const ready = await ctx.http().get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.error.code).toBe('unavailable');
    expect((await ctx.http().get('/healthz')).status).toBe(200);
    const login = await ctx.http().post('/api/v1/auth/login').send({ email: 'a@b.cn', password: '12345678' });
    expect(login.status).toBe(503);
    expect(JSON.stringify(login.body)).not.toMatch(/pool|stack|\.ts:/i);
    // close the rest (the pool is already ended)
    await ctx.close().catch(() => undefined);
  });
});
