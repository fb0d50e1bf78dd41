// SQL for ratings and comments (issue 16). One exported function per query.
import type { Queryable } from '../db/pool.js';

/** Locks the document row whose aggregate a rating changes (serialises concurrent ratings). */
export async function lockDocumentRating(db: Queryable, documentId: number): Promise<void> {
  await db.query('SELECT 1 FROM documents WHERE id = $1 FOR UPDATE', [documentId]);
}

/** Inserts or replaces the user's rating of the document. */
export async function upsertRating(db: Queryable, documentId: number, userId: number, stars: number): Promise<void> {
  await db.query(
    `INSERT INTO document_ratings (document_id, user_id, stars) VALUES ($1, $2, $3)
     ON CONFLICT ON CONSTRAINT document_ratings_pkey DO UPDATE SET stars = EXCLUDED.stars, updated_at = now()`,
    [documentId, userId, stars],
  );
}

/** Recomputes the document's stored aggregate from its ratings (run after lockDocumentRating). */
export async function refreshRatingAggregate(db: Queryable, documentId: number): Promise<void> {
  await db.query(
    `UPDATE documents d SET rating_count = r.n, rating_sum = r.total
     FROM (SELECT count(*)::int AS n, coalesce(sum(stars), 0)::int AS total FROM document_ratings WHERE document_id = $1) r
     WHERE d.id = $1`,
    [documentId],
  );
}

/** The user's own stars for the document, or null. */
export async function findRating(db: Queryable, documentId: number, userId: number): Promise<number | null> {
  const { rows } = await db.query<{ stars: number }>(
    'SELECT stars FROM document_ratings WHERE document_id = $1 AND user_id = $2',
    [documentId, userId],
  );
  return rows[0]?.stars ?? null;
}

export interface CommentRow {
  id: number;
  documentId: number;
  authorId: number;
  authorName: string;
  authorBought: boolean;
  authorStars: number | null;
  body: string;
  createdAt: Date;
}

// With each comment, whether its author holds a live purchase of the document and their stars.
const COMMENT_COLUMNS = `c.id, c.document_id AS "documentId", c.author_id AS "authorId", u.display_name AS "authorName",
  EXISTS (SELECT 1 FROM purchases p WHERE p.buyer_id = c.author_id AND p.document_id = c.document_id AND p.status = 'paid') AS "authorBought",
  (SELECT r.stars FROM document_ratings r WHERE r.document_id = c.document_id AND r.user_id = c.author_id) AS "authorStars",
  c.body, c.created_at AS "createdAt"`;

/** Inserts a comment and returns it with its author's name. */
export async function insertComment(db: Queryable, documentId: number, authorId: number, body: string): Promise<CommentRow> {
  const { rows } = await db.query<CommentRow>(
    `WITH c AS (INSERT INTO document_comments (document_id, author_id, body) VALUES ($1, $2, $3) RETURNING *)
     SELECT ${COMMENT_COLUMNS} FROM c JOIN users u ON u.id = c.author_id`,
    [documentId, authorId, body],
  );
  return rows[0]!;
}

/** A page of the document's comments, newest first, keyset on id (`limit` rows at most). */
export async function selectComments(db: Queryable, documentId: number, beforeId: number | null, limit: number): Promise<CommentRow[]> {
  const { rows } = await db.query<CommentRow>(
    `SELECT ${COMMENT_COLUMNS} FROM document_comments c JOIN users u ON u.id = c.author_id
     WHERE c.document_id = $1 AND ($2::bigint IS NULL OR c.id < $2::bigint)
     ORDER BY c.id DESC LIMIT $3`,
    [documentId, beforeId, limit],
  );
  return rows;
}

/** The comment's author and document, or null. */
export async function findComment(db: Queryable, id: number): Promise<{ authorId: number; documentId: number } | null> {
  const { rows } = await db.query<{ authorId: number; documentId: number }>(
    'SELECT author_id AS "authorId", document_id AS "documentId" FROM document_comments WHERE id = $1',
    [id],
  );
  return rows[0] ?? null;
}

export async function deleteComment(db: Queryable, id: number): Promise<void> {
  await db.query('DELETE FROM document_comments WHERE id = $1', [id]);
}
