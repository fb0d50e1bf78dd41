// SQL for unique daily views (migration 0013): marks of who viewed what on which day.
import type { Queryable } from '../db/pool.js';

/**
 * Records the views in one statement: each (day, document, viewer) is marked once, and each
 * document's `views` grows only by the marks that were new (a repeat the same day adds nothing).
 */
export async function addFirstViewsOfTheDay(db: Queryable, views: { day: string; documentIds: number[]; viewers: string[] }): Promise<void> {
  await db.query(
    `WITH marked AS (
       INSERT INTO document_view_marks (day, document_id, viewer)
       SELECT $1::date, v.id, v.viewer FROM unnest($2::bigint[], $3::text[]) AS v(id, viewer)
       ON CONFLICT DO NOTHING
       RETURNING document_id)
     UPDATE documents d SET views = d.views + m.n
       FROM (SELECT document_id, count(*) AS n FROM marked GROUP BY document_id) m
      WHERE d.id = m.document_id`,
    [views.day, views.documentIds, views.viewers],
  );
}

/** Drops marks of days before `day` (they can no longer hold back a view). */
export async function deleteViewMarksBefore(db: Queryable, day: string): Promise<void> {
  await db.query('DELETE FROM document_view_marks WHERE day < $1::date', [day]);
}
