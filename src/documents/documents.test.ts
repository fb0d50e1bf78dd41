import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { buy, topUp } from '../../test/factories.js';
import type { Converter } from '../conversion/index.js';
import { buildDocx, para } from '../conversion/test-fixtures.js';
import { htmlToText } from '../conversion/html.js';
import type { ConversionWorker } from './conversion.worker.js';
import { insertDocument } from './documents.repo.js';
import {
  blobKeys,
  count,
  GOV_REPORT_DOC,
  MINUTES_DOC,
  NOTICE_DOC,
  SEED_DOC,
  SEED_TITLE,
  startTestWorker,
  testConverter,
  upload,
  waitForConversion,
  ZIP_BOMB_DOCX,
} from './test-support.js';
import { registerAdmin } from '../auth/test-fixtures.js';

type User = Awaited<ReturnType<typeof registerUser>>;
let ctx: TestContext;
let converter: Converter;
let worker: ConversionWorker;
let alice: User, bob: User, carol: User, admin: User;
type Key = 'seed' | 'report' | 'minutes' | 'budget' | 'notice' | 'similar' | 'failed' | 'processing';
const ids = {} as Record<Key, number>;

const auth = (u: User) => ({ authorization: `Bearer ${u.token}` });
const get = (url: string, u?: User) => (u ? ctx.http().get(url).set(auth(u)) : ctx.http().get(url));
const listIds = async (query: string, u?: User) => {
  const res = await get(`/api/v1/documents?${query}`, u);
  expect(res.status).toBe(200);
  return (res.body.items as Array<{ id: number }>).map((d) => d.id);
};

async function uploadReady(u: User, file: string | Buffer, options: Parameters<typeof upload>[3] = {}): Promise<number> {
  const res = await upload(ctx, u.token, file, options);
  expect(res.status).toBe(202);
  return res.body.document.id;
}

beforeAll(async () => {
  ctx = await createTestContext();
  converter = testConverter(ctx, 2);
  worker = await startTestWorker(ctx, converter, 2);
  [alice, bob, carol, admin] = await Promise.all([
    registerUser(ctx, { displayName: '爱丽丝' }),
    registerUser(ctx, { displayName: '鲍勃' }),
    registerUser(ctx, { displayName: '卡罗尔' }),
    registerAdmin(ctx, { email: 'admin@example.com', displayName: '管理员' }),
  ]);
  ids.seed = await uploadReady(alice, SEED_DOC, { fields: { category: '讲话致辞' } });
  ids.report = await uploadReady(alice, GOV_REPORT_DOC, { fields: { priceCents: '500', freePreviewPages: '2', category: '工作总结' } });
  ids.minutes = await uploadReady(bob, MINUTES_DOC, { fields: { category: '党政公文' } });
  ids.budget = await uploadReady(bob, buildDocx(para('Quarterly budget tables for the finance office.') + para('Revenue and spending by month.')), {
    filename: 'budget.docx', fields: { title: 'Quarterly budget tables', category: '行业资料' },
  });
  ids.notice = await uploadReady(bob, NOTICE_DOC, { fields: { priceCents: '100' } });
  ids.similar = await uploadReady(carol, buildDocx(para('全县政法稳定工作要点：做好信访工作，维护社会稳定。') + para('各乡镇要推进政法综治工作。')), {
    filename: 'points.docx', fields: { title: '全县政法稳定工作要点' },
  });
  ids.failed = await uploadReady(alice, ZIP_BOMB_DOCX, { filename: 'bomb.docx' });
  for (const id of Object.values(ids)) await waitForConversion(ctx, id, 90_000);
  // A document still converting (no job: nothing will convert it during these tests).
  ids.processing = await insertDocument(ctx.deps.db.pool, {
    uploaderId: alice.user.id, title: '转换中的文档', titleSource: 'uploader', description: '', category: '其他', priceCents: 0,
    freePreviewPages: 3, keywords: [], userKeywords: [], format: 'DOC', sizeBytes: 1, sha256: 'f'.repeat(64),
    blobKey: 'processing-test-key', originalFilename: 'x.doc',
  });
}, 240_000);

afterAll(async () => {
  await worker?.stop(5_000);
  await converter?.close();
  await ctx?.close();
});

