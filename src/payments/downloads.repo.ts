// SQL for download events (one row per download link).
import type { Queryable } from '../db/pool.js';

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
