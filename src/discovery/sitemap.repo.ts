// SQL for the sitemap: listed documents in id order, a keyset page at a time (never all at once).
import type { Queryable } from '../db/pool.js';
import { listedSql } from '../documents/visibility.js';

export async function countListedDocuments(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM documents d WHERE ${listedSql('d')}`);
  return rows[0]!.n;
}

/** The id just before the `skip`+1-th listed document (0 when skip is 0), where a sitemap file starts. */
export async function listedIdBefore(db: Queryable, skip: number): Promise<number | null> {
  if (skip === 0) return 0;
  const { rows } = await db.query<{ id: number }>(
    `SELECT d.id FROM documents d WHERE ${listedSql('d')} ORDER BY d.id OFFSET $1 LIMIT 1`,
    [skip - 1],
  );
  return rows[0]?.id ?? null;
}

/** Up to `limit` listed documents after `afterId`, in id order, with their last change. */
export async function selectListedAfter(db: Queryable, afterId: number, limit: number): Promise<Array<{ id: number; updatedAt: Date }>> {
  const { rows } = await db.query<{ id: number; updatedAt: Date }>(
    `SELECT d.id, d.updated_at AS "updatedAt" FROM documents d WHERE ${listedSql('d')} AND d.id > $1 ORDER BY d.id LIMIT $2`,
    [afterId, limit],
  );
  return rows;
}
