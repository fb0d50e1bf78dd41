// The relevance candidates under popularity floors (migrations 0077, 0078): whatever floors are tried,
// the result is exactly the most popular matches, and a floor that finds enough ends the search
// there (so a dense query reads only the rows above it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { recordingPool } from '../db/recording-pool.js';
import type { Database } from '../db/pool.js';
import { createTestDatabase } from '../../test/db.js';
import { mostPopularMatches, type ListFilters } from './search.repo.js';

let db: Database;

beforeAll(async () => {
  db = await createTestDatabase();
  const { rows } = await db.pool.query<{ id: number }>(
    `INSERT INTO users (email, password_hash, display_name, referral_code) VALUES ('floors@example.com', 'x', '楼层', 'floors01') RETURNING id`,
  );
  // 2,400 documents: 常见 in all, 乡村 振兴 together in every 10th, 稀有 in 6, two categories;
  // views spread evenly over the popularity tiers up to 10⁶, about five documents sharing each
  // value (ties at a floor).
  await db.pool.query(
    `INSERT INTO documents (uploader_id, title, description, category, price_cents, free_preview_pages, keywords,
       format, size_bytes, sha256, blob_key, original_filename, status, pages, word_count, body_text,
       search_vector, views, downloads, created_at, converted_at)
     SELECT $1, '文档' || n, '', CASE WHEN n % 3 = 0 THEN '教育教学' ELSE '党政公文' END, 0, 3, '{}',
            'DOC', 1000, md5('floors' || n) || md5('x' || n), 'floors-' || n, n || '.doc',
            CASE WHEN n % 97 = 0 THEN 'processing' ELSE 'ready' END, 1, 10, '',
            to_tsvector('simple', '常见 ' || CASE WHEN n % 10 = 0 THEN '乡村 振兴' ELSE '乡村' END
                                  || CASE WHEN n % 343 = 0 THEN ' 稀有' ELSE '' END),
            floor(power(10, 6.0 * ((n * 7919) % 499) / 499))::bigint, 0, now(), now()
     FROM generate_series(1, 2400) n`,
    [rows[0]!.id],
  );
  await db.pool.query('ANALYZE document_search'); // the library's size, as a server's autovacuum would have it
});

afterAll(async () => {
  await db?.close();
});

const filters = (tokens: string, category: string | null = null): ListFilters => ({ tokens, category, format: null, free: null });

/** The same pool, recording the popularity floor ($6) of every candidates query it runs. */
function recordingFloors(pool: pg.Pool): { db: pg.Pool; floors: Array<number | null> } {
  const floors: Array<number | null> = [];
  const db = recordingPool(pool, (text, values) => {
    if (text.includes('LIMIT $5')) floors.push((values?.[5] as number | undefined) ?? null);
  });
  return { db, floors };
}


