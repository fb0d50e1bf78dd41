// Worker liveness: who is running right now. Every process that converts documents or writes
// temporary files (web servers too) keeps a heartbeat row (worker_processes), renewed every few
// seconds. A process is dead when its heartbeat is stale, or, on this host, when its pid is not
// running (or is our own pid under another boot id: a restarted container). A dead process's
// conversion claims are void and its temporary files are anyone's to remove.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.js';
import type { Clock } from '../deps.js';
import { deleteWorkerProcesses, listWorkerProcesses, upsertHeartbeat, type WorkerProcessRow } from './liveness.repo.js';

export interface ProcessIdentity {
  host: string;
  pid: number;
  /** New at every start of a process. */
  bootId: string;
}

/** This process: one boot id for its lifetime. */
export const thisProcess: ProcessIdentity = {
  host: hostname().replace(/[^A-Za-z0-9.-]/gu, '-').slice(0, 64) || 'localhost',
  pid: process.pid,
  bootId: randomUUID(),
};

export const HEARTBEAT_INTERVAL_MS = 5_000;
/** A heartbeat older than this is a dead process (four missed beats). */
export const HEARTBEAT_STALE_MS = 20_000;

/** True when a process with this pid runs on this host (EPERM: it runs, as another user). */
export function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The one rule for "this process is dead". `row` undefined: the process never registered or was
 * already forgotten, so only its host and pid can tell.
 */
export function isProcessDead(
  owner: Pick<ProcessIdentity, 'host' | 'pid' | 'bootId'>,
  row: Pick<WorkerProcessRow, 'heartbeatAt'> | undefined,
  now: Date,
  me: ProcessIdentity = thisProcess,
  running: (pid: number) => boolean = pidRunning,
): boolean {
  if (owner.bootId === me.bootId) return false;
  if (owner.host === me.host) {
    if (owner.pid === me.pid) return true; // our pid, another boot: we are its restart
    if (!running(owner.pid)) return true;
  }
  // Never registered or already forgotten: a process registers before it claims or writes
  // anything (the sweep gives young files a short grace for the moment in between).
  if (!row) return true;
  return row.heartbeatAt.getTime() < now.getTime() - HEARTBEAT_STALE_MS;
}

export interface LivenessView {
  rows: Map<string, WorkerProcessRow>;
  dead: Set<string>;
  /** Conversion slots of the live processes together (at least 1). */
  liveSlots: number;
}

/** Reads the heartbeat table and says which registered processes are dead. */
export async function readLiveness(db: Queryable, now: Date, me: ProcessIdentity = thisProcess): Promise<LivenessView> {
  const rows = new Map((await listWorkerProcesses(db)).map((r) => [r.bootId, r]));
  const dead = new Set<string>();
  let liveSlots = 0;
  for (const row of rows.values()) {
    if (isProcessDead(row, row, now, me)) dead.add(row.bootId);
    else liveSlots += row.slots;
  }
  return { rows, dead, liveSlots: Math.max(1, liveSlots) };
}

/**
 * A temporary file's name says whose it is: `<kind>_<host>_<pid>_<bootId>_<random>`, so the
 * sweep can tell a dead process's leftovers from a live process's upload in flight.
 */
export function ownedName(kind: string, me: ProcessIdentity = thisProcess): string {
  return `${kind}_${ownerTag(me)}_${randomUUID()}`;
}

/** `<host>_<pid>_<bootId>`: a folder or file name part that names its owner. */
export function ownerTag(me: ProcessIdentity = thisProcess): string {
  return `${me.host}_${me.pid}_${me.bootId}`;
}

const OWNED = /^(?:([a-z]+)_)?([A-Za-z0-9.-]+)_(\d+)_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:_|$)/u;

/** The owner named by `ownedName`/`ownerTag`, or null for a name of another shape. */
export function parseOwner(name: string): (ProcessIdentity & { kind: string | null }) | null {
  const m = OWNED.exec(name);
  if (!m) return null;
  return { kind: m[1] ?? null, host: m[2]!, pid: Number(m[3]), bootId: m[4]! };
}

// Conversion slots and running heartbeats per boot id: tests run several queues in one process,
// which together are one process with the sum of their slots.
const slotsOf = new Map<string, number>();
const runningOf = new Map<string, number>();

/** Keeps this process's heartbeat row fresh while it runs. */
export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;
  private slots = 0;
  private beating: Promise<void> | null = null;

  constructor(
    private readonly db: Queryable,
    private readonly log: Logger,
    private readonly clock: Clock,
    readonly me: ProcessIdentity = thisProcess,
    private readonly intervalMs = HEARTBEAT_INTERVAL_MS,
  ) {}

  /** Registers the process (awaited: nothing is written under its name before) and keeps beating. */
  async start(): Promise<void> {
    if (this.timer) return;
    await this.beat();
    if (this.timer) return; // started twice at once: the first one beats
    runningOf.set(this.me.bootId, (runningOf.get(this.me.bootId) ?? 0) + 1);
    this.timer = setInterval(() => {
      this.beating ??= this.beat()
        .catch((err) => this.log.warn({ err }, 'heartbeat failed; retrying at the next beat'))
        .finally(() => (this.beating = null));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Conversion slots this process runs, for the per-uploader share. */
  async setSlots(slots: number): Promise<void> {
    slotsOf.set(this.me.bootId, (slotsOf.get(this.me.bootId) ?? 0) - this.slots + slots);
    this.slots = slots;
    if (this.timer) await this.beat();
  }

  private beat(): Promise<void> {
    return upsertHeartbeat(this.db, this.me, slotsOf.get(this.me.bootId) ?? 0, this.clock.now());
  }

  /** Stops beating and removes the row: a clean stop leaves nothing to time out. */
  async stop(): Promise<void> {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = null;
    await this.beating;
    slotsOf.set(this.me.bootId, (slotsOf.get(this.me.bootId) ?? 0) - this.slots);
    this.slots = 0;
    const running = (runningOf.get(this.me.bootId) ?? 1) - 1;
    runningOf.set(this.me.bootId, running);
    const done = running > 0 ? this.beat() : deleteWorkerProcesses(this.db, [this.me.bootId]);
    await done.catch((err) => this.log.warn({ err }, 'could not update the heartbeat row at stop'));
  }
}
