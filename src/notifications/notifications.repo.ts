// SQL for notifications. Minimal (issue 18 needs the VIP reminder); issue 15 owns the feature.
import type { Queryable } from '../db/pool.js';

export interface NewNotification {
  userId: number;
  kind: string;
  title: string;
  body: string;
  link: string | null;
}

export async function insertNotification(db: Queryable, n: NewNotification): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO notifications (user_id, kind, title, body, link) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [n.userId, n.kind, n.title, n.body, n.link],
  );
  return rows[0]!.id;
}
