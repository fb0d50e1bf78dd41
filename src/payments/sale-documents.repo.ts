// The columns of a document that selling and delivering it need. The documents feature owns
// the table; these reads are payments' own view of it.
import type { Queryable } from '../db/pool.js';

export interface SaleDocumentRow {
  id: number;
  uploaderId: number;
  title: string;
  priceCents: number;
  status: 'processing' | 'ready' | 'failed' | 'taken_down';
  deletedAt: Date | null;
  takenDownAt: Date | null;
  format: 'DOC' | 'DOCX';
  blobKey: string;
  originalFilename: string;
  sizeBytes: number;
  sha256: string;
  createdAt: Date;
}

const COLUMNS = `id, uploader_id AS "uploaderId", title, price_cents AS "priceCents", status, deleted_at AS "deletedAt",
  taken_down_at AS "takenDownAt", format, blob_key AS "blobKey", original_filename AS "originalFilename",
  size_bytes AS "sizeBytes", sha256, created_at AS "createdAt"`;

/** The document, share-locked so a takedown or price change waits for the purchase to commit. */
export async function lockDocumentForSale(db: Queryable, id: number): Promise<SaleDocumentRow | null> {
  const { rows } = await db.query<SaleDocumentRow>(`SELECT ${COLUMNS} FROM documents WHERE id = $1 FOR SHARE`, [id]);
  return rows[0] ?? null;
}

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
