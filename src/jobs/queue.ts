// The background job queue: pg-boss 12 on the application's own pool, so jobs live in the same
// database as the rows they belong to and can be enqueued in the same transaction. pg-boss runs
// unchanged on the real server and on embedded PGlite (through the socket); see README.
import { PgBoss, type JobWithMetadata } from 'pg-boss';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Queryable } from '../db/pool.js';
import { systemClock, type Clock } from '../deps.js';
import { Heartbeat, thisProcess, type ProcessIdentity } from './liveness.js';

export const CONVERT_QUEUE = 'convert-document';
const SCHEMA = 'pgboss';

export interface ConversionJobData {
  documentId: number;
}

export interface JobQueueOptions {
  /**
   * The outer bound on one attempt; past it the job is retried elsewhere. A crashed worker is
   * found much sooner through its heartbeat (src/jobs/liveness.ts); this only ends an attempt
   * whose process lives on but hangs.
   */
  leaseSeconds?: number;
  retryLimit?: number;
  /** First retry delay; doubles (with jitter) on each retry. */
  retryDelaySeconds?: number;
  pollingIntervalSeconds?: number;
  /** Run pg-boss maintenance (expiring lost leases, archiving) in this process. */
  supervise?: boolean;
  maintenanceIntervalSeconds?: number;
  /** Heartbeats are written with this clock (the sweep judges them with the same one). */
  clock?: Clock;
  identity?: ProcessIdentity;
}

export interface ConversionJob {
  id: string;
  documentId: number;
  /** 0 for the first run, 1 for the first retry, … */
  retryCount: number;
  /** True when a failure now is the last one: no retry follows. */
  finalAttempt: boolean;
}

const DEFAULTS = {
  // An attempt is LibreOffice (60 s hard timeout, once more on a fresh instance) and mammoth
  // (60 s): about 3 minutes at worst, so 5 minutes never cuts a live attempt short.
  leaseSeconds: 5 * 60,
  retryLimit: 3,
  retryDelaySeconds: 30,
  pollingIntervalSeconds: 2,
  supervise: false,
  maintenanceIntervalSeconds: 60,
  clock: systemClock,
  identity: thisProcess,
};

const executorOn = (db: Queryable) => ({
  executeSql: (text: string, values?: unknown[]) => db.query(text, values),
});

