// Relevance over every match (issue 26): the search's first results, however it finds them (the
// title index, the walk in popularity order, the reads past it), are exactly those of the plain
// query that ranks every match by search_rank (migration 0105), on a library where the old cut
// (the 1,000 most popular matches) would bite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/pool.js';
import { createTestDatabase } from '../../test/db.js';
import { rankedMatches, type Candidate, type ListFilters } from './search.repo.js';

let db: Database;
let newTitles: string[] = [];

// Words as the segmenter gives them (the tests write token strings, space-joined).
const VOCABULARY = ['安全', '生产', '工作', '会议', '总结', '通知', '乡村', '振兴', '全县', '2021', '年', '的', '关于', '加强'];

beforeAll(async () => {
  db = await createTestDatabase();
  const { rows } = await db.pool.query<{ id: number }>(
    `INSERT INTO users (email, password_hash, display_name, referral_code) VALUES ('rank@example.com', 'x', '排序', 'rank0001') RETURNING id`,
  );
  const uploader = rows[0]!.id;
  // 3,000 documents: titles of 3–9 words of the vocabulary (so a word is in more than 1,000
  // titles), keywords of 0–2 words, a body holding 工作 always, 发展 in every other, 稀有 in
  // 7; popularity spread over 0–10⁶ with ties; two categories; some not listed.
  await db.pool.query(`SELECT setseed(0.26)`);
  await db.pool.query(
    `INSERT INTO documents (uploader_id, title, description, category, price_cents, free_preview_pages, keywords,
       format, size_bytes, sha256, blob_key, original_filename, status, pages, word_count, body_text,
       search_vector, views, downloads, created_at, converted_at)
     SELECT $1, g.title, '', CASE WHEN n % 3 = 0 THEN '教育教学' ELSE '党政公文' END, 0, 3, '{}',
            'DOC', 1000, md5('rank' || n) || md5('x' || n), 'rank-' || n, n || '.doc',
            CASE WHEN n % 97 = 0 THEN 'processing' ELSE 'ready' END, 1, 10, '',
            setweight(to_tsvector('simple', g.title), 'A') || setweight(to_tsvector('simple', g.keywords), 'B')
              || setweight(to_tsvector('simple', g.body), 'D'),
            floor(power(10, 6.0 * ((n * 7919) % 499) / 499))::bigint, 0, now(), now()
     FROM generate_series(1, 3000) n
     CROSS JOIN LATERAL (
       SELECT (SELECT string_agg(($2::text[])[1 + floor(random() * cardinality($2::text[]))::int], ' ')
                 FROM generate_series(1, 3 + (n * 13 + floor(random() * 7)::int) % 7) WHERE n > 0) AS title,
              (SELECT coalesce(string_agg(($2::text[])[1 + floor(random() * cardinality($2::text[]))::int], ' '), '')
                 FROM generate_series(1, n % 3) WHERE n > 0) AS keywords,
              '工作 正文 ' || CASE WHEN n % 2 = 0 THEN '发展 ' ELSE '' END || CASE WHEN n % 421 = 0 THEN '稀有 ' ELSE '' END
                || (SELECT string_agg(($2::text[])[1 + floor(random() * cardinality($2::text[]))::int], ' ')
                      FROM generate_series(1, 6) WHERE n > 0) AS body) g`,
    [uploader, VOCABULARY],
  );
  // New uploads (popularity 0) whose titles are made of common words only.
  newTitles = ['2021 年 全县 乡村 振兴 工作 会议 通知', '关于 加强 安全 生产 的 总结', '全县 会议 总结 通知 乡村'];
  for (const [i, title] of newTitles.entries()) {
    await db.pool.query(
      `INSERT INTO documents (uploader_id, title, description, category, price_cents, free_preview_pages, keywords,
         format, size_bytes, sha256, blob_key, original_filename, status, pages, word_count, body_text, search_vector, views, downloads, created_at, converted_at)
       VALUES ($1, $2, '', '党政公文', 0, 3, '{}', 'DOC', 1000, md5('new' || $3::text) || md5('y' || $3::text), 'new-' || $3::text, 'new.doc', 'ready', 1, 10, '',
               setweight(to_tsvector('simple', $2), 'A') || setweight(to_tsvector('simple', '新 正文'), 'D'), 0, 0, now(), now())`,
      [uploader, title, i],
    );
  }
  await db.pool.query('ANALYZE document_search');
}, 120_000);