describe('the most popular matches under popularity floors', () => {
  it.each([
    ['a word every document has', filters('常见')],
    ['two words that come together', filters('乡村 振兴')],
    ['a rare word', filters('稀有')],
    ['a word and a category', filters('乡村 振兴', '教育教学')],
    ['a word nothing has', filters('没有')],
  ])('when searching for %s, then the candidates are exactly the most popular matches', async (_name, f) => {
    const exact = (await mostPopularMatches(db.pool, f, { candidates: 30, sampleRank: 1_000_000 })).map((c) => c.id);
    const floored = (await mostPopularMatches(db.pool, f, { candidates: 30, sampleRank: 40 })).map((c) => c.id);
    expect(floored).toEqual(exact);
    // The plain query itself: listed documents only, most popular first, ids breaking ties.
    const { rows } = await db.pool.query<{ id: string }>(
      `SELECT d.id FROM documents d WHERE d.status = 'ready' AND d.search_vector @@ plainto_tsquery('simple', $1)
         AND ($2::text IS NULL OR d.category = $2) ORDER BY d.popularity DESC, d.id DESC LIMIT 30`,
      [f.tokens, f.category],
    );
    expect(exact).toEqual(rows.map((r) => Number(r.id)));
  });

  it('when a word is in every document, then the sample finds enough and no other query runs', async () => {
    const { db: spy, floors } = recordingFloors(db.pool);
    const ids = await mostPopularMatches(spy, filters('常见'), { candidates: 30, sampleRank: 40 });
    expect(ids).toHaveLength(30);
    expect(floors).toHaveLength(1);
    expect(floors[0]).not.toBeNull();
  });

  it("when a category is given, then the sample is the category's most popular documents and ends the search for a word all of them have", async () => {
    const { db: spy, floors } = recordingFloors(db.pool);
    const ids = await mostPopularMatches(spy, filters('常见', '教育教学'), { candidates: 30, sampleRank: 40 });
    expect(ids).toHaveLength(30);
    // The 40 most popular of the whole library hold only about 13 of the category: one read
    // of the category's own 40 is enough.
    expect(floors).toHaveLength(1);
    const { rows } = await db.pool.query<{ popularity: string }>(
      `SELECT popularity FROM documents WHERE status = 'ready' AND category = '教育教学'
       ORDER BY popularity DESC, id DESC OFFSET 39 LIMIT 1`,
    );
    expect(Number(floors[0])).toBe(Number(rows[0]!.popularity));
  });

  it('when two words come together in a tenth of the library, then one floor low enough for them follows the sample', async () => {
    const { db: spy, floors } = recordingFloors(db.pool);
    await mostPopularMatches(spy, filters('乡村 振兴'), { candidates: 30, sampleRank: 40 });
    // 40 most popular: about 4 matches, so a floor near the 380th (≈ 38 matches) is next.
    expect(floors.length).toBe(2);
    expect(floors.every((f) => f !== null)).toBe(true);
  });

  it('when a word is rare, then after the sample finds almost nothing the search runs without a floor', async () => {
    const { db: spy, floors } = recordingFloors(db.pool);
    const ids = await mostPopularMatches(spy, filters('稀有'), { candidates: 30, sampleRank: 40 });
    expect(ids.length).toBe(6);
    expect(floors[0]).not.toBeNull();
    expect(floors.at(-1)).toBeNull();
  });

  it('when a floor is written as tier lexemes, then it keeps exactly the documents of its tier and above', async () => {
    // Popularity values 2^(x/10) − 1 up to 2^41: most tiers (whole numbers reach few of the lowest), the cap too.
    const { rows } = await db.pool.query<{ wrong: string; pairs: string; tiers: number; top: number }>(
      `WITH p AS (SELECT DISTINCT floor(power(2, x / 10.0))::bigint - 1 AS v FROM generate_series(0, 410) x),
            f AS (SELECT popularity_floor_query(v) AS q, popularity_tier(v) AS t FROM p),
            d AS (SELECT popularity_tier_lexemes(v) AS l, popularity_tier(v) AS t FROM p)
       SELECT count(*) FILTER (WHERE (d.l @@ f.q) <> (d.t >= f.t)) AS wrong, count(*) AS pairs,
              (SELECT count(DISTINCT popularity_tier(v))::int FROM p) AS tiers,
              (SELECT max(popularity_tier(v)) FROM p) AS top
       FROM d, f`,
    );
    expect(rows[0]!.tiers).toBeGreaterThan(250);
    expect(rows[0]!.top).toBe(511);
    expect(Number(rows[0]!.pairs)).toBeGreaterThan(100_000);
    expect(Number(rows[0]!.wrong)).toBe(0);
  });

  it("when a category's floor is written as tier lexemes, then it keeps exactly that category's documents of its tier and above", async () => {
    // Every 5th value of the test above, in three categories (one that would need escaping).
    const { rows } = await db.pool.query<{ wrong: string; pairs: string; outside: string }>(
      `WITH p AS (SELECT DISTINCT floor(power(2, x / 10.0))::bigint - 1 AS v FROM generate_series(0, 410, 5) x),
            c AS (SELECT unnest(ARRAY['教育教学', '党政公文', 'it''s \\ a:b']) AS cat),
            f AS MATERIALIZED (SELECT popularity_floor_query(v, cat) AS q, popularity_tier(v) AS t, cat FROM p, c),
            d AS MATERIALIZED (SELECT popularity_tier_lexemes(v, cat) AS l, popularity_tier(v) AS t, cat FROM p, c),
            everything AS MATERIALIZED (SELECT popularity_floor_query(0, NULL) AS q)
       SELECT count(*) FILTER (WHERE (d.l @@ f.q) <> (d.t >= f.t AND d.cat = f.cat)) AS wrong, count(*) AS pairs,
              (SELECT count(*) FROM d, everything e WHERE NOT d.l @@ e.q) AS outside
       FROM d, (SELECT * FROM f OFFSET 0) f`,
    );
    expect(Number(rows[0]!.pairs)).toBeGreaterThan(50_000);
    expect(Number(rows[0]!.wrong)).toBe(0);
    // The library's own tiers are still there: the lowest floor without a category keeps them all.
    expect(Number(rows[0]!.outside)).toBe(0);
  });
});
