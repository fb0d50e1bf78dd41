// Known-item search (issue 26): a document uploaded through the API and converted is found by
// its own title as soon as it is ready, though 1,200 more popular documents hold the same
// common words (more than the 1,000 candidates relevance used to be computed over): by the
// exact title, the title minus one word, and the title with one wrong character.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import type { Converter } from '../conversion/index.js';
import type { ConversionWorker } from './conversion.worker.js';
import { CORE_PROPS_DOCX, TABLES_DOCX, startTestWorker, testConverter, upload, waitForConversion } from './test-support.js';
import { documentSearchTokens, mergeKeywords, searchQuery } from './document-text.js';
import { searchVectorSql } from './documents.repo.js';

let ctx: TestContext;
let converter: Converter;
let worker: ConversionWorker;
const uploaded: Record<string, number> = {};

// Titles of common words only, as the popular library's are; and one with words of its own.
const COMMON_TITLE = '安全生产工作总结';
const OWN_TITLE = '社区居家养老服务中心运营方案';

beforeAll(async () => {
  ctx = await createTestContext();
  converter = testConverter(ctx, 1);
  worker = await startTestWorker(ctx, converter);
  const author = await registerUser(ctx, { displayName: '上传者' });
  // The popular library: 1,200 documents whose titles hold every word of the upload's common
  // title (安全生产工作总结) and more, indexed the way a conversion indexes them.
  const places = ['全县', '全市', '全区', '镇', '街道', '学校'];
  const kinds = ['', '暨乡村振兴', '和消防'];
  const titles = Array.from({ length: 1200 }, (_, i) => `${2019 + (i % 7)}年${places[i % 6]}安全生产${kinds[i % 3]}工作总结（第${i}稿）`);
  for (const [n, title] of titles.entries()) {
    const t = documentSearchTokens({ title, keywords: mergeKeywords(title, []), description: '', body: `${title}。正文。` });
    await ctx.deps.db.pool.query(
      `INSERT INTO documents (uploader_id, title, category, price_cents, free_preview_pages, keywords, format, size_bytes, sha256,
         blob_key, original_filename, status, pages, word_count, search_vector, views, downloads, created_at, converted_at)
       VALUES ($1, $2, '工作总结', 0, 3, '{}', 'DOC', 1000, md5('lib' || $3::text) || md5('x' || $3::text), 'lib-' || $3::text, 'lib.doc', 'ready', 1, 10,
               ${searchVectorSql(4)}, 1000 + $3::int * 37, 10 + $3::int, now() - interval '1 day', now() - interval '1 day')`,
      [author.user.id, title, n, t.title, t.keywords, t.description, t.body],
    );
  }
  for (const [title, file] of [[COMMON_TITLE, CORE_PROPS_DOCX], [OWN_TITLE, TABLES_DOCX]] as const) {
    const res = await upload(ctx, author.token, file, { fields: { title, category: '工作总结' } });
    expect(res.status).toBe(202);
    const done = await waitForConversion(ctx, res.body.document.id);
    expect(done.status).toBe('ready');
    uploaded[title] = res.body.document.id;
  }
}, 240_000);

afterAll(async () => {
  await worker?.stop(5_000);
  await converter?.close();
  await ctx?.close();
});

const search = async (q: string) => {
  const res = await ctx.http().get('/api/v1/documents').query({ q, limit: 10 });
  expect(res.status).toBe(200);
  return (res.body.items as Array<{ id: number }>).map((d) => d.id);
};

describe('a new upload is found by its title', () => {
  it('when its exact title is searched, then it comes first, above the more popular documents holding its words', async () => {
    const ids = await search(COMMON_TITLE);
    expect(ids[0]).toBe(uploaded[COMMON_TITLE]);
    expect(ids.length).toBeGreaterThan(1); // the popular documents holding every word follow
    expect((await search(OWN_TITLE))[0]).toBe(uploaded[OWN_TITLE]);
    const { rows } = await ctx.deps.db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM document_search WHERE search_vector @@ plainto_tsquery('simple', $1) AND popularity > 0`,
      [searchQuery(COMMON_TITLE).tokens],
    );
    expect(rows[0]!.n).toBeGreaterThan(1000);
  });

  it('when the title is searched with one word left out, then it is in the first three', async () => {
    for (const title of [COMMON_TITLE, OWN_TITLE]) {
      const words = searchQuery(title).tokens.split(' ');
      for (const drop of [1, Math.floor(words.length / 2), words.length - 1]) {
        const q = words.filter((_, i) => i !== drop).join(' ');
        expect((await search(q)).slice(0, 3), `${title} without ${words[drop]}: ${q}`).toContain(uploaded[title]);
      }
    }
  });

  it('when one character of the title is wrong, then it is still in the first three', async () => {
    // 总结 → 总洁 and 运营 → 运蝇: words no document holds, so the rest of the title finds it.
    for (const [typo, title] of [['安全生产工作总洁', COMMON_TITLE], ['社区居家养老服务中心运蝇方案', OWN_TITLE]] as const) {
      expect((await search(typo)).slice(0, 3), typo).toContain(uploaded[title]);
    }
    // A query whose every word is unknown still finds nothing.
    expect(await search('蝇洁 洁蝇')).toEqual([]);
  });
});
