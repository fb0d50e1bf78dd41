// SQL for documents: rows, visibility, edits, deletion, preview pages (views: view-marks.repo.ts).
// One exported function per query; first argument a pool or transaction client.
import type { DocumentFormat } from '../conversion/formats.js';
import type { Queryable } from '../db/pool.js';
import type { PurchaseState } from './entitlement.js';
import { contractStatusSql, liveSql, visibleToSql, type ContractStatus, type ConversionStatus, type Viewer } from './visibility.js';

export interface DocumentRow {
  id: number;
  uploaderId: number;
  uploaderName: string;
  title: string;
  titleSource: 'uploader' | 'properties' | 'file';
  description: string;
  category: string;
  priceCents: number;
  freePreviewPages: number;
  keywords: string[];
  userKeywords: string[];
  format: DocumentFormat;
  sizeBytes: number;
  sha256: string;
  blobKey: string;
  originalFilename: string;
  /** The conversion's state; taken down is takenDownAt (the contract's status: visibility.ts contractStatus). */
  status: ConversionStatus;
  failureReason: string | null;
  /** A failed conversion that may succeed on another try (migration 0072; conversionFailureOf). */
  failureRetriable: boolean;
  pages: number | null;
  wordCount: number | null;
  previewSimplified: boolean;
  views: number;
  downloads: number;
  favoritesCount: number;
  /** Stored aggregate of document_ratings (migration 0060). */
  ratingCount: number;
  ratingSum: number;
  createdAt: Date;
  deletedAt: Date | null;
  takenDownAt: Date | null;
  /** The first page's thumbnail (a blob), null until converted. */
  thumbnailKey: string | null;
  /** Bumped by each conversion that replaces the page images (their URLs carry it). */
  renderVersion: number;
  fontSubstitutions: Array<{ requested: string; used: string }>;
}

/** Columns of DocumentRow, for `FROM documents d JOIN users u ON u.id = d.uploader_id`. */
export const DOCUMENT_COLUMNS = `d.id, d.uploader_id AS "uploaderId", u.display_name AS "uploaderName", d.title,
  d.title_source AS "titleSource", d.description, d.category, d.price_cents AS "priceCents",
  d.free_preview_pages AS "freePreviewPages", d.keywords, d.user_keywords AS "userKeywords", d.format,
  d.size_bytes AS "sizeBytes", d.sha256, d.blob_key AS "blobKey", d.original_filename AS "originalFilename",
  d.status, d.failure_reason AS "failureReason", d.failure_retriable AS "failureRetriable", d.pages, d.word_count AS "wordCount",
  d.preview_simplified AS "previewSimplified", d.views, d.downloads, d.favorites_count AS "favoritesCount",
  d.rating_count AS "ratingCount", d.rating_sum AS "ratingSum",
  d.created_at AS "createdAt", d.deleted_at AS "deletedAt", d.taken_down_at AS "takenDownAt",
  d.thumbnail_key AS "thumbnailKey", d.render_version AS "renderVersion", d.font_substitutions AS "fontSubstitutions"`;

/** The document if `viewer` may see it, else null. */
export async function findDocumentVisibleTo(db: Queryable, viewer: Viewer, id: number): Promise<DocumentRow | null> {
  const { rows } = await db.query<DocumentRow>(
    `SELECT ${DOCUMENT_COLUMNS} FROM documents d JOIN users u ON u.id = d.uploader_id
     WHERE d.id = $1 AND ${visibleToSql('$2', '$3')}`,
    [id, viewer.userId, viewer.isAdmin],
  );
  return rows[0] ?? null;
}

/** The row, whatever its state (for services that apply their own rules, e.g. after an insert). */
export async function findDocumentById(db: Queryable, id: number): Promise<DocumentRow | null> {
  const { rows } = await db.query<DocumentRow>(
    `SELECT ${DOCUMENT_COLUMNS} FROM documents d JOIN users u ON u.id = d.uploader_id WHERE d.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

/** Locks a live (not deleted) row for an edit the caller has already been allowed to make. */
export async function lockDocumentForEdit(db: Queryable, id: number): Promise<(DocumentRow & { bodyText: string | null }) | null> {
  const { rows } = await db.query<DocumentRow & { bodyText: string | null }>(
    `SELECT ${DOCUMENT_COLUMNS}, d.body_text AS "bodyText" FROM documents d JOIN users u ON u.id = d.uploader_id
     WHERE d.id = $1 AND d.deleted_at IS NULL
     FOR UPDATE OF d`,
    [id],
  );
  return rows[0] ?? null;
}

/** What an upload inserts: the row's own fields before conversion fills in the rest. */
export type NewDocument = Pick<
  DocumentRow,
  | 'uploaderId' | 'title' | 'description' | 'category' | 'priceCents' | 'freePreviewPages' | 'keywords'
  | 'userKeywords' | 'format' | 'sizeBytes' | 'sha256' | 'blobKey' | 'originalFilename'
> & { titleSource: 'uploader' | 'file' };

/** Inserts a document in status processing. Unique violation documents_uploader_sha256_key on a live duplicate. */
export async function insertDocument(db: Queryable, doc: NewDocument): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO documents (uploader_id, title, title_source, description, category, price_cents, free_preview_pages,
       keywords, user_keywords, format, size_bytes, sha256, blob_key, original_filename, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'processing')
     RETURNING id`,
    [
      doc.uploaderId, doc.title, doc.titleSource, doc.description, doc.category, doc.priceCents, doc.freePreviewPages,
      doc.keywords, doc.userKeywords, doc.format, doc.sizeBytes, doc.sha256, doc.blobKey, doc.originalFilename,
    ],
  );
  return rows[0]!.id;
}

