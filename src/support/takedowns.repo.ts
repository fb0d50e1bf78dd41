// SQL for notice-and-takedown: the document's state, the blocked hashes and the record of steps.
import type { Queryable } from '../db/pool.js';
import { contractStatusSql, takenDownSql, type ContractStatus, type ConversionStatus } from '../documents/visibility.js';

export interface TakedownActionRow {
  id: number;
  documentId: number;
  ticketId: number | null;
  action: 'takedown' | 'counter_notice' | 'restore';
  actorId: number;
  actorName: string;
  note: string | null;
  proof: string | null;
  /** History only: the conversion state a takedown step found (null on other steps). */
  previousStatus: string | null;
  createdAt: Date;
}

/** Takes a document down (sets taken_down_at, the only record of it); false when it already was. */
export async function markDocumentTakenDown(db: Queryable, documentId: number, now: Date): Promise<boolean> {
  const res = await db.query(
    `UPDATE documents d SET taken_down_at = $2, updated_at = $2
      WHERE d.id = $1 AND NOT ${takenDownSql('d')}`,
    [documentId, now],
  );
  return res.rowCount === 1;
}

/**
 * Puts a taken-down document back; its conversion state was never touched and is returned. Null
 * when it was not taken down.
 */
export async function markDocumentRestored(db: Queryable, documentId: number, now: Date): Promise<ConversionStatus | null> {
  const { rows } = await db.query<{ status: ConversionStatus }>(
    `UPDATE documents d SET taken_down_at = NULL, updated_at = $2
      WHERE d.id = $1 AND ${takenDownSql('d')}
      RETURNING d.status`,
    [documentId, now],
  );
  return rows[0]?.status ?? null;
}

/** Blocks re-uploads of these bytes (idempotent). */
export async function insertBlockedHash(db: Queryable, b: { sha256: string; documentId: number; reason: string; now: Date }): Promise<void> {
  await db.query(
    `INSERT INTO blocked_hashes (sha256, document_id, reason, created_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (sha256) DO NOTHING`,
    [b.sha256, b.documentId, b.reason, b.now],
  );
}

/** Unblocks the bytes unless another copy of them is still taken down. */
export async function deleteBlockedHashUnlessStillTakenDown(db: Queryable, sha256: string): Promise<void> {
  await db.query(
    `DELETE FROM blocked_hashes b
      WHERE b.sha256 = $1
        AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.sha256 = $1 AND ${takenDownSql('d')})`,
    [sha256],
  );
}