/** One per process. Starting is lazy and idempotent, so processes that never enqueue pay nothing. */
export class JobQueue {
  readonly boss: PgBoss;
  readonly options: Required<JobQueueOptions>;
  /** This process's liveness row; beating from start() to stop(). */
  readonly heartbeat: Heartbeat;
  private starting: Promise<void> | null = null;
  private readonly workerIds: string[] = [];
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    options: JobQueueOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.boss = new PgBoss({
      db: executorOn(pool),
      schema: SCHEMA,
      schedule: false, // no cron jobs; saves a clock-skew query loop
      supervise: this.options.supervise,
      maintenanceIntervalSeconds: this.options.maintenanceIntervalSeconds,
    });
    this.boss.on('error', (err) => this.log.error({ err }, 'job queue error'));
    this.heartbeat = new Heartbeat(pool, log, this.options.clock, this.options.identity);
  }

  get identity(): ProcessIdentity {
    return this.options.identity;
  }

  /** Creates pg-boss's schema (first time only) and the conversion queue. */
  start(): Promise<void> {
    this.starting ??= (async () => {
      await this.heartbeat.start();
      await this.boss.start();
      const { leaseSeconds, retryLimit, retryDelaySeconds } = this.options;
      // 'stately': at most one queued and one active job per key (the document), so a document
      // is never converted by two workers at once and re-enqueueing a queued one is a no-op.
      const create = () =>
        this.boss.createQueue(CONVERT_QUEUE, {
          policy: 'stately',
          retryLimit,
          retryDelay: retryDelaySeconds,
          retryBackoff: true,
          expireInSeconds: leaseSeconds,
        });
      // Several nodes starting at once on a fresh database can deadlock in pg-boss's
      // createQueue (its partition table and queue row); the loser tries again, and then finds it.
      for (let attempt = 1; ; attempt++) {
        try {
          await create();
          break;
        } catch (err) {
          if ((err as { code?: string }).code !== '40P01' || attempt >= 5) throw err;
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
    })().catch((err) => {
      this.starting = null;
      throw err;
    });
    return this.starting;
  }

  /**
   * Enqueues a conversion on `db` (pass the transaction's client so the job commits or rolls
   * back with the row). Returns null when one is already queued for the document.
   */
  async enqueueConversion(db: Queryable, documentId: number): Promise<string | null> {
    await this.start();
    const data: ConversionJobData = { documentId };
    return this.boss.send(CONVERT_QUEUE, data, {
      singletonKey: conversionKey(documentId),
      retryLimit: this.options.retryLimit,
      retryDelay: this.options.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: this.options.leaseSeconds,
      db: executorOn(db),
    });
  }

  /**
   * Gives a conversion whose worker died back to the queue at once: the dead attempt's job is
   * cancelled (it would otherwise hold the document's active slot until its lease ends) and a
   * new one is queued. Pass a transaction's client to do both with the document's release.
   */
  async requeueConversion(db: Queryable, documentId: number): Promise<string | null> {
    await this.start();
    const { rows } = await db.query<{ id: string }>(
      `SELECT id FROM ${SCHEMA}.job WHERE name = $1 AND singleton_key = $2 AND state = 'active'`,
      [CONVERT_QUEUE, conversionKey(documentId)],
    );
    if (rows.length) await this.boss.cancel(CONVERT_QUEUE, rows.map((r) => r.id), { db: executorOn(db) });
    return this.enqueueConversion(db, documentId);
  }

  /**
   * Queues the document again in `seconds`, from inside its running job (the stately policy
   * allows one queued beside the active one). Used to give way to other uploaders.
   */
  async deferConversion(documentId: number, seconds: number): Promise<string | null> {
    await this.start();
    const data: ConversionJobData = { documentId };
    return this.boss.send(CONVERT_QUEUE, data, {
      singletonKey: conversionKey(documentId),
      startAfter: seconds,
      retryLimit: this.options.retryLimit,
      retryDelay: this.options.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: this.options.leaseSeconds,
    });
  }

  /** True when a conversion job for the document is queued, waiting to retry, or running. */
  async hasPendingConversion(db: Queryable, documentId: number): Promise<boolean> {
    await this.start();
    // pg-boss keeps jobs in its own table; states below 'completed' are the live ones.
    const { rows } = await db.query(
      `SELECT 1 FROM ${SCHEMA}.job WHERE name = $1 AND singleton_key = $2 AND state < 'completed' LIMIT 1`,
      [CONVERT_QUEUE, conversionKey(documentId)],
    );
    return rows.length > 0;
  }

  /** Wakes this process's workers now instead of at their next poll (call after a commit). */
  wake(): void {
    for (const id of this.workerIds) this.boss.notifyWorker(id);
  }

  /**
   * Runs `handler` for conversion jobs, `concurrency` at a time. A handler that throws fails
   * the attempt (retried with backoff until the retry limit); one that outlives the lease is
   * given up by pg-boss and retried.
   */
  async workConversions(concurrency: number, handler: (job: ConversionJob) => Promise<unknown>): Promise<void> {
    await this.start();
    await this.heartbeat.setSlots(concurrency);
    // One pg-boss worker per slot, each fetching one job: a slow document never holds up the
    // others the way a batch would.
    for (let i = 0; i < concurrency; i++) {
      const id = await this.boss.work(
        CONVERT_QUEUE,
        { batchSize: 1, includeMetadata: true, pollingIntervalSeconds: this.options.pollingIntervalSeconds },
        async ([job]: JobWithMetadata<ConversionJobData>[]) => {
          if (!job) return;
          return handler({
            id: job.id,
            documentId: Number(job.data.documentId),
            retryCount: job.retryCount,
            finalAttempt: job.retryCount >= job.retryLimit,
          });
        },
      );
      this.workerIds.push(id);
    }
  }

  /** Stops fetching, waits up to `timeoutMs` for running jobs; jobs still running are failed (retried). */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.stopped || !this.starting) return;
    this.stopped = true;
    await this.starting.catch(() => undefined);
    await this.boss.stop({ graceful: true, close: false, timeout: timeoutMs });
    await this.heartbeat.stop();
  }
}

export const conversionKey = (documentId: number) => `document:${documentId}`;
