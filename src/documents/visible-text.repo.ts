// What visibleHtml (visible-text.ts) cuts from: the stored 文字版 pages up to one past the last
// visible page and the text layer lines of the visible pages, never a line of a page beyond them.
import type { Queryable } from '../db/pool.js';
import type { VisibleTextSource } from './visible-text.js';

/**
 * SQL of what visibleHtml cuts from, for the document `doc` read to page `pages` (SQL
 * expressions): the stored pages 1..pages + 1, the text lines of pages 1..pages (a JSON array of
 * arrays), and whether it has rendered pages at all. One text for this query and the snippets'.
 */
export const visibleTextSourceSql = (doc: string, pages: string) => ({
  pages: `ARRAY(SELECT html FROM document_pages WHERE document_id = ${doc} AND page_no <= ${pages} + 1 ORDER BY page_no)`,
  layers: `coalesce((SELECT jsonb_agg((SELECT coalesce(jsonb_agg(l.v->>'text' ORDER BY l.i), '[]') FROM jsonb_array_elements(i.lines) WITH ORDINALITY AS l(v, i)) ORDER BY i.number)
    FROM document_page_images i WHERE i.document_id = ${doc} AND i.number <= ${pages}), '[]')`,
  rendered: `EXISTS (SELECT 1 FROM document_page_images WHERE document_id = ${doc})`,
});

/**
 * Stored 文字版 pages 1..pagesVisible + 1 and the text lines of pages 1..pagesVisible; `layers` is
 * null when the document has no rendered pages (converted without a page layout).
 */
const SOURCE = visibleTextSourceSql('$1', '$2::int');

export async function selectVisibleTextSource(db: Queryable, documentId: number, pagesVisible: number): Promise<VisibleTextSource> {
  const { rows } = await db.query<{ pages: string[]; layers: string[][]; rendered: boolean }>(
    `SELECT ${SOURCE.pages} AS pages, ${SOURCE.layers} AS layers, ${SOURCE.rendered} AS rendered`,
    [documentId, pagesVisible],
  );
  const row = rows[0]!;
  return { pages: row.pages, layers: row.rendered ? row.layers : null, pagesVisible };
}
