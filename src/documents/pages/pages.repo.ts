// Read-only queries only the reader pages need (the documents service has no equivalent):
// category counts for the home page, and the text search snippets may be cut from.
import type { Queryable } from '../../db/pool.js';

/** Listed (ready, live) documents per category. */
export async function countListedByCategory(db: Queryable): Promise<Map<string, number>> {
  const { rows } = await db.query<{ category: string; n: number }>(
    `SELECT category, count(*)::int AS n FROM documents
     WHERE status = 'ready' AND deleted_at IS NULL AND taken_down_at IS NULL
     GROUP BY category`,
  );
  return new Map(rows.map((r) => [r.category, r.n]));
}

/**
 * Text a search snippet may show, per document: the body of a free document (first 20,000
 * characters); for a paid one only its free preview pages (at most the first 3), as HTML
 * for the caller to flatten — the rest of a paid document must not reach a results page.
 */
export async function selectSnippetSources(
  db: Queryable,
  ids: number[],
): Promise<Array<{ id: number; text: string | null; html: string | null }>> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{ id: number; text: string | null; html: string | null }>(
    `SELECT d.id,
       CASE WHEN d.price_cents = 0 THEN left(d.body_text, 20000) END AS text,
       CASE WHEN d.price_cents > 0 THEN (
         SELECT string_agg(p.html, '' ORDER BY p.page_no) FROM document_pages p
         WHERE p.document_id = d.id AND p.page_no <= LEAST(d.free_preview_pages, 3)) END AS html
     FROM documents d WHERE d.id = ANY($1::bigint[])`,
    [ids],
  );
  return rows;
}
