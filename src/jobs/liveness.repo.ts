// SQL for worker liveness: one heartbeat row per running process (migrations/0011).
import type { Queryable } from '../db/pool.js';
import type { ProcessIdentity } from './liveness.js';

export interface WorkerProcessRow extends ProcessIdentity {
  slots: number;
  heartbeatAt: Date;
}

/** Registers the process or renews its heartbeat. */
export async function upsertHeartbeat(db: Queryable, me: ProcessIdentity, slots: number, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO worker_processes (boot_id, host, pid, slots, started_at, heartbeat_at) VALUES ($1, $2, $3, $4, $5, $5)
     ON CONFLICT (boot_id) DO UPDATE SET slots = EXCLUDED.slots, heartbeat_at = EXCLUDED.heartbeat_at`,
    [me.bootId, me.host, me.pid, slots, now],
  );
}

/** Every registered process, live or not (a few rows: one per process). */
export async function listWorkerProcesses(db: Queryable): Promise<WorkerProcessRow[]> {
  const { rows } = await db.query<WorkerProcessRow>(
    `SELECT boot_id AS "bootId", host, pid, slots, heartbeat_at AS "heartbeatAt" FROM worker_processes`,
  );
  return rows;
}

/** Forgets processes (a clean stop, or dead ones whose leftovers were cleaned up). */
export async function deleteWorkerProcesses(db: Queryable, bootIds: string[]): Promise<void> {
  if (bootIds.length) await db.query('DELETE FROM worker_processes WHERE boot_id = ANY($1::uuid[])', [bootIds]);
}
