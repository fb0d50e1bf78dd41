// Related documents (issue 16): same category and shared keywords first, never a copy of the file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { createDocument, registerUser } from '../../test/factories.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => ctx.close());

describe('related documents', () => {
  it('when other documents share keywords, then same category and keywords rank first, keyword-only next, and a copy of the same file never shows', async () => {
    const a = await registerUser(ctx);
    const b = await registerUser(ctx);
    const kw = ['乡村', '振兴', '调研'];
    const src = await createDocument(ctx, { uploaderId: a.user.id, title: '乡村振兴调研报告', keywords: kw, category: '论文报告', uniqueHash: false });
    // Another uploader's copy of the very same bytes (same sha256): never offered as related.
    const copy = await createDocument(ctx, { uploaderId: b.user.id, title: '乡村振兴调研报告(转)', keywords: kw, category: '论文报告', uniqueHash: false });
    const otherCategory = await createDocument(ctx, { uploaderId: b.user.id, title: '乡村振兴 调研 讲话', keywords: kw, category: '讲话致辞' });
    const sameCategory = await createDocument(ctx, { uploaderId: b.user.id, title: '振兴调研', keywords: ['振兴'], category: '论文报告' });
    // Popularity must not lift a weaker tier over a stronger one.
    await ctx.deps.db.pool.query('UPDATE documents SET views = 100000, downloads = 1000 WHERE id = $1', [otherCategory.id]);
    const res = await ctx.http().get(`/api/v1/documents/${src.id}/related`);
    expect(res.status).toBe(200);
    const ids = res.body.items.map((d: { id: number }) => d.id);
    expect(ids).not.toContain(copy.id);
    expect(ids).not.toContain(src.id);
    expect(ids.indexOf(sameCategory.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(sameCategory.id)).toBeLessThan(ids.indexOf(otherCategory.id));
  });
});
