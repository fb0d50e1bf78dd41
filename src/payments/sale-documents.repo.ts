// The columns of a document that selling and delivering it need. The documents feature owns
// the table; these reads are payments' own view of it.
import type { Queryable } from '../db/pool.js';
import type { ConversionStatus } from '../documents/visibility.js';

export interface SaleDocumentRow {
  id: number;
  uploaderId: number;
  title: string;
  priceCents: number;
  freePreviewPages: number;
  /** The conversion's state; taken down is takenDownAt (documents/visibility.ts). */
  status: ConversionStatus;
  deletedAt: Date | null;
  takenDownAt: Date | null;
  format: 'DOC' | 'DOCX';
  blobKey: string;
  originalFilename: string;
  sizeBytes: number;
  sha256: string;
  createdAt: Date;
}

/** The SaleDocumentRow columns of documents under the alias `t`. */
export const saleDocumentColumns = (t: string) => `${t}.id, ${t}.uploader_id AS "uploaderId", ${t}.title,
  ${t}.price_cents AS "priceCents", ${t}.free_preview_pages AS "freePreviewPages", ${t}.status, ${t}.deleted_at AS "deletedAt", ${t}.taken_down_at AS "takenDownAt",
  ${t}.format, ${t}.blob_key AS "blobKey", ${t}.original_filename AS "originalFilename", ${t}.size_bytes AS "sizeBytes",
  ${t}.sha256, ${t}.created_at AS "createdAt"`;
const COLUMNS = saleDocumentColumns('documents');

export async function findSaleDocument(db: Queryable, id: number): Promise<SaleDocumentRow | null> {
  const { rows } = await db.query<SaleDocumentRow>(`SELECT ${COLUMNS} FROM documents WHERE id = $1`, [id]);
  return rows[0] ?? null;
}

/** Counts a completed download: documents.downloads goes up once per user and document. */
export async function countDocumentDownloader(db: Queryable, documentId: number, userId: number): Promise<boolean> {
  const { rows } = await db.query<{ counted: boolean }>(
    `WITH first AS (
       INSERT INTO document_downloaders (document_id, user_id) VALUES ($1, $2)
       ON CONFLICT (document_id, user_id) DO NOTHING RETURNING document_id)
     UPDATE documents SET downloads = downloads + 1 WHERE id IN (SELECT document_id FROM first)
     RETURNING true AS counted`,
    [documentId, userId],
  );
  return rows.length > 0;
}

/** Titles of the documents a wallet page's entries name (whatever their state now: the entries stay). */
export async function findDocumentTitles(db: Queryable, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<{ id: number; title: string }>('SELECT id, title FROM documents WHERE id = ANY($1::bigint[])', [ids]);
  return new Map(rows.map((r) => [Number(r.id), r.title]));
}