describe('reading a document', () => {
  it('when anyone reads a ready document, then it answers the contract Document and counts each view (written in a batch)', async () => {
    const before = (await ctx.deps.db.pool.query('SELECT views FROM documents WHERE id = $1', [ids.seed])).rows[0].views;
    const first = await get(`/api/v1/documents/${ids.seed}`);
    const second = await get(`/api/v1/documents/${ids.seed}`, bob);
    expect(first.status).toBe(200);
    expect(first.body.document).toMatchObject({
      id: ids.seed, title: SEED_TITLE, format: 'DOC', pages: 8, status: 'ready', failureReason: null,
      uploader: { id: alice.user.id, displayName: '爱丽丝' }, category: '讲话致辞', priceCents: 0,
    });
    expect(second.body.document.stats.views).toBe(first.body.document.stats.views + 1);
    await ctx.deps.views.flush();
    const after = (await ctx.deps.db.pool.query('SELECT views FROM documents WHERE id = $1', [ids.seed])).rows[0].views;
    expect(after).toBe(before + 2);
  });

  it('when a document failed or is still converting, then only its uploader and admins see it', async () => {
    for (const id of [ids.failed, ids.processing]) {
      expect((await get(`/api/v1/documents/${id}`)).status).toBe(404);
      expect((await get(`/api/v1/documents/${id}`, bob)).status).toBe(404);
      expect((await get(`/api/v1/documents/${id}`, alice)).status).toBe(200);
      expect((await get(`/api/v1/documents/${id}`, admin)).status).toBe(200);
    }
    expect((await get(`/api/v1/documents/${ids.failed}`, alice)).body.document.status).toBe('failed');
    expect((await get('/api/v1/documents/99999999')).status).toBe(404);
    expect((await get('/api/v1/documents/abc')).status).toBe(404);
  });

  it('when the document is ready, then its event stream sends ready at once and ends', async () => {
    const res = await get(`/api/v1/documents/${ids.seed}/events`).buffer(true).parse((r, cb) => {
      let text = '';
      r.on('data', (c: Buffer) => (text += c.toString()));
      r.on('end', () => cb(null, text));
    });
    expect(res.status).toBe(200);
    expect(res.body).toContain(`event: status\ndata: ${JSON.stringify({ status: 'ready', failureReason: null, pages: 8 })}\n\n`);
    expect((await get(`/api/v1/documents/${ids.failed}/events`)).status).toBe(404);
  });
});

describe('preview', () => {
  const storedPages = async (id: number) =>
    (await ctx.deps.db.pool.query<{ html: string }>('SELECT html FROM document_pages WHERE document_id = $1 ORDER BY page_no', [id])).rows.map((r) => r.html);

  it('when the document is free, then everyone gets every page', async () => {
    const pages = await storedPages(ids.seed);
    const res = await get(`/api/v1/documents/${ids.seed}/preview`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ html: pages.join('\n'), pagesShown: pages.length, totalPages: 8, truncated: false, simplified: false });
    expect(res.body.html).not.toMatch(/<script|javascript:|onerror=/i);
  });

  it('when the document is paid, then a non-buyer gets only the free pages and never the html of the next page', async () => {
    const pages = await storedPages(ids.report);
    expect(pages.length).toBeGreaterThan(2);
    for (const who of [undefined, bob]) {
      const res = await get(`/api/v1/documents/${ids.report}/preview`, who);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ pagesShown: 2, truncated: true, totalPages: 8 });
      // Cut where page 2's text layer ends (visible-text.ts): page 1 whole, no character more than pages 1–2 show.
      expect(res.body.html.startsWith(pages[0]!)).toBe(true);
      expect(res.body.html).not.toContain(pages[2]);
      const { rows } = await ctx.deps.db.pool.query<{ text: string }>(
        `SELECT string_agg(l.v->>'text', '') AS text FROM document_page_images p, jsonb_array_elements(p.lines) l(v) WHERE p.document_id = $1 AND p.number <= 2`,
        [ids.report],
      );
      const left = new Map<string, number>();
      for (const ch of rows[0]!.text.replace(/[^\p{L}\p{N}]/gu, '')) left.set(ch, (left.get(ch) ?? 0) + 1);
      for (const ch of htmlToText(res.body.html).replace(/[^\p{L}\p{N}]/gu, '')) {
        expect(left.get(ch) ?? 0, ch).toBeGreaterThan(0);
        left.set(ch, left.get(ch)! - 1);
      }
    }
  });

  it('when the reader is the uploader, an admin or a buyer, then they get every page; after a refund, the free pages again', async () => {
    const pages = await storedPages(ids.report);
    for (const who of [alice, admin]) {
      const res = await get(`/api/v1/documents/${ids.report}/preview`, who);
      expect(res.body).toMatchObject({ pagesShown: pages.length, truncated: false });
    }
    await topUp(ctx, bob.token, 500);
    const purchase = await buy(ctx, bob.token, ids.report);
    const bought = await get(`/api/v1/documents/${ids.report}/preview`, bob);
    expect(bought.body).toMatchObject({ pagesShown: pages.length, truncated: false, html: pages.join('\n') });
    await ctx.deps.db.pool.query(`UPDATE purchases SET status = 'refunded', refunded_at = now() WHERE id = $1`, [purchase]);
    const refunded = await get(`/api/v1/documents/${ids.report}/preview`, bob);
    expect(refunded.body).toMatchObject({ pagesShown: 2, truncated: true });
  });

  it('when the document is converting or failed, then the preview answers 409', async () => {
    expect((await get(`/api/v1/documents/${ids.processing}/preview`, alice)).status).toBe(409);
    expect((await get(`/api/v1/documents/${ids.failed}/preview`, alice)).status).toBe(409);
    expect((await get(`/api/v1/documents/${ids.failed}/preview`, bob)).status).toBe(404);
  });
});

