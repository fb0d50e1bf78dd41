// SQL of the page-faithful preview: the per-page rows (size, text layer, rendered image) and the
// document's PDF, thumbnail and render version.
import type { Queryable } from '../db/pool.js';

export interface PageLayerRow {
  number: number;
  width: number;
  height: number;
  lines: Array<{ x: number; y: number; w: number; h: number; text: string }>;
  imageKey: string | null;
}

export interface PagePreviewSave {
  pdfKey: string | null;
  thumbnailKey: string | null;
  previewPages: number;
  fontSubstitutions: Array<{ requested: string; used: string }>;
  pages: PageLayerRow[];
}

/**
 * Replaces the page rows, PDF and thumbnail of a document (the caller holds its lock) and bumps
 * its render version. Returns the blob keys no longer pointed to, for the caller to delete after commit.
 */
export async function replacePagePreview(db: Queryable, id: number, save: PagePreviewSave): Promise<string[]> {
  const { rows: old } = await db.query<{ key: string }>(
    `SELECT image_key AS key FROM document_page_images WHERE document_id = $1 AND image_key IS NOT NULL
     UNION ALL SELECT pdf_key FROM documents WHERE id = $1 AND pdf_key IS NOT NULL
     UNION ALL SELECT thumbnail_key FROM documents WHERE id = $1 AND thumbnail_key IS NOT NULL`,
    [id],
  );
  await db.query('DELETE FROM document_page_images WHERE document_id = $1', [id]);
  await db.query(
    `INSERT INTO document_page_images (document_id, number, width, height, lines, image_key)
     SELECT $1, p.number, p.width, p.height, p.lines, p.image_key
     FROM jsonb_to_recordset($2::jsonb) AS p(number int, width int, height int, lines jsonb, image_key text)`,
    [id, JSON.stringify(save.pages.map((p) => ({ number: p.number, width: p.width, height: p.height, lines: p.lines, image_key: p.imageKey })))],
  );
  await db.query(
    `UPDATE documents SET pdf_key = $2, thumbnail_key = $3, preview_pages = $4, font_substitutions = $5::jsonb,
       render_version = render_version + 1
     WHERE id = $1`,
    [id, save.pdfKey, save.thumbnailKey, save.previewPages, JSON.stringify(save.fontSubstitutions)],
  );
  return old.map((r) => r.key);
}

/** Sizes (and image keys) of pages 1..limit (null: all), in order, with the document's render version; never the text of others. */
export async function listPageRows(db: Queryable, id: number, limit: number | null): Promise<Array<Omit<PageLayerRow, 'lines'> & { renderVersion: number }>> {
  const { rows } = await db.query<Omit<PageLayerRow, 'lines'> & { renderVersion: number }>(
    `SELECT p.number, p.width, p.height, p.image_key AS "imageKey", d.render_version AS "renderVersion"
     FROM document_page_images p JOIN documents d ON d.id = p.document_id
     WHERE p.document_id = $1 AND ($2::int IS NULL OR p.number <= $2) ORDER BY p.number`,
    [id, limit],
  );
  return rows;
}

export interface PageRowWithDocument extends PageLayerRow {
  pdfKey: string | null;
  renderVersion: number;
}

/** One page's row with its document's PDF key and render version, or null when the page does not exist. */
export async function findPageRow(db: Queryable, id: number, number: number): Promise<PageRowWithDocument | null> {
  const { rows } = await db.query<PageRowWithDocument>(
    `SELECT p.number, p.width, p.height, p.lines, p.image_key AS "imageKey", d.pdf_key AS "pdfKey", d.render_version AS "renderVersion"
     FROM document_page_images p JOIN documents d ON d.id = p.document_id
     WHERE p.document_id = $1 AND p.number = $2`,
    [id, number],
  );
  return rows[0] ?? null;
}

/** Records an on-demand render, unless another one won or the pages were replaced meanwhile. */
export async function setPageImageKey(db: Queryable, id: number, number: number, key: string, renderVersion: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE document_page_images p SET image_key = $3
     FROM documents d
     WHERE p.document_id = $1 AND p.number = $2 AND p.image_key IS NULL AND d.id = p.document_id AND d.render_version = $4`,
    [id, number, key, renderVersion],
  );
  return (rowCount ?? 0) > 0;
}

/** The fonts the document asked for that were not installed, and what was used instead. */
export async function findFontSubstitutions(db: Queryable, id: number): Promise<Array<{ requested: string; used: string }>> {
  const { rows } = await db.query<{ fonts: Array<{ requested: string; used: string }> }>(
    'SELECT font_substitutions AS fonts FROM documents WHERE id = $1',
    [id],
  );
  return rows[0]?.fonts ?? [];
}
