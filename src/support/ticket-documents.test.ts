// Which documents a ticket may name (issue 14 item 11): the documents API's visibility rule, widened
// only for what support is for (a buyer's purchase, the uploader's own taken-down document, another
// copyright notice about a taken-down one). Neither the form nor a ticket page shows the title of
// a document the caller could not see.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { registerAdmin } from '../auth/test-fixtures.js';
import { bearer, buy, count, createDocument, topUp, type TestUser } from '../../test/factories.js';

let ctx: TestContext;
let admin: TestUser;
let author: TestUser;
let buyer: TestUser;
let stranger: TestUser;
const docs: Record<'listed' | 'deleted' | 'takenDown' | 'processing' | 'boughtDeleted', { id: number; title: string }> = {} as never;

const formPage = (id: number, who?: TestUser) => {
  const req = ctx.http().get(`/support?documentId=${id}`);
  return who ? req.set(bearer(who.token)) : req;
};
const postTicket = (who: TestUser | null, body: Record<string, unknown>) => {
  const req = ctx.http().post('/api/v1/tickets');
  return (who ? req.set(bearer(who.token)) : req).send({ subject: '问题', body: '说明', ...body });
};

beforeAll(async () => {
  ctx = await createTestContext({ ADMIN_EMAILS: 'ticket-docs@example.com' });
  admin = await registerAdmin(ctx, { email: 'ticket-docs@example.com' });
  author = await registerUser(ctx);
  buyer = await registerUser(ctx);
  stranger = await registerUser(ctx);
  const make = async (key: keyof typeof docs, status: 'ready' | 'processing' | 'taken_down' = 'ready') => {
    const title = `秘密标题-${key}`;
    docs[key] = { id: (await createDocument(ctx, { uploaderId: author.user.id, priceCents: 200, status, title })).id, title };
  };
  await make('listed');
  await make('deleted');
  await make('takenDown', 'taken_down');
  await make('processing', 'processing');
  await make('boughtDeleted');
  await topUp(ctx, buyer.token, 200);
  await buy(ctx, buyer.token, docs.boughtDeleted.id);
  await ctx.deps.db.pool.query('UPDATE documents SET deleted_at = now() WHERE id = ANY($1::bigint[])', [[docs.deleted.id, docs.boughtDeleted.id]]);
});
afterAll(async () => ctx?.close());

describe('the support form (/support?documentId=)', () => {
  it('when a stranger or an anonymous visitor names a deleted, taken-down or processing document of someone else, then the form shows no title and does not carry the id', async () => {
    for (const key of ['deleted', 'takenDown', 'processing', 'boughtDeleted'] as const) {
      for (const who of [stranger, undefined]) {
        const page = await formPage(docs[key].id, who);
        expect(page.status).toBe(200);
        expect(page.text).not.toContain(docs[key].title);
        expect(page.text).not.toContain(`name="documentId" value="${docs[key].id}"`);
      }
    }
  });

  it('when the document is listed, or the caller uploaded, bought or administers it, then the form names it', async () => {
    for (const [key, who] of [
      ['listed', stranger],
      ['listed', undefined],
      ['takenDown', author],
      ['processing', author],
      ['boughtDeleted', buyer],
      ['deleted', admin],
      ['takenDown', admin],
    ] as const) {
      const page = await formPage(docs[key].id, who);
      expect(page.text).toContain(`《${docs[key].title}》`);
      expect(page.text).toContain(`name="documentId" value="${docs[key].id}"`);
    }
    // Its uploader deleted it: gone for them too.
    expect((await formPage(docs.deleted.id, author)).text).not.toContain(docs.deleted.title);
  });
});

describe('filing a ticket about a document', () => {
  it('when the document is deleted, or another user’s and still processing, then any category answers 404 and nothing is stored', async () => {
    const before = await count(ctx, 'tickets');
    const attempts: Array<[TestUser | null, Record<string, unknown>]> = [
      [null, { category: 'copyright', evidence: '著作权登记号 2024-L-00001', documentId: docs.deleted.id, contact: 'rights@example.org' }],
      [stranger, { category: 'copyright', evidence: '著作权登记号 2024-L-00001', documentId: docs.deleted.id }],
      [stranger, { category: 'refund', documentId: docs.deleted.id }],
      [stranger, { category: 'other', documentId: docs.deleted.id }],
      [author, { category: 'other', documentId: docs.deleted.id }],
      [null, { category: 'copyright', evidence: '著作权登记号 2024-L-00001', documentId: docs.processing.id, contact: 'rights@example.org' }],
      [stranger, { category: 'refund', documentId: docs.processing.id }],
      [stranger, { category: 'mismatch', documentId: docs.takenDown.id }],
    ];
    for (const [who, body] of attempts) {
      const res = await postTicket(who, body);
      expect(res.status, JSON.stringify(body)).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect(await count(ctx, 'tickets')).toBe(before);
  });

  it('when the uploader appeals about their own taken-down document, or a buyer asks for a refund of a deleted one, then the ticket is stored and its page names the document', async () => {
    const appeal = await postTicket(author, { category: 'other', documentId: docs.takenDown.id });
    expect(appeal.status).toBe(201);
    const refund = await postTicket(buyer, { category: 'refund', documentId: docs.boughtDeleted.id });
    expect(refund.status).toBe(201);
    expect(await count(ctx, 'tickets WHERE id = $1 AND purchase_id IS NOT NULL', [refund.body.ticket.id])).toBe(1);
    for (const [ticket, who, doc] of [[appeal, author, docs.takenDown], [refund, buyer, docs.boughtDeleted]] as const) {
      const page = await ctx.http().get(`/support/tickets/${ticket.body.ticket.id}`).set(bearer(who.token));
      expect(page.status).toBe(200);
      expect(page.text).toContain(`《${doc.title}》`);
    }
  });

  it('when a stranger sends a copyright notice about a taken-down document, then it is accepted but their ticket page does not show its title; support sees it', async () => {
    const res = await postTicket(stranger, { category: 'copyright', evidence: '著作权登记号 2024-L-00001', documentId: docs.takenDown.id });
    expect(res.status).toBe(201);
    expect(await count(ctx, 'tickets WHERE id = $1 AND document_id = $2', [res.body.ticket.id, docs.takenDown.id])).toBe(1);
    const page = await ctx.http().get(`/support/tickets/${res.body.ticket.id}`).set(bearer(stranger.token));
    expect(page.status).toBe(200);
    expect(page.text).not.toContain(docs.takenDown.title);
    const desk = await ctx.http().get(`/admin/tickets/${res.body.ticket.id}`).set(bearer(admin.token));
    expect(desk.text).toContain(`《${docs.takenDown.title}》`);
  });

  it('when the uploader deletes a document after a reader reported it, then the reader’s ticket page no longer shows its title', async () => {
    const doc = await createDocument(ctx, { uploaderId: author.user.id, priceCents: 0, title: '稍后删除的文档' });
    const res = await postTicket(stranger, { category: 'mismatch', documentId: doc.id });
    expect(res.status).toBe(201);
    const url = `/support/tickets/${res.body.ticket.id}`;
    expect((await ctx.http().get(url).set(bearer(stranger.token))).text).toContain('《稍后删除的文档》');
    expect((await ctx.http().delete(`/api/v1/documents/${doc.id}`).set(bearer(author.token))).status).toBe(204);
    expect((await ctx.http().get(url).set(bearer(stranger.token))).text).not.toContain('稍后删除的文档');
  });
});
