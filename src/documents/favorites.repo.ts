// SQL for favorites (收藏). favorites_count on the document changes in the same transaction as
// the favorites row, so the count is always the number of rows.
import type { Queryable } from '../db/pool.js';
import { DOCUMENT_COLUMNS, type DocumentRow } from './documents.repo.js';
import { visibleToSql } from './visibility.js';

/** Adds the favorite; false when it was already there. */
export async function insertFavorite(db: Queryable, userId: number, documentId: number): Promise<boolean> {
  const { rowCount } = await db.query(
    'INSERT INTO favorites (user_id, document_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [userId, documentId],
  );
  return (rowCount ?? 0) > 0;
}

/** Removes the favorite; false when there was none. */
export async function deleteFavorite(db: Queryable, userId: number, documentId: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM favorites WHERE user_id = $1 AND document_id = $2', [userId, documentId]);
  return (rowCount ?? 0) > 0;
}

export async function adjustFavoritesCount(db: Queryable, documentId: number, delta: 1 | -1): Promise<void> {
  await db.query('UPDATE documents SET favorites_count = favorites_count + $2 WHERE id = $1', [documentId, delta]);
}

export async function isFavorite(db: Queryable, userId: number, documentId: number): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM favorites WHERE user_id = $1 AND document_id = $2', [userId, documentId]);
  return rows.length > 0;
}

/** The user's favorites that they may still see, most recently added first. */
export async function selectFavoriteDocuments(db: Queryable, userId: number, isAdmin: boolean, limit: number): Promise<DocumentRow[]> {
  const { rows } = await db.query<DocumentRow>(
    `SELECT ${DOCUMENT_COLUMNS}
     FROM favorites f JOIN documents d ON d.id = f.document_id JOIN users u ON u.id = d.uploader_id
     WHERE f.user_id = $1 AND ${visibleToSql('$1', '$2')}
     ORDER BY f.created_at DESC, d.id DESC LIMIT $3`,
    [userId, isAdmin, limit],
  );
  return rows;
}
