// 最近浏览 and 「TA的文档」 (issue 16): what a logged-in reader opened lately (on /me and the home
// page, bounded, never their own uploads), and the uploader's other public documents on a document page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { count, createDocument, registerUser, type TestUser } from '../../test/factories.js';
import { RECENT_VIEWS_KEPT } from './recent-views.service.js';
import { loginAgent } from '../../test/pages.js';

let ctx: TestContext;
let author: TestUser;
beforeAll(async () => {
  ctx = await createTestContext();
  author = await registerUser(ctx, { displayName: '王老师' });
});
afterAll(async () => ctx.close());

const asUser = (path: string, token?: string) => {
  const req = ctx.http().get(path).set('accept', 'text/html');
  return token ? req.set('cookie', `wenku_session=${token}`) : req;
};
const section = (html: string, id: string) => html.split(`id="${id}"`)[1]?.split('</section>')[0] ?? '';
const linkedIds = (html: string) => [...html.matchAll(/<h3 class="doc-item-title"><a href="\/doc\/(\d+)"/g)].map((m) => Number(m[1]));

async function visit(token: string, id: number) {
  ctx.clock.advance(1000); // each visit a second later, so the order is the visits' order
  const res = await asUser(`/doc/${id}`, token);
  expect(res.status).toBe(200);
}

describe('最近浏览', () => {
  it('when a reader opens documents, then /me and the home page list them newest visit first, a revisit moving to the top, without their own uploads', async () => {
    const reader = await registerUser(ctx);
    const [a, b, c] = await Promise.all(['甲', '乙', '丙'].map((t) => createDocument(ctx, { uploaderId: author.user.id, title: `最近浏览${t}` })));
    const own = await createDocument(ctx, { uploaderId: reader.user.id, title: '自己上传的文档' });
    for (const id of [a!.id, b!.id, c!.id, own.id, a!.id]) await visit(reader.token, id);
    const me = await asUser('/me', reader.token);
    expect(linkedIds(section(me.text, 'recent-h'))).toEqual([a!.id, c!.id, b!.id]);
    const home = await asUser('/', reader.token);
    expect(linkedIds(section(home.text, 'recent-h'))).toEqual([a!.id, c!.id, b!.id]);
    expect(await count(ctx, 'recent_views WHERE user_id = $1', [reader.user.id])).toBe(3);
  });

  it('when nobody is logged in, then nothing is recorded and the home page has no such block', async () => {
    const doc = await createDocument(ctx, { uploaderId: author.user.id });
    const before = await count(ctx, 'recent_views');
    expect((await asUser(`/doc/${doc.id}`)).status).toBe(200);
    expect(await count(ctx, 'recent_views')).toBe(before);
    expect((await asUser('/')).text).not.toContain('id="recent-h"');
  });

  it(`when a reader opens more than ${RECENT_VIEWS_KEPT} documents, then only the newest ${RECENT_VIEWS_KEPT} are kept and /me shows the newest 12`, async () => {
    const reader = await registerUser(ctx);
    const ids: number[] = [];
    for (let i = 0; i < RECENT_VIEWS_KEPT + 5; i++) ids.push((await createDocument(ctx, { uploaderId: author.user.id, title: `批量${i}` })).id);
    for (const id of ids) await visit(reader.token, id);
    expect(await count(ctx, 'recent_views WHERE user_id = $1', [reader.user.id])).toBe(RECENT_VIEWS_KEPT);
    const kept = await ctx.deps.db.pool.query<{ id: number }>('SELECT document_id AS id FROM recent_views WHERE user_id = $1 ORDER BY viewed_at DESC', [reader.user.id]);
    expect(kept.rows.map((r) => Number(r.id))).toEqual(ids.slice(-RECENT_VIEWS_KEPT).reverse());
    const me = await asUser('/me', reader.token);
    expect(linkedIds(section(me.text, 'recent-h'))).toEqual(ids.slice(-12).reverse());
  }, 120_000);

  it('when a viewed document is taken down or deleted, then it drops out of the list; 清空 empties it', async () => {
    const reader = await registerUser(ctx);
    const gone = await createDocument(ctx, { uploaderId: author.user.id, title: '后来下架的' });
    const stays = await createDocument(ctx, { uploaderId: author.user.id, title: '还在的' });
    const deleted = await createDocument(ctx, { uploaderId: author.user.id, title: '后来删除的' });
    for (const id of [gone.id, stays.id, deleted.id]) await visit(reader.token, id);
    await ctx.deps.db.pool.query('UPDATE documents SET taken_down_at = now() WHERE id = $1', [gone.id]);
    await ctx.deps.db.pool.query('UPDATE documents SET deleted_at = now() WHERE id = $1', [deleted.id]);
    const me = await asUser('/me', reader.token);
    expect(linkedIds(section(me.text, 'recent-h'))).toEqual([stays.id]);
    expect(me.text).toContain('action="/me/recent-views/clear"');
    const { agent, csrf } = await loginAgent(ctx, reader);
    const cleared = await agent.post('/me/recent-views/clear').type('form').send({ _csrf: csrf });
    expect(cleared.status).toBe(303);
    expect(await count(ctx, 'recent_views WHERE user_id = $1', [reader.user.id])).toBe(0);
    expect(section((await asUser('/me', reader.token)).text, 'recent-h')).toContain('还没有浏览记录');
  });
});

describe('TA的文档', () => {
  it("when a document page is shown, then it lists the uploader's other public documents, links the uploader's page, and leaves out the document itself and unlisted ones", async () => {
    const uploader = await registerUser(ctx, { displayName: '李编辑' });
    const shown = await createDocument(ctx, { uploaderId: uploader.user.id, title: '正在看的这篇' });
    const others = [];
    for (const t of ['另一篇一', '另一篇二']) others.push((await createDocument(ctx, { uploaderId: uploader.user.id, title: t })).id);
    const hidden = [
      await createDocument(ctx, { uploaderId: uploader.user.id, title: '下架的', takenDown: true }),
      await createDocument(ctx, { uploaderId: uploader.user.id, title: '转换中的', status: 'processing' }),
      await createDocument(ctx, { uploaderId: uploader.user.id, title: '删除的', deleted: true }),
    ];
    const foreign = await createDocument(ctx, { uploaderId: author.user.id, title: '别人的' });
    const res = await asUser(`/doc/${shown.id}`);
    const block = section(res.text, 'uploader-docs-h');
    expect(block).toContain('TA的文档');
    expect(block).toContain(`href="/u/${uploader.user.id}"`);
    expect(linkedIds(block).sort()).toEqual([...others].sort());
    for (const d of [shown, ...hidden, foreign]) expect(linkedIds(block)).not.toContain(d.id);
    // Every uploader name on the page is a link to the uploader's page.
    expect(res.text).toContain(`<a class="uploader-link" href="/u/${uploader.user.id}"><strong>李编辑</strong></a>`);
    expect(res.text).toContain(`<dd><a class="uploader-link" href="/u/${uploader.user.id}">李编辑</a></dd>`);
  });

  it('when the uploader has no other public document, then the block is left out', async () => {
    const lonely = await registerUser(ctx);
    const doc = await createDocument(ctx, { uploaderId: lonely.user.id });
    const res = await asUser(`/doc/${doc.id}`);
    expect(res.text).not.toContain('TA的文档');
  });
});
