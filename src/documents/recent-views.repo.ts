// SQL for 最近浏览: one row per reader and document, the latest visit's time.
import type { Queryable } from '../db/pool.js';
import { DOCUMENT_COLUMNS, type DocumentRow } from './documents.repo.js';
import { listedSql } from './visibility.js';

/**
 * Records (or moves to the top) the reader's visit and, in the same statement, drops their
 * entries beyond the newest `keep`, so a reader never has more than `keep` rows.
 */
export async function upsertRecentView(db: Queryable, v: { userId: number; documentId: number; at: Date; keep: number }): Promise<void> {
  await db.query(
    `WITH visit AS (
       INSERT INTO recent_views (user_id, document_id, viewed_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, document_id) DO UPDATE SET viewed_at = EXCLUDED.viewed_at)
     DELETE FROM recent_views r
      WHERE r.user_id = $1 AND r.document_id IN (
        SELECT o.document_id FROM recent_views o
         WHERE o.user_id = $1 AND o.document_id <> $2
         ORDER BY o.viewed_at DESC, o.document_id DESC OFFSET $4)`,
    [v.userId, v.documentId, v.at, v.keep - 1],
  );
}

/** The reader's recently viewed documents that are still listed and not their own, newest visit first. */
export async function selectRecentViews(db: Queryable, userId: number, limit: number): Promise<DocumentRow[]> {
  const { rows } = await db.query<DocumentRow>(
    `SELECT ${DOCUMENT_COLUMNS}
       FROM recent_views r JOIN documents d ON d.id = r.document_id JOIN users u ON u.id = d.uploader_id
      WHERE r.user_id = $1 AND d.uploader_id <> $1 AND ${listedSql('d')}
      ORDER BY r.viewed_at DESC, r.document_id DESC LIMIT $2`,
    [userId, limit],
  );
  return rows;
}

/** Forgets all of the reader's recent views (「清空」). */
export async function deleteRecentViews(db: Queryable, userId: number): Promise<void> {
  await db.query('DELETE FROM recent_views WHERE user_id = $1', [userId]);
}
