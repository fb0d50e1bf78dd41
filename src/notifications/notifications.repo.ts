// SQL for notifications. One exported function per query.
import type { Queryable } from '../db/pool.js';

export interface NotificationRow {
  id: number;
  userId: number;
  kind: string;
  title: string;
  body: string;
  link: string | null;
  createdAt: Date;
  readAt: Date | null;
}

const COLUMNS = `id, user_id AS "userId", kind, title, body, link, created_at AS "createdAt", read_at AS "readAt"`;

export async function insertNotification(
  db: Queryable,
  n: { userId: number; kind: string; title: string; body: string; link: string | null },
): Promise<NotificationRow> {
  const { rows } = await db.query<NotificationRow>(
    `INSERT INTO notifications (user_id, kind, title, body, link) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
    [n.userId, n.kind, n.title, n.body, n.link],
  );
  return rows[0]!;
}

/**
 * Newest first, below `beforeId` when given; one more than `limit` tells the caller there is a next
 * page. `routine` true: only the kinds in `routineKinds`; false: only the others; null: all.
 */
export async function listNotificationsOfUser(
  db: Queryable,
  userId: number,
  limit: number,
  beforeId: number | null,
  filter: { routine: boolean | null; routineKinds: readonly string[] } = { routine: null, routineKinds: [] },
): Promise<NotificationRow[]> {
  const { rows } = await db.query<NotificationRow>(
    `SELECT ${COLUMNS} FROM notifications
      WHERE user_id = $1 AND ($2::bigint IS NULL OR id < $2)
        AND ($4::boolean IS NULL OR (kind = ANY($5::text[])) = $4)
      ORDER BY id DESC LIMIT $3`,
    [userId, beforeId, limit, filter.routine, filter.routineKinds],
  );
  return rows;
}

/** Unread notifications of the user: all of them, and those not of the routine kinds. */
export async function countUnreadOfUser(db: Queryable, userId: number, routineKinds: readonly string[]): Promise<{ all: number; important: number }> {
  const { rows } = await db.query<{ all: number; important: number }>(
    `SELECT count(*)::int AS "all", (count(*) FILTER (WHERE NOT kind = ANY($2::text[])))::int AS important
       FROM notifications WHERE user_id = $1 AND read_at IS NULL`,
    [userId, routineKinds],
  );
  return rows[0]!;
}

/** Marks the user's own unread ones among `ids`; ids of other users' notifications are ignored. */
export async function markReadByIds(db: Queryable, userId: number, ids: number[], at: Date): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE notifications SET read_at = $3 WHERE user_id = $1 AND id = ANY($2::bigint[]) AND read_at IS NULL`,
    [userId, ids, at],
  );
  return rowCount ?? 0;
}

/** Marks the user's unread notifications of the given kinds read (the routine group at once). */
export async function markKindsRead(db: Queryable, userId: number, kinds: readonly string[], at: Date): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE notifications SET read_at = $3 WHERE user_id = $1 AND kind = ANY($2::text[]) AND read_at IS NULL`,
    [userId, kinds, at],
  );
  return rowCount ?? 0;
}

export async function markAllRead(db: Queryable, userId: number, at: Date): Promise<number> {
  const { rowCount } = await db.query(`UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL`, [userId, at]);
  return rowCount ?? 0;
}

/** What a notice about a document names: its uploader and title. */
export async function findDocumentNoticeFacts(db: Queryable, documentId: number): Promise<{ uploaderId: number; title: string; failureReason: string | null } | null> {
  const { rows } = await db.query<{ uploaderId: number; title: string; failureReason: string | null }>(
    `SELECT uploader_id AS "uploaderId", title, failure_reason AS "failureReason" FROM documents WHERE id = $1`,
    [documentId],
  );
  return rows[0] ?? null;
}
