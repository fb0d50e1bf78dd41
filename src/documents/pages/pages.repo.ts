// Read-only queries only the reader pages need (the documents service has no equivalent):
// category counts for the home page, and the text search snippets may be cut from.
import type { Queryable } from '../../db/pool.js';
import { listedSql } from '../visibility.js';
import { visibleTextSourceSql } from '../visible-text.repo.js';

const SOURCE = visibleTextSourceSql('d.id', 'r.pages');

/** Listed (ready, live) documents per category. */
export async function countListedByCategory(db: Queryable): Promise<Map<string, number>> {
  const { rows } = await db.query<{ category: string; n: number }>(
    `SELECT d.category, count(*)::int AS n FROM documents d
     WHERE ${listedSql('d')}
     GROUP BY d.category`,
  );
  return new Map(rows.map((r) => [r.category, r.n]));
}

/** What a snippet may be cut from, per document, as decided by the caller from entitlementOf. */
export interface SnippetRequest {
  id: number;
  /** null: the whole document may be read (its body text is used); a number: pages 1..pages only. */
  pages: number | null;
}

/**
 * Text a search snippet may show, per document: the first `bodyChars` characters of the body
 * when the whole document may be read; else what visibleHtml cuts the allowed pages from (the
 * stored 文字版 pages 1..pages + 1 and the text lines of pages 1..pages; `layers` null when the
 * document has no rendered pages). The limits come from the caller; this query never reads past them.
 */
export async function selectSnippetSources(
  db: Queryable,
  requests: readonly SnippetRequest[],
  bodyChars: number,
): Promise<Array<{ id: number; text: string | null; pages: string[] | null; layers: string[][] | null }>> {
  if (requests.length === 0) return [];
  const { rows } = await db.query<{ id: number; text: string | null; pages: string[] | null; layers: string[][] | null }>(
    `SELECT d.id,
       CASE WHEN r.pages IS NULL THEN left(d.body_text, $3::int) END AS text,
       CASE WHEN r.pages IS NOT NULL THEN ${SOURCE.pages} END AS pages,
       CASE WHEN r.pages IS NOT NULL AND ${SOURCE.rendered} THEN ${SOURCE.layers} END AS layers
     FROM unnest($1::bigint[], $2::int[]) AS r(id, pages) JOIN documents d ON d.id = r.id`,
    [requests.map((r) => r.id), requests.map((r) => r.pages), bodyChars],
  );
  return rows;
}

/**
 * A document its uploader deleted after it had been published (ready, never taken down): what its
 * page may still say (title, category). null for anything else, so a page never confirms that a
 * private, failed, held or taken-down document exists.
 */
export async function findDeletedPublishedDocument(db: Queryable, id: number): Promise<{ title: string; category: string } | null> {
  const { rows } = await db.query<{ title: string; category: string }>(
    `SELECT d.title, d.category FROM documents d
     WHERE d.id = $1 AND d.deleted_at IS NOT NULL AND d.taken_down_at IS NULL AND d.status = 'ready'`,
    [id],
  );
  return rows[0] ?? null;
}
