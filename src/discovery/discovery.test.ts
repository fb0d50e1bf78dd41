// robots.txt, the sitemap index and its files, and the document page's structured data (issue 16).
import express from 'express';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { bearer, createDocument, registerUser } from '../../test/factories.js';
import { discoveryRouter } from './discovery.routes.js';
import { errorHandler } from '../http/error-handler.js';

let ctx: TestContext;
let listed: number[] = [];
const hidden: number[] = [];

beforeAll(async () => {
  // The host supertest calls (the host check refuses any other name once PUBLIC_URL is set).
  ctx = await createTestContext({ PUBLIC_URL: 'https://127.0.0.1' });
  const u = await registerUser(ctx, { displayName: '张老师' });
  for (let i = 0; i < 5; i++) listed.push((await createDocument(ctx, { uploaderId: u.user.id, title: `文档${i}` })).id);
  hidden.push((await createDocument(ctx, { uploaderId: u.user.id, status: 'processing' })).id);
  hidden.push((await createDocument(ctx, { uploaderId: u.user.id, takenDown: true })).id);
  hidden.push((await createDocument(ctx, { uploaderId: u.user.id, deleted: true })).id);
  listed = listed.sort((a, b) => a - b);
});
afterAll(async () => ctx.close());

const locs = (xml: string) => [...xml.matchAll(/<loc>([^<]+)<\/loc>/gu)].map((m) => m[1]);

describe('robots.txt', () => {
  it('when fetched, then it allows the site, keeps crawlers out of private paths and names the absolute sitemap', async () => {
    const res = await ctx.http().get('/robots.txt');
    expect(res.status).toBe(200);
    expect(res.type).toBe('text/plain');
    expect(res.text).toContain('User-agent: *');
    for (const p of ['/api/', '/dl/', '/me', '/wallet', '/admin']) expect(res.text).toContain(`Disallow: ${p}\n`);
    expect(res.text).toContain('Sitemap: https://127.0.0.1/sitemap.xml');
  });
});

describe('sitemap', () => {
  it('when there are fewer documents than one file holds, then the index names one file listing every public document and nothing else', async () => {
    const index = await ctx.http().get('/sitemap.xml');
    expect(index.status).toBe(200);
    expect(index.type).toBe('application/xml');
    expect(locs(index.text)).toEqual(['https://127.0.0.1/sitemaps/1.xml']);
    const file = await ctx.http().get('/sitemaps/1.xml');
    expect(file.status).toBe(200);
    expect(locs(file.text)).toEqual(['https://127.0.0.1/', ...listed.map((id) => `https://127.0.0.1/doc/${id}`)]);
    for (const id of hidden) expect(file.text).not.toContain(`/doc/${id}<`);
    expect(file.text).toMatch(/<lastmod>\d{4}-\d\d-\d\dT/u);
    expect((await ctx.http().get('/sitemaps/2.xml')).status).toBe(404);
    expect((await ctx.http().get('/sitemaps/0.xml')).status).toBe(404);
  });

  it('when a file holds at most 2 URLs, then 5 documents are split over 3 files, each read in pages, every document exactly once', async () => {
    const app = express().use(discoveryRouter(ctx.deps, { urlsPerFile: 2, pageRows: 1 })).use(errorHandler);
    const index = await request(app).get('/sitemap.xml');
    expect(locs(index.text)).toEqual([1, 2, 3].map((n) => `https://127.0.0.1/sitemaps/${n}.xml`));
    const seen: string[] = [];
    for (const n of [1, 2, 3]) {
      const res = await request(app).get(`/sitemaps/${n}.xml`);
      expect(res.status).toBe(200);
      seen.push(...locs(res.text).filter((l) => l!.includes('/doc/'))!.map(String));
    }
    expect(seen).toEqual(listed.map((id) => `https://127.0.0.1/doc/${id}`));
    expect((await request(app).get('/sitemaps/4.xml')).status).toBe(404);
  });

  it('when PUBLIC_URL is unset, then the URLs use http://localhost:PORT (never the Host header) and the index says so', async () => {
    const local = await createTestContext({ PORT: '3456' });
    try {
      const index = await local.http().get('/sitemap.xml').set('Host', 'evil.example');
      expect(locs(index.text)).toEqual(['http://localhost:3456/sitemaps/1.xml']);
      expect(index.text).toContain('PUBLIC_URL is not set');
      const robots = await local.http().get('/robots.txt').set('Host', 'evil.example');
      expect(robots.text).toContain('Sitemap: http://localhost:3456/sitemap.xml');
      expect(robots.text).not.toContain('evil');
    } finally {
      await local.close();
    }
  });
});

