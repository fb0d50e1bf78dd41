// SQL for an uploader's public page (/u/:id): who they are and their listed documents (the
// visibility rule's listedSql, so nothing unlisted can show there).
import type { Queryable } from '../db/pool.js';
import { DOCUMENT_COLUMNS, type DocumentRow } from './documents.repo.js';
import { listedSql } from './visibility.js';

export interface UploaderRow {
  id: number;
  displayName: string;
  joinedAt: Date;
  /** Over listed documents only. */
  documents: number;
  downloads: number;
}

/** The user with the totals of their listed documents, or null. */
export async function findUploader(db: Queryable, id: number): Promise<UploaderRow | null> {
  const { rows } = await db.query<UploaderRow>(
    `SELECT u.id, u.display_name AS "displayName", u.created_at AS "joinedAt",
            count(d.id)::int AS documents, coalesce(sum(d.downloads), 0)::bigint AS downloads
       FROM users u LEFT JOIN documents d ON d.uploader_id = u.id AND ${listedSql('d')}
      WHERE u.id = $1
      GROUP BY u.id`,
    [id],
  );
  return rows[0] ?? null;
}

/** A page of the uploader's listed documents, newest first (keyset on id). */
export async function listListedDocumentsOfUploader(db: Queryable, uploaderId: number, limit: number, beforeId: number | null): Promise<DocumentRow[]> {
  const { rows } = await db.query<DocumentRow>(
    `SELECT ${DOCUMENT_COLUMNS} FROM documents d JOIN users u ON u.id = d.uploader_id
      WHERE d.uploader_id = $1 AND ${listedSql('d')} AND ($2::bigint IS NULL OR d.id < $2::bigint)
      ORDER BY d.id DESC LIMIT $3`,
    [uploaderId, beforeId, limit],
  );
  return rows;
}

/** 「TA的文档」: the uploader's other listed documents, most popular first (never `exceptId`). */
export async function selectUploaderDocuments(db: Queryable, uploaderId: number, exceptId: number | null, limit: number): Promise<DocumentRow[]> {
  const { rows } = await db.query<DocumentRow>(
    `SELECT ${DOCUMENT_COLUMNS}
       FROM documents d JOIN users u ON u.id = d.uploader_id
      WHERE d.uploader_id = $1 AND ${listedSql('d')} AND ($2::bigint IS NULL OR d.id <> $2::bigint)
      ORDER BY d.popularity DESC, d.id DESC LIMIT $3`,
    [uploaderId, exceptId, limit],
  );
  return rows;
}
