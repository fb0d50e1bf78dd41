// Issue 14 item 6: web cache poisoning through the Host header.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { createDocument as insertReadyDocument } from '../../test/factories.js';

describe('without PUBLIC_URL', () => {
  let ctx: TestContext;
  let docId: number;
  beforeAll(async () => {
    ctx = await createTestContext({ RESPONSE_CACHE_TTL: '30s' });
    const author = await registerUser(ctx);
    docId = (await insertReadyDocument(ctx, { uploaderId: author.user.id, priceCents: 100, title: '缓存投毒测试' })).id;
  });
  afterAll(async () => ctx.close());

  it('when an anonymous request comes with Host: evil.example, then neither it nor the next readers get evil.example in the page', async () => {
    const poisoned = await ctx.http().get(`/doc/${docId}`).set('host', 'evil.example').set('x-forwarded-host', 'evil.example');
    expect(poisoned.status).toBe(200);
    expect(poisoned.text).not.toContain('evil.example');
    expect(poisoned.text).toContain(`<link rel="canonical" href="/doc/${docId}">`);
    for (let i = 0; i < 5; i++) {
      const reader = await ctx.http().get(`/doc/${docId}`);
      expect(reader.status).toBe(200);
      expect(reader.text).not.toContain('evil.example');
      expect(reader.headers['x-cache'] === undefined || reader.headers['x-cache'] === 'HIT').toBe(true);
    }
    // Same for the JSON API and a logged-in reader's share link.
    const json = await ctx.http().get(`/api/v1/documents/${docId}`).set('host', 'evil.example');
    expect(json.text).not.toContain('evil.example');
    const reader = await registerUser(ctx);
    const page = await ctx.http().get(`/doc/${docId}`).set('host', 'evil.example').set('cookie', `wenku_session=${reader.token}`);
    expect(page.text).not.toContain('evil.example');
    expect(page.text).toContain(`value="/doc/${docId}?ref=${reader.user.referralCode}"`);
  });
});

describe('with PUBLIC_URL', () => {
  let ctx: TestContext;
  let docId: number;
  beforeAll(async () => {
    // supertest sends Host: 127.0.0.1:<port>, so the site's own name here is 127.0.0.1.
    ctx = await createTestContext({ RESPONSE_CACHE_TTL: '30s', PUBLIC_URL: 'https://127.0.0.1' });
    const author = await registerUser(ctx);
    docId = (await insertReadyDocument(ctx, { uploaderId: author.user.id, priceCents: 100, title: '缓存投毒测试' })).id;
  });
  afterAll(async () => ctx.close());

  it('when the Host is not the configured one, then 400 before anything is rendered or cached; health checks still answer', async () => {
    for (const headers of [{ host: 'evil.example' }, { 'x-forwarded-host': 'evil.example' }]) {
      const res = await ctx.http().get(`/doc/${docId}`).set(headers).set('accept', 'application/json');
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', details: { reason: 'unknown_host' } });
      expect((await ctx.http().get(`/api/v1/documents/${docId}`).set(headers)).status).toBe(400);
    }
    expect((await ctx.http().get('/healthz').set('host', '10.0.0.5:3000')).status).toBe(200);
    const good = await ctx.http().get(`/doc/${docId}`);
    expect(good.status).toBe(200);
    expect(good.text).toContain(`<link rel="canonical" href="https://127.0.0.1/doc/${docId}">`);
    const hit = await ctx.http().get(`/doc/${docId}`);
    expect(hit.status).toBe(200);
    expect(hit.text).not.toContain('evil.example');
  });

  it('when a download link is issued, then it is absolute on PUBLIC_URL whatever the Host', async () => {
    const author = await registerUser(ctx);
    const free = (await insertReadyDocument(ctx, { uploaderId: author.user.id, priceCents: 0, title: '免费文档' })).id;
    const reader = await registerUser(ctx);
    const link = await ctx.http().post(`/api/v1/documents/${free}/download-link`)
      .set('authorization', `Bearer ${reader.token}`).send({ confirm: true });
    expect(link.status).toBe(200);
    expect(link.body.url).toMatch(/^https:\/\/127\.0\.0\.1\/dl\//);
  });
});