afterAll(async () => {
  await db?.close();
});

const filters = (phrase: string, category: string | null = null): ListFilters => ({
  tokens: [...new Set(phrase.split(' '))].join(' '),
  phrase,
  category,
  format: null,
  free: null,
});

/** The reference: every listed match ranked by search_rank, then popularity, then id. */
async function reference(f: ListFilters, limit: number): Promise<Candidate[]> {
  const { rows } = await db.pool.query<{ id: string; popularity: string; rank: number }>(
    `SELECT s.document_id AS id, s.popularity,
            search_rank(s.title_words, s.title_keywords_vector, s.search_vector, search_query_words($3),
                        search_words_query(search_query_words($3), 'A'), search_words_query(search_query_words($3), 'AB'),
                        phraseto_tsquery('simple', array_to_string(search_query_words($3), ' '))) AS rank
     FROM document_search s
     WHERE s.status = 'ready' AND s.deleted_at IS NULL AND s.taken_down_at IS NULL
       AND s.search_vector @@ plainto_tsquery('simple', $1) AND ($2::text IS NULL OR s.category = $2)
     ORDER BY rank DESC, s.popularity DESC, s.document_id DESC LIMIT $4`,
    [f.tokens, f.category, f.phrase, limit],
  );
  return rows.map((r) => ({ id: Number(r.id), popularity: Number(r.popularity), rank: r.rank }));
}

const QUERIES: Array<[string, ListFilters]> = [
  ['a word in most titles', filters('工作')],
  ['a word in every body and few titles', filters('正文')],
  ['a word only in bodies', filters('发展')],
  ['two words', filters('乡村 振兴')],
  ['a new document’s exact title', filters('2021 年 全县 乡村 振兴 工作 会议 通知')],
  ['a new document’s title minus one word', filters('关于 加强 安全 生产 总结')],
  ['a title of common words, reordered', filters('通知 乡村 全县 会议 总结')],
  ['a rare word', filters('稀有')],
  ['a word and a category', filters('安全 生产', '教育教学')],
  ['a word nothing has', filters('没有')],
];

describe('relevance ranks every match', () => {
  it.each(QUERIES)('when searching for %s, then the first results are exactly those of ranking every match', async (_name, f) => {
    const expected = await reference(f, 45);
    // A short walk sends most levels past it (further walks, index reads); the default walk covers the library.
    for (const walkRows of [40, 300, 2_500]) expect(await rankedMatches(db.pool, f, 45, null, { walkRows })).toEqual(expected);
  });

  it.each(QUERIES.slice(0, 7))('when following the cursor for %s, then the pages join up to the first 60 of the whole ranking', async (_name, f) => {
    const expected = await reference(f, 60);
    const seen: Candidate[] = [];
    for (let page = 0; page < 4; page++) {
      const last = seen[seen.length - 1];
      const after = last ? { sort: 'relevance' as const, rank: String(last.rank), popularity: last.popularity, id: last.id } : null;
      seen.push(...(await rankedMatches(db.pool, f, 15, after, { walkRows: 40 })));
    }
    expect(seen).toEqual(expected);
  });

  it('when a new document’s title is searched exactly, then it comes first, above popular documents holding the same words', async () => {
    for (const title of newTitles) {
      const [first] = await rankedMatches(db.pool, filters(title), 3, null);
      const { rows } = await db.pool.query<{ id: string; popularity: string }>(`SELECT id, popularity FROM documents WHERE title = $1`, [title]);
      expect(first).toEqual({ id: Number(rows[0]!.id), popularity: 0, rank: 100 });
    }
    // The old cut: more than 1,000 listed documents hold these words, all more popular.
    const { rows } = await db.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM document_search WHERE search_vector @@ plainto_tsquery('simple', '会议 总结') AND popularity > 0 AND status = 'ready'`,
    );
    expect(rows[0]!.n).toBeGreaterThan(1000);
  });
});