/** The uploader's live document with these bytes, if any. */
export async function findLiveDocumentIdByHash(db: Queryable, uploaderId: number, sha256: string): Promise<number | null> {
  const { rows } = await db.query<{ id: number }>(
    'SELECT id FROM documents WHERE uploader_id = $1 AND sha256 = $2 AND deleted_at IS NULL',
    [uploaderId, sha256],
  );
  return rows[0]?.id ?? null;
}

/** Why these bytes may not be uploaded again (a takedown), or null. */
export async function findBlockedHash(db: Queryable, sha256: string): Promise<{ reason: string } | null> {
  const { rows } = await db.query<{ reason: string }>('SELECT reason FROM blocked_hashes WHERE sha256 = $1', [sha256]);
  return rows[0] ?? null;
}

export interface DocumentEdit {
  title: string;
  titleSource: 'uploader' | 'properties' | 'file';
  description: string;
  category: string;
  priceCents: number;
  freePreviewPages: number;
  keywords: string[];
  userKeywords: string[];
  /** Space-joined search tokens per weight: A title, B keywords, C description, D body. */
  search: SearchTokens | null;
}

export interface SearchTokens {
  title: string;
  keywords: string;
  description: string;
  body: string;
}

/** SQL for the weighted search vector from four token strings at $n..$n+3. */
export const searchVectorSql = (n: number) =>
  `setweight(to_tsvector('simple', $${n}), 'A') || setweight(to_tsvector('simple', $${n + 1}), 'B')
   || setweight(to_tsvector('simple', $${n + 2}), 'C') || setweight(to_tsvector('simple', $${n + 3}), 'D')`;

/** Writes an edit; the search vector is rebuilt when `search` is given (a converted document). */
export async function updateDocumentMetadata(db: Queryable, id: number, edit: DocumentEdit): Promise<void> {
  const s = edit.search;
  await db.query(
    `UPDATE documents SET title = $2, title_source = $3, description = $4, category = $5, price_cents = $6,
       free_preview_pages = $7, keywords = $8, user_keywords = $9, updated_at = now(),
       search_vector = CASE WHEN $10::boolean THEN ${searchVectorSql(11)} ELSE search_vector END
     WHERE id = $1`,
    [
      id, edit.title, edit.titleSource, edit.description, edit.category, edit.priceCents, edit.freePreviewPages,
      edit.keywords, edit.userKeywords, s !== null, s?.title ?? '', s?.keywords ?? '', s?.description ?? '', s?.body ?? '',
    ],
  );
}

/** Marks a document deleted (hidden everywhere; the file stays for its buyers). */
export async function markDocumentDeleted(db: Queryable, id: number): Promise<void> {
  await db.query('UPDATE documents SET deleted_at = now(), updated_at = now() WHERE id = $1 AND deleted_at IS NULL', [id]);
}

/** The user's purchase state for the document: 'paid' when one is live, 'refunded' when all were refunded. */
export async function findPurchaseState(db: Queryable, userId: number, documentId: number): Promise<PurchaseState> {
  const { rows } = await db.query<{ status: 'paid' | 'refunded' }>(
    `SELECT status FROM purchases WHERE buyer_id = $1 AND document_id = $2 ORDER BY status = 'paid' DESC LIMIT 1`,
    [userId, documentId],
  );
  return rows[0]?.status ?? null;
}

/** Pages 1..limit (all when limit is null) of the rendered preview, in order. */
export async function selectPreviewPages(db: Queryable, documentId: number, limit: number | null): Promise<string[]> {
  const { rows } = await db.query<{ html: string }>(
    `SELECT html FROM document_pages WHERE document_id = $1 AND ($2::int IS NULL OR page_no <= $2::int)
     ORDER BY page_no`,
    [documentId, limit],
  );
  return rows.map((r) => r.html);
}

export async function countPreviewPages(db: Queryable, documentId: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM document_pages WHERE document_id = $1',
    [documentId],
  );
  return rows[0]!.n;
}

/** Puts a failed document back to processing for another conversion (no-op unless failed, retriable and live). */
export async function resetFailedDocument(db: Queryable, id: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE documents SET status = 'processing', failure_reason = NULL, failure_retriable = false, conversion_attempts = 0,
       conversion_claim = NULL, conversion_claimed_until = NULL, updated_at = now()
     WHERE id = $1 AND status = 'failed' AND failure_retriable AND ${liveSql('documents')}`,
    [id],
  );
  return (rowCount ?? 0) > 0;
}

/** A page of the uploader's own live documents in any state, newest first (keyset on id). */
export async function listDocumentsOfUploader(
  db: Queryable,
  uploaderId: number,
  limit: number,
  beforeId: number | null,
): Promise<DocumentRow[]> {
  const { rows } = await db.query<DocumentRow>(
    `SELECT ${DOCUMENT_COLUMNS} FROM documents d JOIN users u ON u.id = d.uploader_id
     WHERE d.uploader_id = $1 AND d.deleted_at IS NULL AND ($2::bigint IS NULL OR d.id < $2::bigint)
     ORDER BY d.id DESC LIMIT $3`,
    [uploaderId, beforeId, limit],
  );
  return rows;
}

/** Current status of several documents (for the live status events). */
export async function selectDocumentStatuses(
  db: Queryable,
  ids: number[],
): Promise<Array<{ id: number; status: ContractStatus; failureReason: string | null; pages: number | null; hidden: boolean }>> {
  const { rows } = await db.query(
    `SELECT d.id, ${contractStatusSql('d')} AS status,
       d.failure_reason AS "failureReason", d.pages, d.deleted_at IS NOT NULL AS hidden
     FROM documents d WHERE d.id = ANY($1::bigint[])`,
    [ids],
  );
  return rows;
}