describe('document page structured data', () => {
  it('when a paid document is shown, then its page carries OpenGraph tags and a DigitalDocument with pages, price in CNY, name, date and author', async () => {
    const u = await registerUser(ctx, { displayName: '李老师</script>' });
    const doc = await createDocument(ctx, { uploaderId: u.user.id, title: '年度工作总结', priceCents: 250, pages: ['<p>一</p>', '<p>二</p>'] });
    const res = await ctx.http().get(`/doc/${doc.id}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain(`<meta property="og:url" content="https://127.0.0.1/doc/${doc.id}">`);
    expect(res.text).toContain('<meta property="og:title" content="年度工作总结">');
    const block = /<script type="application\/ld\+json">([^<]*)<\/script>/u.exec(res.text);
    expect(block).not.toBeNull();
    const ld = JSON.parse(block![1]!);
    expect(ld).toMatchObject({
      '@context': 'https://schema.org',
      '@type': 'DigitalDocument',
      name: '年度工作总结',
      numberOfPages: 2,
      author: { '@type': 'Person', name: '李老师</script>' },
      offers: { '@type': 'Offer', price: '2.50', priceCurrency: 'CNY' },
    });
    expect(new Date(ld.datePublished).toString()).not.toBe('Invalid Date');
    // The uploader's name could not end the data block early.
    expect(block![1]).not.toContain('</script');
  });

  it('when a share link is opened in a chat app, then og:title, og:description and og:image (the first-page thumbnail) are absolute under PUBLIC_URL', async () => {
    const u = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: u.user.id, title: '乡村振兴调研报告', pages: ['<p>第一页的正文</p>'] });
    const without = await ctx.http().get(`/doc/${doc.id}`);
    expect(without.text).not.toContain('og:image');
    await ctx.deps.db.pool.query(`UPDATE documents SET thumbnail_key = 'thumbnails/test.png' WHERE id = $1`, [doc.id]);
    const res = await ctx.http().get(`/doc/${doc.id}?ref=abc`).set('Host', '127.0.0.1');
    const og = Object.fromEntries([...res.text.matchAll(/<meta property="(og:[a-z:_]+)" content="([^"]*)">/gu)].map((m) => [m[1], m[2]]));
    expect(og['og:title']).toBe('乡村振兴调研报告');
    expect(og['og:description']).toContain('第一页的正文');
    expect(og['og:image']).toMatch(new RegExp(`^https://127\\.0\\.0\\.1/api/v1/documents/${doc.id}/thumbnail\\?v=\\d+$`));
    expect(og['og:url']).toBe(`https://127.0.0.1/doc/${doc.id}`);
  });

  it('when the document is rated, then the structured data carries the aggregate rating', async () => {
    const reader = await registerUser(ctx);
    await ctx.http().put(`/api/v1/documents/${listed[0]}/rating`).set(bearer(reader.token)).send({ stars: 4 });
    const res = await ctx.http().get(`/doc/${listed[0]}`);
    const ld = JSON.parse(/<script type="application\/ld\+json">([^<]*)<\/script>/u.exec(res.text)![1]!);
    expect(ld.aggregateRating).toMatchObject({ ratingValue: 4, ratingCount: 1 });
  });
});
