// SQL for the admins' audit log (append-only; a trigger refuses updates and deletes).
import type { Queryable } from '../db/pool.js';

export interface AuditRow {
  id: number;
  adminId: number;
  adminName: string;
  action: string;
  targetType: string;
  targetId: number;
  details: Record<string, unknown>;
  createdAt: Date;
}

export async function insertAuditEntry(
  db: Queryable,
  e: { adminId: number; action: string; targetType: string; targetId: number; details: Record<string, unknown>; now: Date },
): Promise<void> {
  await db.query(
    `INSERT INTO admin_audit_log (admin_id, action, target_type, target_id, details, created_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6)`,
    [e.adminId, e.action, e.targetType, e.targetId, JSON.stringify(e.details), e.now],
  );
}

/** Newest first, keyset-paged by id; optionally only one target's entries. */
export async function listAuditEntries(
  db: Queryable,
  q: { beforeId?: number; limit: number; targetType?: string; targetId?: number },
): Promise<AuditRow[]> {
  const { rows } = await db.query<AuditRow>(
    `SELECT a.id, a.admin_id AS "adminId", u.display_name AS "adminName", a.action, a.target_type AS "targetType",
            a.target_id AS "targetId", a.details, a.created_at AS "createdAt"
       FROM admin_audit_log a JOIN users u ON u.id = a.admin_id
      WHERE ($1::bigint IS NULL OR a.id < $1)
        AND ($3::text IS NULL OR (a.target_type = $3 AND a.target_id = $4))
      ORDER BY a.id DESC
      LIMIT $2`,
    [q.beforeId ?? null, q.limit, q.targetType ?? null, q.targetId ?? null],
  );
  return rows;
}