export async function insertTakedownAction(
  db: Queryable,
  a: { documentId: number; ticketId: number | null; action: TakedownActionRow['action']; actorId: number; note: string | null; proof: string | null; previousStatus: string | null; now: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO takedown_actions (document_id, ticket_id, action, actor_id, note, proof, previous_status, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [a.documentId, a.ticketId, a.action, a.actorId, a.note, a.proof, a.previousStatus, a.now],
  );
}

/** Every step for a document, oldest first. */
export async function listTakedownActions(db: Queryable, documentId: number): Promise<TakedownActionRow[]> {
  const { rows } = await db.query<TakedownActionRow>(
    `SELECT a.id, a.document_id AS "documentId", a.ticket_id AS "ticketId", a.action, a.actor_id AS "actorId",
            u.display_name AS "actorName", a.note, a.proof, a.previous_status AS "previousStatus", a.created_at AS "createdAt"
       FROM takedown_actions a JOIN users u ON u.id = a.actor_id
      WHERE a.document_id = $1 ORDER BY a.id`,
    [documentId],
  );
  return rows;
}

/** The takedown currently in force for a document (the latest one, when it is taken down). */
export async function findLatestTakedown(db: Queryable, documentId: number): Promise<TakedownActionRow | null> {
  const { rows } = await db.query<TakedownActionRow>(
    `SELECT a.id, a.document_id AS "documentId", a.ticket_id AS "ticketId", a.action, a.actor_id AS "actorId",
            u.display_name AS "actorName", a.note, a.proof, a.previous_status AS "previousStatus", a.created_at AS "createdAt"
       FROM takedown_actions a JOIN users u ON u.id = a.actor_id
      WHERE a.document_id = $1 AND a.action = 'takedown'
      ORDER BY a.id DESC LIMIT 1`,
    [documentId],
  );
  return rows[0] ?? null;
}

/** The latest step of any kind for a document (a pending counter-notice is the last step). */
export async function findLastTakedownStep(db: Queryable, documentId: number): Promise<TakedownActionRow | null> {
  const { rows } = await db.query<TakedownActionRow>(
    `SELECT a.id, a.document_id AS "documentId", a.ticket_id AS "ticketId", a.action, a.actor_id AS "actorId",
            u.display_name AS "actorName", a.note, a.proof, a.previous_status AS "previousStatus", a.created_at AS "createdAt"
       FROM takedown_actions a JOIN users u ON u.id = a.actor_id
      WHERE a.document_id = $1
      ORDER BY a.id DESC LIMIT 1`,
    [documentId],
  );
  return rows[0] ?? null;
}

export interface TakedownOverviewRow extends TakedownActionRow {
  title: string;
  /** As the contract shows it: taken_down over the conversion's state. */
  documentStatus: ContractStatus;
}

/** The latest notice-and-takedown steps across all documents, newest first (the admin's takedowns page). */
export async function listRecentTakedownActions(db: Queryable, limit: number): Promise<TakedownOverviewRow[]> {
  const { rows } = await db.query<TakedownOverviewRow>(
    `SELECT a.id, a.document_id AS "documentId", a.ticket_id AS "ticketId", a.action, a.actor_id AS "actorId",
            u.display_name AS "actorName", a.note, a.proof, a.previous_status AS "previousStatus", a.created_at AS "createdAt",
            d.title, ${contractStatusSql('d')} AS "documentStatus"
       FROM takedown_actions a JOIN users u ON u.id = a.actor_id JOIN documents d ON d.id = a.document_id
      ORDER BY a.id DESC LIMIT $1`,
    [limit],
  );
  return rows;
}

export interface UploaderTakedownRow {
  documentId: number;
  title: string;
  takenDownAt: Date;
  /** The latest takedown step's note (the admin's words, or why a copy went down with another). */
  note: string | null;
  complaintId: number | null;
  complaintCategory: string | null;
  /** The complaint names this very document (a counter-notice is about it). */
  complaintIsAboutThis: boolean;
  /** The uploader's own notice ticket for that complaint, where the counter-notice is filed. */
  noticeTicketId: number | null;
  counterNoticePending: boolean;
}

/** The uploader's own taken-down (not deleted) document with its latest takedown, or null. */
export async function findUploaderTakedown(db: Queryable, documentId: number, uploaderId: number): Promise<UploaderTakedownRow | null> {
  const { rows } = await db.query<UploaderTakedownRow>(
    `SELECT d.id AS "documentId", d.title, d.taken_down_at AS "takenDownAt", a.note,
            c.id AS "complaintId", c.category AS "complaintCategory", coalesce(c.document_id = d.id, false) AS "complaintIsAboutThis",
            n.id AS "noticeTicketId", coalesce(l.action = 'counter_notice', false) AS "counterNoticePending"
       FROM documents d
       LEFT JOIN LATERAL (SELECT x.note, x.ticket_id FROM takedown_actions x
                           WHERE x.document_id = d.id AND x.action = 'takedown' ORDER BY x.id DESC LIMIT 1) a ON true
       LEFT JOIN tickets c ON c.id = a.ticket_id
       LEFT JOIN LATERAL (SELECT t.id FROM tickets t
                           WHERE t.notice_for_ticket_id = c.id AND t.reporter_id = d.uploader_id ORDER BY t.id LIMIT 1) n ON true
       LEFT JOIN LATERAL (SELECT y.action FROM takedown_actions y WHERE y.document_id = d.id ORDER BY y.id DESC LIMIT 1) l ON true
      WHERE d.id = $1 AND d.uploader_id = $2 AND ${takenDownSql('d')} AND d.deleted_at IS NULL`,
    [documentId, uploaderId],
  );
  return rows[0] ?? null;
}
