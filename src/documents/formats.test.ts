// Migration 0015: the documents table takes every format of the contract and no other, the API
// presents them, and the listing's format filter reaches each of them.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { DOCUMENT_FORMATS } from '../conversion/formats.js';
import { isCheckViolation } from '../db/pg-errors.js';
import { buildCfb, buildDocm, fib } from '../conversion/format-fixtures.js';
import { insertDocument } from './documents.repo.js';
import { blobKeys, count, tempFiles, upload } from './test-support.js';

let ctx: TestContext;
let uploaderId: number;
let token: string;
const ids = new Map<string, number>();

const doc = (format: string, i: number) => ({
  uploaderId,
  title: `格式测试 ${format}`,
  titleSource: 'uploader' as const,
  description: '',
  category: '其他',
  priceCents: 0,
  freePreviewPages: 1,
  keywords: [],
  userKeywords: [],
  format: format as (typeof DOCUMENT_FORMATS)[number],
  sizeBytes: 100,
  sha256: createHash('sha256').update(`${format}-${i}`).digest('hex'),
  blobKey: `fmt-${format}-${i}`,
  originalFilename: `a.${format.toLowerCase()}`,
});

beforeAll(async () => {
  ctx = await createTestContext();
  const u = await registerUser(ctx);
  uploaderId = u.user.id;
  token = u.token;
});
afterAll(async () => ctx.close());

describe('migration 0015: formats', () => {
  it('when a document of each contract format is stored and published, then each row is kept and the API presents its format', async () => {
    let i = 0;
    for (const f of DOCUMENT_FORMATS) ids.set(f, await insertDocument(ctx.deps.db.pool, doc(f, i++)));
    await ctx.deps.db.pool.query("UPDATE documents SET status = 'ready', pages = 1, word_count = 1 WHERE id = ANY($1::bigint[])", [[...ids.values()]]);
    const { rows } = await ctx.deps.db.pool.query<{ format: string }>('SELECT format FROM documents WHERE id = ANY($1::bigint[]) ORDER BY id', [[...ids.values()]]);
    expect(rows.map((r) => r.format)).toEqual([...DOCUMENT_FORMATS]);
    const res = await ctx.http().get(`/api/v1/documents/${ids.get('PDF')}`);
    expect(res.status).toBe(200);
    expect(res.body.document.format).toBe('PDF');
  });

  it('when a format outside the contract is written, then the CHECK constraint refuses it and nothing is stored', async () => {
    const before = (await ctx.deps.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM documents')).rows[0]!.n;
    for (const bad of ['DOCM', 'EPUB', 'pdf', 'XLSB']) {
      const err = await insertDocument(ctx.deps.db.pool, doc(bad, 99)).catch((e: unknown) => e);
      expect(isCheckViolation(err, 'documents_format_check'), bad).toBe(true);
    }
    expect((await ctx.deps.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM documents')).rows[0]!.n).toBe(before);
  });

  it('when the listing is filtered by each format (any letter case), then exactly that format comes back; an unknown one is a 400', async () => {
    for (const f of DOCUMENT_FORMATS) {
      const res = await ctx.http().get(`/api/v1/documents?format=${f.toLowerCase()}`);
      expect(res.status, f).toBe(200);
      expect(res.body.items.map((d: { id: number }) => d.id), f).toEqual([ids.get(f)]);
    }
    const bad = await ctx.http().get('/api/v1/documents?format=DOCM');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });

  it('when the OpenAPI document is read, then the Document format lists every contract format', async () => {
    const res = await ctx.http().get('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const text = JSON.stringify(res.body);
    for (const f of DOCUMENT_FORMATS) expect(text).toContain(`"${f}"`);
    expect(text).toContain('macros');
  });
});

describe('uploads that carry macros or are encrypted (issue 14 item 12, issue 13)', () => {
  it.each([
    ['a .docm with an AutoOpen VBA project', () => buildDocm(), '宏.docm', /文档包含宏，请另存为不含宏的格式后上传/u],
    ['a .doc with a Macros storage', () => buildCfb({ WordDocument: fib(), 'Macros/VBA/dir': Buffer.from('Sub AutoOpen()') }), '宏.doc', /文档包含宏/u],
    ['a .doc with the FIB encryption flag', () => buildCfb({ WordDocument: fib(0x0100) }), '密.doc', /文档已加密/u],
  ])('when the upload is %s, then it answers 400 unsupported_file with the reason and stores nothing', async (_label, bytes, filename, message) => {
    const before = { rows: await count(ctx, 'documents'), blobs: await blobKeys(ctx) };
    const res = await upload(ctx, token, bytes(), { filename });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('unsupported_file');
    expect(res.body.error.message).toMatch(message);
    expect(await count(ctx, 'documents')).toBe(before.rows);
    expect(await blobKeys(ctx)).toEqual(before.blobs);
    expect(await tempFiles(ctx)).toEqual([]);
  });
});
