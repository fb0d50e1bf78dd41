// SQL for download events (one row per download link).
import type { Queryable } from '../db/pool.js';

export interface DownloadEventRow {
  id: number;
  linkId: string;
  purchaseId: number | null;
  userId: number;
  documentId: number;
  bytesSent: number;
  requests: number;
  completed: boolean;
  /** Sent by the front end (X-Accel-Redirect): completion is a hand-over, not a confirmed receipt. */
  handedOff: boolean;
  createdAt: Date;
  completedAt: Date | null;
}

const COLUMNS = `id, link_id AS "linkId", purchase_id AS "purchaseId", user_id AS "userId", document_id AS "documentId",
  bytes_sent AS "bytesSent", requests, completed, handed_off AS "handedOff", created_at AS "createdAt", completed_at AS "completedAt"`;

/** Adds one response's bytes to the link's row; `completed` is sticky once true. */
export async function upsertDownloadEvent(
  db: Queryable,
  e: { linkId: string; purchaseId: number | null; userId: number; documentId: number; bytesSent: number; completed: boolean; handedOff: boolean },
): Promise<void> {
  await db.query(
    `INSERT INTO download_events AS d (link_id, purchase_id, user_id, document_id, bytes_sent, completed, completed_at, handed_off)
     VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6 THEN now() END, $7)
     ON CONFLICT (link_id) DO UPDATE SET
       bytes_sent = d.bytes_sent + EXCLUDED.bytes_sent,
       requests = d.requests + 1,
       completed = d.completed OR EXCLUDED.completed,
       completed_at = coalesce(d.completed_at, EXCLUDED.completed_at),
       handed_off = d.handed_off OR EXCLUDED.handed_off`,
    [e.linkId, e.purchaseId, e.userId, e.documentId, e.bytesSent, e.completed, e.handedOff],
  );
}

/** Download history, newest first, filtered by purchase, user and/or document (support). */
export async function listDownloadEvents(
  db: Queryable,
  filter: { purchaseId?: number; userId?: number; documentId?: number },
): Promise<DownloadEventRow[]> {
  const { rows } = await db.query<DownloadEventRow>(
    `SELECT ${COLUMNS} FROM download_events
      WHERE ($1::bigint IS NULL OR purchase_id = $1) AND ($2::bigint IS NULL OR user_id = $2) AND ($3::bigint IS NULL OR document_id = $3)
      ORDER BY id DESC LIMIT 200`,
    [filter.purchaseId ?? null, filter.userId ?? null, filter.documentId ?? null],
  );
  return rows;
}
