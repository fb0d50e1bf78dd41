// Who may store a response (issue 27 items 3 and 10): every GET route of the app, enumerated from
// its router, answers a signed-in reader `private, no-store`, and the personal pages answer
// everyone so; only the routes listed here as shareable may say `public`, and a refusal of an
// anonymous read is cacheable for a second so it replaces a shared cache's copy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { registerAdmin } from '../auth/test-fixtures.js';
import { createDocument } from '../../test/factories.js';
import { PRIVATE_NO_STORE } from './cache-control.js';

let ctx: TestContext;
let cookie: string;
let docId: number;

beforeAll(async () => {
  ctx = await createTestContext({ ADMIN_EMAILS: 'cache-admin@example.com' });
  const admin = await registerAdmin(ctx, { email: 'cache-admin@example.com' });
  cookie = `wenku_session=${admin.token}`;
  ({ id: docId } = await createDocument(ctx, { uploaderId: admin.user.id, priceCents: 0 }));
}, 120_000);
afterAll(async () => {
  await ctx?.close();
});

/** Every GET route of the app, as its router holds them (the API router is mounted at /api/v1). */
function getRoutes(): string[] {
  const out: string[] = [];
  type Layer = { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] }; match(path: string): boolean };
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        if (layer.route.methods.get) out.push(prefix + layer.route.path);
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, layer.match('/api/v1/probe') && !layer.match('/probe') ? '/api/v1' : prefix);
      }
    }
  };
  walk((ctx.app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  return [...new Set(out)];
}

/** Routes whose answers are not anyone's own: they may be public for everyone. */
const SHARED_FOR_ALL = new Set(['/favicon.ico', '/robots.txt', '/sitemap.xml', '/sitemaps/:n.xml', '/api/v1/site', '/doc/:id/share-qr.svg']);
/** Routes that are public for anonymous readers only (the reader pages, the documents' JSON, free page images). */
const SHARED_WHEN_ANONYMOUS = new Set([
  '/', '/search', '/doc/:id', '/doc/:id/preview', '/doc/:id/share-qr.svg', '/u/:id',
  '/api/v1/documents', '/api/v1/documents/:id', '/api/v1/documents/:id/preview', '/api/v1/documents/:id/related',
  '/api/v1/documents/:id/comments', '/api/v1/documents/:id/pages/:n/text', '/api/v1/documents/:id/pages/:n/image',
  '/api/v1/documents/:id/thumbnail', '/api/v1/vip/plans',
]);
/** Page images and text layers of a free page are the same bytes for everyone: public for readers signed in too. */
const SHARED_PAGE_FILES = new Set(['/api/v1/documents/:id/pages/:n/text', '/api/v1/documents/:id/pages/:n/image', '/api/v1/documents/:id/thumbnail']);

/** `private, no-store` (or a bare `no-store`, which no cache may keep either). */
const NEVER_STORED = /^(private, )?no-store$/u;

const urlOf = (route: string) =>
  route.replace(':id', String(docId)).replace(':n', '1').replace(':orderId', 'nosuchorder').replace(':token', 'x.y.z') + (route === '/reset-password' || route === '/verify-email' ? '?token=abc' : '');

describe('Cache-Control of every GET route', () => {
  it('when a signed-in reader asks any route, then the answer is private, no-store (but for files that are the same for everyone)', async () => {
    const routes = getRoutes().filter((r) => r !== '/api/v1/documents/:id/events');
    expect(routes).toEqual(expect.arrayContaining(['/wallet', '/vip', '/notifications', '/support', '/admin', '/admin/reviews', '/reset-password', '/verify-email', '/me']));
    for (const route of routes) {
      const res = await ctx.http().get(urlOf(route)).set('cookie', cookie).redirects(0);
      const cc = res.headers['cache-control'];
      // A page file the reader may see: public when free, else revalidated on every reuse (private, no-cache with its ETag).
      if (SHARED_FOR_ALL.has(route) || (SHARED_PAGE_FILES.has(route) && res.status === 200)) expect(cc, route).toMatch(/^(public|private, no-cache)/u);
      else expect(cc, `${route} (${res.status})`).toMatch(NEVER_STORED);
    }
  }, 120_000);

  it('when an anonymous reader asks a personal page (reset, verification, wallet, admin …), then it is private, no-store; only shareable pages may be public', async () => {
    for (const route of getRoutes().filter((r) => r !== '/api/v1/documents/:id/events')) {
      const res = await ctx.http().get(urlOf(route)).redirects(0);
      const cc = String(res.headers['cache-control'] ?? '');
      if (res.status >= 400) continue; // refusals: below
      if (!SHARED_FOR_ALL.has(route) && !SHARED_WHEN_ANONYMOUS.has(route)) expect(cc, `${route} (${res.status})`).toMatch(NEVER_STORED);
    }
  }, 120_000);

  it('when an anonymous read is refused (404, 403), then the refusal may be stored a second, replacing a shared copy; signed in, never', async () => {
    const gone = await ctx.http().get('/api/v1/documents/99999999');
    expect(gone.status).toBe(404);
    expect(gone.headers['cache-control']).toBe('public, max-age=0, s-maxage=1');
    const page = await ctx.http().get('/doc/99999999').set('accept', 'text/html');
    expect(page.status).toBe(404);
    expect(page.headers['cache-control']).toBe('public, max-age=0, s-maxage=1');
    const mine = await ctx.http().get('/api/v1/documents/99999999').set('cookie', cookie);
    expect(mine.headers['cache-control']).toBe(PRIVATE_NO_STORE);
    // Not a refusal of content: never stored.
    const bad = await ctx.http().get('/api/v1/documents?limit=many');
    expect(bad.status).toBe(400);
    expect(bad.headers['cache-control'] ?? '').not.toMatch(/public/u);
  });
});
