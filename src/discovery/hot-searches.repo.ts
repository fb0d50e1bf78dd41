// SQL for 「热门搜索」 (migration 0061).
import type { Queryable } from '../db/pool.js';

/** Records that `searcher` asked for `term` on `day` (once per day). */
export async function insertSearch(db: Queryable, day: string, term: string, searcher: string): Promise<void> {
  await db.query(
    'INSERT INTO search_log (day, term, searcher) VALUES ($1, $2, $3) ON CONFLICT ON CONSTRAINT search_log_pkey DO NOTHING',
    [day, term, searcher],
  );
}

/** The terms most searchers asked for since `since`, each by at least `minSearchers` of them. */
export async function selectHotTerms(db: Queryable, since: string, minSearchers: number, limit: number): Promise<Array<{ term: string; searchers: number }>> {
  const { rows } = await db.query<{ term: string; searchers: number }>(
    `SELECT term, count(DISTINCT searcher)::int AS searchers FROM search_log WHERE day >= $1
     GROUP BY term HAVING count(DISTINCT searcher) >= $2 ORDER BY searchers DESC, term LIMIT $3`,
    [since, minSearchers, limit],
  );
  return rows;
}

/** Drops days older than `before` (called now and then by logSearch). */
export async function deleteSearchesBefore(db: Queryable, before: string): Promise<void> {
  await db.query('DELETE FROM search_log WHERE day < $1', [before]);
}
