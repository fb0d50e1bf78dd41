// A takedown through the real APIs: documents uploaded and converted by the worker, bought
// with money topped up through the signed webhook; then every way to reach the work is checked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import type { Converter } from '../conversion/index.js';
import type { ConversionWorker } from '../documents/conversion.worker.js';
import { CORE_PROPS_DOCX, TABLES_DOCX, startTestWorker, testConverter, upload, waitForConversion } from '../documents/test-support.js';
import { bearer, buy, count, topUp, type TestUser } from '../../test/factories.js';
import { registerAdmin } from '../auth/test-fixtures.js';

let ctx: TestContext;
let converter: Converter;
let worker: ConversionWorker;
let admin: TestUser;
let author: TestUser;
let buyer: TestUser;
let reader: TestUser;
let target: number;
let neighbour: number;
let linkPath: string;

async function uploadReady(token: string, file: string, fields: Record<string, string>): Promise<number> {
  const res = await upload(ctx, token, file, { fields });
  if (res.status !== 202) throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
  const done = await waitForConversion(ctx, res.body.document.id);
  if (done.status !== 'ready') throw new Error(`conversion: ${JSON.stringify(done)}`);
  return res.body.document.id;
}

const listedIds = async (query: string) =>
  ((await ctx.http().get(`/api/v1/documents?${query}`).set(bearer(reader.token))).body.items as Array<{ id: number }>).map((d) => d.id);
const relatedIds = async (id: number) =>
  ((await ctx.http().get(`/api/v1/documents/${id}/related`).set(bearer(reader.token))).body.items as Array<{ id: number }>).map((d) => d.id);

beforeAll(async () => {
  ctx = await createTestContext();
  converter = testConverter(ctx, 1);
  worker = await startTestWorker(ctx, converter);
  admin = await registerAdmin(ctx, { email: 'desk@example.com' });
  author = await registerUser(ctx, { displayName: '上传者' });
  buyer = await registerUser(ctx, { displayName: '买家' });
  reader = await registerUser(ctx, { displayName: '读者' });
  target = await uploadReady(author.token, CORE_PROPS_DOCX, { title: 'Zanzibar 政法 稳定 工作 会议 讲话', category: '讲话致辞', priceCents: '300', keywords: '政法 稳定' });
  neighbour = await uploadReady(author.token, TABLES_DOCX, { title: '政法 稳定 工作 会议 讲话 汇编', category: '讲话致辞', priceCents: '0', keywords: '政法 稳定' });
  await topUp(ctx, buyer.token, 300);
  await buy(ctx, buyer.token, target);
  const link = await ctx.http().post(`/api/v1/documents/${target}/download-link`).set(bearer(buyer.token)).send({ confirm: true });
  expect(link.status).toBe(200);
  linkPath = new URL(link.body.url, 'http://x').pathname;
}, 180_000);
afterAll(async () => {
  await worker?.stop(5_000);
  await converter?.close();
  await ctx?.close();
});

describe('notice and takedown across the site', () => {
  it('before the takedown, the work is listed, found, previewed, related and downloadable (so the checks below can fail)', async () => {
    expect(await listedIds('sort=newest')).toContain(target);
    expect(await listedIds('q=Zanzibar')).toContain(target);
    expect(await relatedIds(neighbour)).toContain(target);
    expect((await ctx.http().get(`/api/v1/documents/${target}/preview`).set(bearer(reader.token))).status).toBe(200);
    expect((await ctx.http().get(linkPath)).status).toBe(200);
  });

  it('when support takes it down, then it is gone at once from listings, search, related, preview, the document itself, new links and links already issued', async () => {
    const ticket = await ctx.http().post('/api/v1/tickets').send({
      category: 'copyright', evidence: '著作权登记号 2024-L-00001', subject: '侵权', body: '未经授权转载', documentId: target, contact: 'rights@example.org',
      workTitle: 'Zanzibar 讲话', rightHolder: '某权利人', proof: '登记证书',
    });
    expect(ticket.status).toBe(201);
    const res = await ctx.http().post(`/api/v1/admin/tickets/${ticket.body.ticket.id}/resolve`).set(bearer(admin.token)).send({ action: 'takedown', note: '证据充分' });
    expect(res.status).toBe(200);

    expect(await listedIds('sort=newest')).not.toContain(target);
    expect(await listedIds('q=Zanzibar')).not.toContain(target);
    expect(await relatedIds(neighbour)).not.toContain(target);
    expect((await ctx.http().get(`/api/v1/documents/${target}/preview`).set(bearer(reader.token))).status).toBe(404);
    expect((await ctx.http().get(`/api/v1/documents/${target}/preview`).set(bearer(buyer.token))).status).toBe(404);
    expect((await ctx.http().get(`/api/v1/documents/${target}`).set(bearer(reader.token))).status).toBe(404);
    expect((await ctx.http().post(`/api/v1/documents/${target}/download-link`).set(bearer(buyer.token)).send({ confirm: true })).status).toBe(404);
    expect((await ctx.http().get(linkPath)).status).toBe(404);
    // Admins still see it, with its status.
    const asAdmin = await ctx.http().get(`/api/v1/documents/${target}`).set(bearer(admin.token));
    expect(asAdmin.body.document.status).toBe('taken_down');
  });

  it('when anyone uploads the same file again, then it is refused with 403 and a reason, and nothing is stored', async () => {
    const before = await count(ctx, 'documents');
    for (const who of [reader, author]) {
      const res = await upload(ctx, who.token, CORE_PROPS_DOCX, { fields: { title: '换个标题' } });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
      expect(res.body.error.message).toContain('下架');
    }
    expect(await count(ctx, 'documents')).toBe(before);
  });

  it('when support restores it, then it is back everywhere, the old link works again, and the file is no longer blocked', async () => {
    const res = await ctx.http().post(`/api/v1/admin/documents/${target}/restore`).set(bearer(admin.token)).send({ note: '权利人撤回投诉' });
    expect(res.status).toBe(200);
    expect(await listedIds('sort=newest')).toContain(target);
    expect(await listedIds('q=Zanzibar')).toContain(target);
    expect(await relatedIds(neighbour)).toContain(target);
    expect((await ctx.http().get(`/api/v1/documents/${target}/preview`).set(bearer(reader.token))).status).toBe(200);
    expect((await ctx.http().get(linkPath)).status).toBe(200);
    // The hash is no longer blocked (403); the site has the work again, so another user's copy is a duplicate.
    const again = await upload(ctx, reader.token, CORE_PROPS_DOCX, { fields: { title: '恢复后再上传' } });
    expect(again.status).toBe(409);
    expect(again.body.error.details).toEqual({ reason: 'duplicate', documentId: target });
  });
});
