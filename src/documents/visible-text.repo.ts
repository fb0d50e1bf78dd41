// What visibleHtml (visible-text.ts) cuts from: the stored 文字版 pages up to one past the last
// visible page and the text layer lines of the visible pages, never a line of a page beyond them.
import type { Queryable } from '../db/pool.js';
import type { VisibleTextSource } from './visible-text.js';

/**
 * Stored 文字版 pages 1..pagesVisible + 1 and the text lines of pages 1..pagesVisible; `layers` is
 * null when the document has no rendered pages (converted without a page layout).
 */
export async function selectVisibleTextSource(db: Queryable, documentId: number, pagesVisible: number): Promise<VisibleTextSource> {
  const { rows } = await db.query<{ pages: string[]; layers: string[][]; rendered: boolean }>(
    `SELECT
       ARRAY(SELECT html FROM document_pages WHERE document_id = $1 AND page_no <= $2 + 1 ORDER BY page_no) AS pages,
       coalesce((SELECT jsonb_agg((SELECT coalesce(jsonb_agg(l.v->>'text' ORDER BY l.i), '[]') FROM jsonb_array_elements(p.lines) WITH ORDINALITY AS l(v, i)) ORDER BY p.number)
         FROM document_page_images p WHERE p.document_id = $1 AND p.number <= $2), '[]') AS layers,
       EXISTS (SELECT 1 FROM document_page_images WHERE document_id = $1) AS rendered`,
    [documentId, pagesVisible],
  );
  const row = rows[0]!;
  return { pages: row.pages, layers: row.rendered ? row.layers : null, pagesVisible };
}