describe('listing and search', () => {
  it('when listing without a query, then only ready, live documents appear, newest first', async () => {
    expect(await listIds('')).toEqual([ids.similar, ids.notice, ids.budget, ids.minutes, ids.report, ids.seed]);
  });

  it('when paging with a small limit, then the keyset cursor walks every document once, in order', async () => {
    for (const sort of ['newest', 'popular']) {
      const all = await listIds(`sort=${sort}&limit=100`);
      const walked: number[] = [];
      let cursor: string | null = null;
      do {
        const res = await get(`/api/v1/documents?sort=${sort}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        walked.push(...res.body.items.map((d: { id: number }) => d.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(walked).toEqual(all);
    }
  });

  it('when the cursor is forged or made for another sort, then it answers 400', async () => {
    const first = await get('/api/v1/documents?sort=newest&limit=1');
    expect((await get(`/api/v1/documents?sort=popular&cursor=${first.body.nextCursor}`)).status).toBe(400);
    expect((await get('/api/v1/documents?cursor=bm90LWpzb24')).status).toBe(400);
    const forged = Buffer.from(JSON.stringify(['n', "2020-01-01'; DROP TABLE documents; --", 1])).toString('base64url');
    expect((await get(`/api/v1/documents?cursor=${forged}`)).status).toBe(400);
    expect((await get('/api/v1/documents?limit=101')).status).toBe(400);
    expect(await count(ctx, 'documents')).toBeGreaterThan(0);
  });

  it.each([
    ['政法', 'seed'],
    ['信访工作', 'seed'],
    ['泗水县', 'seed'],
    ['Platform', 'minutes'],
    ['restful json', 'minutes'],
    ['协调会 Platform', 'minutes'],
    ['budget', 'budget'],
    ['政府工作报告', 'report'],
  ] as Array<[string, Key]>)('when searching for %s, then the document with it in its text is found', async (q, key) => {
    expect(await listIds(`q=${encodeURIComponent(q)}`)).toContain(ids[key]);
  });

  it('when searching for words no document has, or only punctuation, then nothing is found', async () => {
    expect(await listIds(`q=${encodeURIComponent('量子纠缠')}`)).toEqual([]);
    expect(await listIds(`q=${encodeURIComponent('！！！')}`)).toEqual([]);
    expect(await listIds(`q=${encodeURIComponent('政法 budget')}`)).toEqual([]); // every word must match
  });

  it('when searching, then the most relevant come first and relevance pages walk the same order', async () => {
    const all = await listIds(`q=${encodeURIComponent('政法稳定工作')}&limit=100`);
    expect(all.slice(0, 2).sort()).toEqual([ids.seed, ids.similar].sort());
    expect(all).not.toContain(ids.budget);
    const walked: number[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(`/api/v1/documents?q=${encodeURIComponent('政法稳定工作')}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      walked.push(...res.body.items.map((d: { id: number }) => d.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(walked).toEqual(all);
  });

  it('when filtering by format, category and price, then only matching documents appear', async () => {
    expect(await listIds('format=docx')).toEqual([ids.similar, ids.budget]);
    expect(await listIds(`category=${encodeURIComponent('讲话致辞')}`)).toEqual([ids.seed]);
    expect(await listIds('free=0')).toEqual([ids.notice, ids.report]);
    expect(await listIds('free=1')).toEqual([ids.similar, ids.budget, ids.minutes, ids.seed]);
    expect((await get(`/api/v1/documents?category=${encodeURIComponent('火星')}`)).status).toBe(400);
  });
});

describe('favorites', () => {
  const favoritesCount = async (id: number) =>
    (await ctx.deps.db.pool.query('SELECT favorites_count FROM documents WHERE id = $1', [id])).rows[0].favorites_count;

  it('when a user favorites twice and unfavorites twice, then each answers 204 and the count follows the rows', async () => {
    const url = `/api/v1/documents/${ids.budget}/favorite`;
    expect((await ctx.http().put(url).set(auth(alice))).status).toBe(204);
    expect((await ctx.http().put(url).set(auth(alice))).status).toBe(204);
    expect(await favoritesCount(ids.budget)).toBe(1);
    const mine = await get('/api/v1/me/favorites', alice);
    expect(mine.body.items.map((d: { id: number }) => d.id)).toEqual([ids.budget]);
    expect(mine.body.items[0].stats.favorites).toBe(1);
    expect((await ctx.http().delete(url).set(auth(alice))).status).toBe(204);
    expect((await ctx.http().delete(url).set(auth(alice))).status).toBe(204);
    expect(await favoritesCount(ids.budget)).toBe(0);
    expect((await get('/api/v1/me/favorites', alice)).body.items).toEqual([]);
  });

  it('when many favorite at once (and one user five times), then the count equals the number of users', async () => {
    const url = `/api/v1/documents/${ids.minutes}/favorite`;
    const results = await Promise.all([...Array(5).fill(carol), alice, admin].map((u: User) => ctx.http().put(url).set(auth(u))));
    expect(results.every((r) => r.status === 204)).toBe(true);
    expect(await favoritesCount(ids.minutes)).toBe(3);
    expect(await count(ctx, 'favorites WHERE document_id = $1', [ids.minutes])).toBe(3);
    // Popular order now puts it first.
    expect((await listIds('sort=popular'))[0]).toBe(ids.minutes);
  });

  it('when the document is not visible or nobody is logged in, then favoriting answers 404 or 401', async () => {
    expect((await ctx.http().put(`/api/v1/documents/${ids.failed}/favorite`).set(auth(bob))).status).toBe(404);
    expect((await ctx.http().put(`/api/v1/documents/${ids.seed}/favorite`)).status).toBe(401);
    expect((await get('/api/v1/me/favorites')).status).toBe(401);
    expect(await count(ctx, 'favorites WHERE document_id = $1', [ids.failed])).toBe(0);
  });
});

describe('related documents', () => {
  it('when asking for documents like the seed, then the one sharing its keywords comes first, never the seed itself', async () => {
    const res = await get(`/api/v1/documents/${ids.seed}/related`);
    expect(res.status).toBe(200);
    const related = res.body.items.map((d: { id: number }) => d.id);
    expect(related[0]).toBe(ids.similar);
    expect(related).not.toContain(ids.seed);
    expect(related).not.toContain(ids.failed);
    expect((await get(`/api/v1/documents/${ids.failed}/related`)).status).toBe(404);
  });
});

describe('editing and deleting', () => {
  it('when the uploader edits the title and keywords, then keywords and search follow the new text', async () => {
    const res = await ctx.http().patch(`/api/v1/documents/${ids.notice}`).set(auth(bob))
      .send({ title: '关于加强基层治理的通知', keywords: '治理，基层 培训', priceCents: 200, freePreviewPages: 1 });
    expect(res.status).toBe(200);
    expect(res.body.document).toMatchObject({ title: '关于加强基层治理的通知', priceCents: 200, freePreviewPages: 1 });
    expect(res.body.document.keywords).toEqual(expect.arrayContaining(['加强', '基层', '治理', '通知', '培训']));
    expect(await listIds(`q=${encodeURIComponent('基层治理')}`)).toContain(ids.notice);
    const row = (await ctx.deps.db.pool.query('SELECT title, price_cents, user_keywords FROM documents WHERE id = $1', [ids.notice])).rows[0];
    expect(row).toEqual({ title: '关于加强基层治理的通知', price_cents: 200, user_keywords: ['治理', '基层', '培训'] });
  });

  it('when someone else edits, or the input is bad, then it answers 403 / 401 / 400 and nothing changes', async () => {
    const url = `/api/v1/documents/${ids.notice}`;
    expect((await ctx.http().patch(url).set(auth(alice)).send({ title: '抢来的' })).status).toBe(403);
    expect((await ctx.http().patch(url).send({ title: '匿名' })).status).toBe(401);
    expect((await ctx.http().patch(url).set(auth(bob)).send({ priceCents: 1.5 })).status).toBe(400);
    expect((await ctx.http().patch(url).set(auth(bob)).send({ priceCents: -1 })).status).toBe(400);
    expect((await ctx.http().patch(url).set(auth(bob)).send({ uploaderId: alice.user.id })).status).toBe(400);
    expect((await ctx.http().patch(`/api/v1/documents/${ids.failed}`).set(auth(bob)).send({ title: 'x' })).status).toBe(404);
    const row = (await ctx.deps.db.pool.query('SELECT title, price_cents, uploader_id FROM documents WHERE id = $1', [ids.notice])).rows[0];
    expect(row).toEqual({ title: '关于加强基层治理的通知', price_cents: 200, uploader_id: bob.user.id });
    const byAdmin = await ctx.http().patch(url).set(auth(admin)).send({ category: '规章制度' });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.document.category).toBe('规章制度');
  });

  it('when the uploader deletes a document, then it is gone for everyone but admins, and its file stays for buyers', async () => {
    const url = `/api/v1/documents/${ids.budget}`;
    expect((await ctx.http().delete(url).set(auth(alice))).status).toBe(403);
    expect((await ctx.http().delete(url)).status).toBe(401);
    const key = (await ctx.deps.db.pool.query('SELECT blob_key FROM documents WHERE id = $1', [ids.budget])).rows[0].blob_key;
    expect((await ctx.http().delete(url).set(auth(bob))).status).toBe(204);
    expect((await get(url, bob)).status).toBe(404);
    expect((await get(url)).status).toBe(404);
    expect((await get(url, admin)).status).toBe(200);
    expect(await listIds('')).not.toContain(ids.budget);
    expect(await listIds('q=budget')).toEqual([]);
    expect(await blobKeys(ctx)).toContain(key);
    expect((await ctx.http().delete(url).set(auth(bob))).status).toBe(404);
  });

  it('when a document is taken down, then it leaves listings, search, related and preview for everyone but admins', async () => {
    await ctx.deps.db.pool.query(`UPDATE documents SET taken_down_at = now() WHERE id = $1`, [ids.similar]);
    expect(await listIds('')).not.toContain(ids.similar);
    expect(await listIds(`q=${encodeURIComponent('政法')}`)).not.toContain(ids.similar);
    expect((await get(`/api/v1/documents/${ids.seed}/related`)).body.items.map((d: { id: number }) => d.id)).not.toContain(ids.similar);
    for (const who of [undefined, carol, bob]) {
      expect((await get(`/api/v1/documents/${ids.similar}`, who)).status).toBe(404);
      expect((await get(`/api/v1/documents/${ids.similar}/preview`, who)).status).toBe(404);
    }
    const seen = await get(`/api/v1/documents/${ids.similar}`, admin);
    expect(seen.body.document.status).toBe('taken_down');
    expect((await get(`/api/v1/documents/${ids.similar}/preview`, admin)).status).toBe(200);
  });
});

describe('my documents', () => {
  it('when the uploader lists their own documents, then every state appears, newest first, in pages', async () => {
    const first = await get('/api/v1/me/documents?limit=2', alice);
    expect(first.status).toBe(200);
    expect(first.body.items.map((d: { id: number }) => d.id)).toEqual([ids.processing, ids.failed]);
    const second = await get(`/api/v1/me/documents?limit=2&cursor=${first.body.nextCursor}`, alice);
    expect(second.body.items.map((d: { id: number }) => d.id)).toEqual([ids.report, ids.seed]);
    expect(second.body.nextCursor).toBeNull();
    expect((await get('/api/v1/me/documents')).status).toBe(401);
  });

  it('when the OpenAPI document is fetched, then the documents endpoints are in it', async () => {
    const res = await get('/api/v1/openapi.json');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining([
      '/api/v1/documents', '/api/v1/documents/{id}', '/api/v1/documents/{id}/preview', '/api/v1/documents/{id}/events',
      '/api/v1/documents/{id}/related', '/api/v1/documents/{id}/retry', '/api/v1/documents/{id}/favorite', '/api/v1/me/favorites',
    ]));
  });
});
