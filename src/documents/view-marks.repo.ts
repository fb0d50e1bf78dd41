// SQL for unique daily views (migration 0013): marks of who viewed what on which day, and the
// counts per document and day they add up to (migration 0072).
import type { Queryable } from '../db/pool.js';

/**
 * Records the views of `day` (TIMEZONE's calendar day) in one statement: each (day, document,
 * viewer) is marked once, and each document's `views`, and its count for that day
 * (document_daily_views, the studio's chart), grow only by the marks that were new (a repeat the
 * same day adds nothing).
 */
export async function addFirstViewsOfTheDay(db: Queryable, views: { day: string; documentIds: number[]; viewers: string[] }): Promise<void> {
  await db.query(
    `WITH marked AS (
       INSERT INTO document_view_marks (day, document_id, viewer)
       SELECT $1::date, v.id, v.viewer FROM unnest($2::bigint[], $3::text[]) AS v(id, viewer)
       ON CONFLICT DO NOTHING
       RETURNING document_id),
     counted AS (SELECT document_id, count(*)::int AS n FROM marked GROUP BY document_id),
     daily AS (
       INSERT INTO document_daily_views (document_id, day, views)
       SELECT c.document_id, $1::date, c.n FROM counted c JOIN documents d ON d.id = c.document_id
       ON CONFLICT (document_id, day) DO UPDATE SET views = document_daily_views.views + EXCLUDED.views)
     UPDATE documents d SET views = d.views + c.n
       FROM counted c
      WHERE d.id = c.document_id`,
    [views.day, views.documentIds, views.viewers],
  );
}

/** Views per day of these documents from `sinceDay` on (TIMEZONE's days), for the studio's chart. */
export async function countDailyViews(db: Queryable, documentIds: number[], sinceDay: string): Promise<Array<{ documentId: number; day: string; views: number }>> {
  const { rows } = await db.query<{ documentId: number; day: string; views: number }>(
    `SELECT document_id AS "documentId", day::text AS day, views FROM document_daily_views
      WHERE document_id = ANY($1::bigint[]) AND day >= $2::date`,
    [documentIds, sinceDay],
  );
  return rows;
}

/** Drops marks of days before `day` (they can no longer hold back a view). */
export async function deleteViewMarksBefore(db: Queryable, day: string): Promise<void> {
  await db.query('DELETE FROM document_view_marks WHERE day < $1::date', [day]);
}
