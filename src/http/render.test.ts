import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

describe('CSRF cookie on rendered pages', () => {
  it('when an anonymous reader opens a page without a form, then no cookie is set (the page stays cacheable)', async () => {
    const res = await ctx.http().get('/').set('accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.text).not.toContain('name="csrf-token"');
  });

  it('when a page has a form, then the token is in the form and its cookie is set', async () => {
    const res = await ctx.http().get('/login');
    const token = res.text.match(/name="_csrf" value="([^"]+)"/)?.[1];
    expect(token).toBeTruthy();
    expect(String(res.headers['set-cookie'])).toMatch(/wenku_csrf=/);
  });

  it('when a reader is logged in, then the layout carries the token for the page scripts', async () => {
    const { token } = await registerUser(ctx);
    const res = await ctx.http().get('/').set('cookie', `wenku_session=${token}`);
    expect(res.text).toMatch(/<meta name="csrf-token" content="[^"]+">/);
  });
});
