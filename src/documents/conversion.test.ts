import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { registerAdmin } from '../auth/test-fixtures.js';
import { ConversionError, type ConversionResult, type Converter } from '../conversion/index.js';
import { JobQueue, type ConversionJob } from '../jobs/queue.js';
import { HEARTBEAT_STALE_MS, ownerTag, parseOwner } from '../jobs/liveness.js';
import { convertDocument, DocumentBusyError, reclaimDeadWorkersConversions, RETRIES_EXHAUSTED_REASON } from './conversion.service.js';
import { startConversionWorker } from './conversion.worker.js';
import { sweepDocuments, SWEEP_GRACE_MS } from './sweep.service.js';
import { newBlobKey } from './upload.service.js';
import { uploadTempDir } from './upload-storage.js';
import { blobKeys, count, SEED_DOC, SEED_TITLE, startTestWorker, testConverter, upload, waitForConversion } from './test-support.js';

const LEASE_SECONDS = 6;
const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'crash-worker.fixture.ts');

let ctx: TestContext;
let converter: Converter;
const extraQueues: JobQueue[] = [];

beforeAll(async () => {
  ctx = await createTestContext({}, { jobs: { leaseSeconds: LEASE_SECONDS, retryLimit: 2, retryDelaySeconds: 1 } });
  converter = testConverter(ctx);
  // Start LibreOffice now: a cold start under load can take longer than the short test lease.
  await converter.convert({ filePath: SEED_DOC, format: 'DOC' });
});
afterAll(async () => {
  for (const q of extraQueues) await q.stop(1_000);
  await converter?.close();
  await ctx?.close();
});

/** Another worker process's queue on the same database (its own pg-boss instance). */
function otherQueue(options: ConstructorParameters<typeof JobQueue>[2] = {}) {
  const q = new JobQueue(ctx.deps.db.pool, ctx.deps.log, { pollingIntervalSeconds: 0.5, leaseSeconds: LEASE_SECONDS, ...options });
  extraQueues.push(q);
  return q;
}

let uploads = 0;
async function newDocument(fields: Record<string, string> = {}): Promise<number> {
  // The same seed text from many uploaders: near copies wait for review, but never an admin's
  // upload, so these conversion tests end ready as before.
  const { token } = await registerAdmin(ctx);
  // Different bytes per document (trailing padding): another user's copy of a public file is a duplicate (409).
  const bytes = Buffer.concat([readFileSync(SEED_DOC), Buffer.alloc(512 * ++uploads)]);
  const res = await upload(ctx, token, bytes, { fields, filename: 'seed.doc' });
  expect(res.status).toBe(202);
  return res.body.document.id;
}

const retriable = async (id: number) => (await ctx.deps.db.pool.query<{ r: boolean }>('SELECT failure_retriable AS r FROM documents WHERE id = $1', [id])).rows[0]!.r;
const row = async (id: number) =>
  (await ctx.deps.db.pool.query(
    `SELECT CASE WHEN taken_down_at IS NOT NULL THEN 'taken_down' ELSE status END AS status, title, pages, failure_reason AS "failureReason", conversion_attempts AS attempts, conversion_claim AS claim,
       taken_down_at IS NOT NULL AS "takenDown", (SELECT count(*)::int FROM document_pages WHERE document_id = d.id) AS "storedPages"
     FROM documents d WHERE id = $1`, [id])).rows[0];

const jobStates = async (id: number) =>
  (await ctx.deps.db.pool.query<{ state: string; retryCount: number }>(
    `SELECT state, retry_count AS "retryCount" FROM pgboss.job WHERE name = 'convert-document' AND singleton_key = $1 ORDER BY created_on`,
    [`document:${id}`])).rows;

const jobFor = (documentId: number, finalAttempt = false): ConversionJob => ({ id: `test-${documentId}`, documentId, retryCount: 0, finalAttempt });

/** A converter whose answer the test releases; records when it was called. */
function gatedConverter() {
  let release!: (r: ConversionResult) => void;
  let called!: () => void;
  const started = new Promise<void>((r) => (called = r));
  const result = new Promise<ConversionResult>((r) => (release = r));
  const c: Converter = { convert: () => (called(), result), close: async () => {} };
  return { converter: c, started, release };
}

const fakeResult = (title: string): ConversionResult => ({
  pages: ['<p>僵尸的结果</p>'], pageCount: 1, wordCount: 5, text: '僵尸的结果', properties: { title, author: null }, simplified: false, warnings: [],
});

/** A real worker process (crash-worker.fixture.ts) the test can kill with SIGKILL. */
function spawnWorkerProcess(mode: 'convert' | 'idle', leaseSeconds = 900) {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ctx.deps.db.connectionString, ctx.deps.config.dataDir, String(leaseSeconds), mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  const waitFor = (word: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker process never printed ${word}: ${stderr}`)), 60_000);
      const check = () => stdout.includes(word) && (clearTimeout(timer), resolve());
      child.stdout.on('data', check);
      child.on('exit', (code) => reject(new Error(`worker process exited early (${code}): ${stderr}`)));
      check();
    });
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  return {
    pid: child.pid!,
    waitFor,
    partial: async () => (await waitFor('started'), /partial (\S+)/u.exec(stdout)![1]!),
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

const claimOf = async (id: number) =>
  (await ctx.deps.db.pool.query<{ bootId: string | null }>('SELECT conversion_boot_id AS "bootId" FROM documents WHERE id = $1', [id])).rows[0]!.bootId;
const heartbeatRow = async (pid: number) =>
  (await ctx.deps.db.pool.query<{ bootId: string }>('SELECT boot_id AS "bootId" FROM worker_processes WHERE pid = $1', [pid])).rows[0];

describe('crashes and worker liveness', () => {
  it('when a worker process is killed -9 mid-conversion while another worker runs, then the other converts the document within 60 s (not after the lease)', async () => {
    const crashing = spawnWorkerProcess('convert');
    let worker: Awaited<ReturnType<typeof startTestWorker>> | null = null;
    try {
      await crashing.waitFor('started');
      const id = await newDocument();
      await crashing.waitFor('converting');
      const dead = await heartbeatRow(crashing.pid);
      expect(await claimOf(id)).toBe(dead!.bootId);
      // The other worker is up before the crash; its start-up sweep leaves a live worker's claim alone.
      // A real conversion: pg-boss 12 fails a job whose handler outlives its lease, so this
      // worker's lease is longer than a conversion on a busy machine (the dead one's is 900 s).
      worker = await startConversionWorker({ ...ctx.deps, jobs: otherQueue({ leaseSeconds: 120 }) }, { converter, concurrency: 1, reclaimIntervalMs: 1_000 });
      expect(await row(id)).toMatchObject({ status: 'processing', attempts: 1 });
      expect(await jobStates(id)).toEqual([{ state: 'active', retryCount: 0 }]);

      await crashing.kill();
      const died = Date.now();
      expect(await waitForConversion(ctx, id, 60_000)).toEqual({ status: 'ready', failureReason: null });
      expect(Date.now() - died).toBeLessThan(60_000);
      expect(await row(id)).toMatchObject({ status: 'ready', title: SEED_TITLE, pages: 8, attempts: 2, claim: null });
      expect(await claimOf(id)).toBeNull();
      // The dead attempt's job is cancelled rather than left to expire; one new job did the work.
      await expect.poll(() => jobStates(id), { timeout: 10_000 }).toEqual([{ state: 'cancelled', retryCount: 0 }, { state: 'completed', retryCount: 0 }]);
    } finally {
      await crashing.kill();
      await worker?.stop(5_000);
    }
  });

  it('when the only worker process is killed -9 mid-conversion and started again, then the document is ready within 60 s of the restart', async () => {
    const crashing = spawnWorkerProcess('convert');
    let worker: Awaited<ReturnType<typeof startTestWorker>> | null = null;
    try {
      await crashing.waitFor('started');
      const id = await newDocument();
      await crashing.waitFor('converting');
      await crashing.kill();

      const restarted = Date.now();
      worker = await startConversionWorker({ ...ctx.deps, jobs: otherQueue({ leaseSeconds: 120 }) }, { converter, concurrency: 1 });
      expect(await waitForConversion(ctx, id, 60_000)).toEqual({ status: 'ready', failureReason: null });
      expect(Date.now() - restarted).toBeLessThan(60_000);
      expect(await row(id)).toMatchObject({ status: 'ready', pages: 8, attempts: 2, claim: null });
      // The dead process's row is forgotten once its claim and files are dealt with.
      expect(await heartbeatRow(crashing.pid)).toBeUndefined();
    } finally {
      await crashing.kill();
      await worker?.stop(5_000);
    }
  });

  it('when a worker on another host stops beating, then its claim is reclaimed once the heartbeat is 20 s stale, and not before', async () => {
    const id = await newDocument();
    const other = { host: 'other-host.example', pid: 4242, bootId: randomUUID() };
    await ctx.deps.db.pool.query(
      `INSERT INTO worker_processes (boot_id, host, pid, slots, started_at, heartbeat_at) VALUES ($1, $2, $3, 1, $4, $4)`,
      [other.bootId, other.host, other.pid, ctx.clock.now()],
    );
    await ctx.deps.db.pool.query(
      `UPDATE documents SET conversion_claim = gen_random_uuid(), conversion_claimed_until = now() + interval '15 minutes',
         conversion_boot_id = $2, conversion_attempts = 1 WHERE id = $1`,
      [id, other.bootId],
    );
    await ctx.deps.db.pool.query(`UPDATE pgboss.job SET state = 'active', started_on = now() WHERE singleton_key = $1`, [`document:${id}`]);
    const skew = HEARTBEAT_STALE_MS + 1_000;
    try {
      ctx.clock.advance(HEARTBEAT_STALE_MS - 5_000);
      expect(await reclaimDeadWorkersConversions(ctx.deps)).toEqual({ requeued: 0, failed: 0 });
      expect(await claimOf(id)).toBe(other.bootId);
      ctx.clock.advance(skew - (HEARTBEAT_STALE_MS - 5_000));
      expect(await reclaimDeadWorkersConversions(ctx.deps)).toEqual({ requeued: 1, failed: 0 });
    } finally {
      ctx.clock.advance(-skew);
    }
    expect(await row(id)).toMatchObject({ status: 'processing', claim: null, attempts: 1 });
    expect(await claimOf(id)).toBeNull();
    expect(await jobStates(id)).toEqual([{ state: 'cancelled', retryCount: 0 }, { state: 'created', retryCount: 0 }]);
    // Out of the way of the tests below.
    await ctx.deps.db.pool.query('UPDATE documents SET deleted_at = now() WHERE id = $1', [id]);
    await ctx.deps.db.pool.query('DELETE FROM pgboss.job WHERE singleton_key = $1', [`document:${id}`]);
    await ctx.deps.db.pool.query('DELETE FROM worker_processes WHERE boot_id = $1', [other.bootId]);
  });

  it('when two workers share the queue, then every document is converted exactly once, never by both at once', async () => {
    const calls = new Map<string, number>();
    let inFlight = 0;
    let maxInFlightPerFile = 0;
    const active = new Set<string>();
    const counting: Converter = {
      async convert(input) {
        calls.set(input.filePath, (calls.get(input.filePath) ?? 0) + 1);
        if (active.has(input.filePath)) maxInFlightPerFile = 2;
        active.add(input.filePath);
        inFlight++;
        try {
          return await converter.convert(input);
        } finally {
          inFlight--;
          active.delete(input.filePath);
        }
      },
      close: async () => {},
    };
    const workers = await Promise.all([otherQueue(), otherQueue()].map((q) => startTestWorker({ ...ctx, deps: { ...ctx.deps, jobs: q } }, counting, 2)));
    try {
      const ids = await Promise.all(Array.from({ length: 6 }, () => newDocument()));
      for (const id of ids) expect((await waitForConversion(ctx, id, 60_000)).status).toBe('ready');
      expect(calls.size).toBe(6);
      expect([...calls.values()]).toEqual(Array(6).fill(1));
      expect(maxInFlightPerFile).toBe(0);
      expect(await count(ctx, 'documents WHERE id = ANY($1::bigint[]) AND conversion_attempts = 1', [ids])).toBe(6);
    } finally {
      for (const w of workers) await w.stop(5_000);
    }
    expect(inFlight).toBe(0);
  });

  it('when a worker outlives its lease, then a second attempt refuses while the lease holds, takes over after it, and the late result is discarded', async () => {
    const id = await newDocument();
    const zombie = gatedConverter();
    const late = convertDocument(ctx.deps, zombie.converter, jobFor(id));
    await zombie.started;
    await expect(convertDocument(ctx.deps, converter, jobFor(id))).rejects.toBeInstanceOf(DocumentBusyError);
    await new Promise((r) => setTimeout(r, LEASE_SECONDS * 1000 + 300));
    expect(await convertDocument(ctx.deps, converter, jobFor(id))).toBe('ready');
    zombie.release(fakeResult('僵尸标题'));
    expect(await late).toBe('skipped');
    expect(await row(id)).toMatchObject({ status: 'ready', title: SEED_TITLE, pages: 8, storedPages: expect.any(Number) });
    expect((await row(id)).storedPages).toBeGreaterThan(1);
  });
});

describe('failures and retries', () => {
  it('when a document has used up its attempts (its workers died on it), then a fresh job fails it without converting again', async () => {
    const id = await newDocument();
    await ctx.deps.db.pool.query('UPDATE documents SET conversion_attempts = 3 WHERE id = $1', [id]); // retryLimit 2: 3 in all
    let calls = 0;
    const flaky: Converter = {
      async convert() {
        calls++;
        throw new Error('LibreOffice went away');
      },
      close: async () => {},
    };
    expect(await convertDocument(ctx.deps, flaky, jobFor(id))).toBe('failed');
    expect(calls).toBe(0);
    expect(await row(id)).toMatchObject({ status: 'failed', failureReason: RETRIES_EXHAUSTED_REASON, attempts: 4, claim: null });
    expect(await retriable(id)).toBe(true); // no answer from the file yet: the studio offers 「重新转换」
  });

  it('when a conversion times out, then the queue does not run it again: one attempt, a Chinese reason', async () => {
    const id = await newDocument();
    let calls = 0;
    const slow: Converter = {
      async convert() {
        calls++; // the converter itself already gave LibreOffice its one second chance
        throw new ConversionError('文档过大或过于复杂，转换超时', 'timeout: LibreOffice took longer than 60000 ms', true);
      },
      close: async () => {},
    };
    const worker = await startTestWorker({ ...ctx, deps: { ...ctx.deps, jobs: otherQueue() } }, slow);
    try {
      expect(await waitForConversion(ctx, id, 30_000)).toEqual({ status: 'failed', failureReason: '文档过大或过于复杂，转换超时' });
      await new Promise((r) => setTimeout(r, 2_500)); // a retry would have come by now (1 s delay)
    } finally {
      await worker.stop(5_000);
    }
    expect(calls).toBe(1);
    expect(await row(id)).toMatchObject({ attempts: 1, claim: null });
    expect(await retriable(id)).toBe(false); // the same file would time out again
    expect(await jobStates(id)).toEqual([{ state: 'completed', retryCount: 0 }]);
  });

  it('when conversion keeps failing with a transient error, then it is retried with backoff and fails after the last retry with a reason', async () => {
    const id = await newDocument();
    let calls = 0;
    const flaky: Converter = {
      async convert() {
        calls++;
        throw new Error('LibreOffice went away');
      },
      close: async () => {},
    };
    const worker = await startTestWorker({ ...ctx, deps: { ...ctx.deps, jobs: otherQueue() } }, flaky);
    try {
      expect(await waitForConversion(ctx, id, 60_000)).toEqual({ status: 'failed', failureReason: RETRIES_EXHAUSTED_REASON });
    } finally {
      await worker.stop(5_000);
    }
    expect(calls).toBe(3); // the first attempt and retryLimit (2) retries
    expect(await row(id)).toMatchObject({ attempts: 3, claim: null, storedPages: 0 });
    expect(await retriable(id)).toBe(true);
  });

  it('when the converter reports a permanent error, then the document fails at once with its Chinese reason', async () => {
    const id = await newDocument();
    const broken: Converter = {
      convert: async () => {
        throw new ConversionError('文件已损坏或不完整，无法读取', 'corrupt', true);
      },
      close: async () => {},
    };
    expect(await convertDocument(ctx.deps, broken, jobFor(id))).toBe('failed');
    expect(await row(id)).toMatchObject({ status: 'failed', failureReason: '文件已损坏或不完整，无法读取', attempts: 1 });
    expect(await retriable(id)).toBe(false);
  });
});

describe('fairness between uploaders', () => {
  it('when one uploader queues several files and another uploader one, then the first never holds every slot: the other runs beside it', async () => {
    const a = await registerAdmin(ctx); // admins: the seed's near copies are not held (see newDocument)
    const b = await registerAdmin(ctx);
    // Different bytes per upload (padding no other test in this file uses): a copy would be a duplicate.
    let padding = 1000;
    const uploadAs = async (token: string, title: string) => {
      const bytes = Buffer.concat([readFileSync(SEED_DOC), Buffer.alloc(512 * ++padding)]);
      const res = await upload(ctx, token, bytes, { fields: { title }, filename: 'seed.doc' });
      expect(res.status).toBe(202);
      return res.body.document.id as number;
    };
    const a1 = await uploadAs(a.token, '甲的第一份');
    const a2id = await uploadAs(a.token, '甲的第二份');
    const b1 = await uploadAs(b.token, '乙的一份');
    const keys = new Map<string, number>();
    for (const id of [a1, a2id, b1]) {
      const { rows } = await ctx.deps.db.pool.query<{ key: string }>('SELECT blob_key AS key FROM documents WHERE id = $1', [id]);
      keys.set(ctx.deps.blobs.localPath!(rows[0]!.key)!, id);
    }
    const running = new Set<number>();
    const started: number[] = [];
    let maxOfA = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gated: Converter = {
      async convert(input) {
        const id = keys.get(input.filePath)!;
        running.add(id);
        started.push(id);
        maxOfA = Math.max(maxOfA, [a1, a2id].filter((x) => running.has(x)).length);
        await gate;
        running.delete(id);
        return fakeResult('公平');
      },
      close: async () => {},
    };
    const worker = await startTestWorker({ ...ctx, deps: { ...ctx.deps, jobs: otherQueue() } }, gated, 2);
    try {
      const until = Date.now() + 30_000;
      while (started.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1_500));
      expect(started).toHaveLength(2);
      expect(started).toContain(b1);
      release();
      for (const id of [a1, a2id, b1]) expect((await waitForConversion(ctx, id, 30_000)).status).toBe('ready');
    } finally {
      release();
      await worker.stop(5_000);
    }
    expect(maxOfA).toBe(1);
    expect(started).toHaveLength(3);
    // Giving way cost no attempt.
    expect(await count(ctx, 'documents WHERE id = ANY($1::bigint[]) AND conversion_attempts = 1', [[a1, a2id, b1]])).toBe(3);
  });
});

describe('documents that change while waiting', () => {
  it('when a document is taken down or deleted before its turn, then the job leaves it alone', async () => {
    const takenDown = await newDocument();
    await ctx.deps.db.pool.query(`UPDATE documents SET taken_down_at = now() WHERE id = $1`, [takenDown]);
    expect(await convertDocument(ctx.deps, converter, jobFor(takenDown))).toBe('skipped');
    expect(await row(takenDown)).toMatchObject({ status: 'taken_down', attempts: 0, storedPages: 0, pages: null });

    const deleted = await newDocument();
    await ctx.deps.db.pool.query('UPDATE documents SET deleted_at = now() WHERE id = $1', [deleted]);
    expect(await convertDocument(ctx.deps, converter, jobFor(deleted))).toBe('skipped');
    expect(await row(deleted)).toMatchObject({ status: 'processing', attempts: 0, storedPages: 0 });
  });

  it('when a document is taken down during its conversion, then the result is discarded', async () => {
    const id = await newDocument();
    const gate = gatedConverter();
    const running = convertDocument(ctx.deps, gate.converter, jobFor(id));
    await gate.started;
    await ctx.deps.db.pool.query(`UPDATE documents SET taken_down_at = now() WHERE id = $1`, [id]);
    gate.release(fakeResult('不该出现'));
    expect(await running).toBe('skipped');
    expect(await row(id)).toMatchObject({ status: 'taken_down', pages: null, storedPages: 0 });
  });
});

describe('start-up sweep', () => {
  it('when old temporary files and orphan blobs are lying around, then the sweep removes those and keeps young and referenced ones', async () => {
    const now = Date.now();
    const tmp = uploadTempDir(ctx.deps.config);
    mkdirSync(path.join(tmp, 'converter'), { recursive: true });
    const old = new Date(now - SWEEP_GRACE_MS - 60_000);
    for (const name of ['upload-old', 'upload-young', 'convert-old']) writeFileSync(path.join(tmp, name), 'x');
    utimesSync(path.join(tmp, 'upload-old'), old, old);
    utimesSync(path.join(tmp, 'convert-old'), old, old);
    utimesSync(path.join(tmp, 'converter'), old, old);
    const orphanOld = newBlobKey(now - SWEEP_GRACE_MS - 60_000);
    const orphanYoung = newBlobKey(now);
    for (const key of [orphanOld, orphanYoung]) {
      writeFileSync(path.join(tmp, 'blob-src'), 'orphan');
      await ctx.deps.blobs.putFile(key, path.join(tmp, 'blob-src'));
    }
    const referenced = (await ctx.deps.db.pool.query('SELECT blob_key FROM documents')).rows.map((r) => r.blob_key as string);

    const report = await sweepDocuments(ctx.deps);
    expect(report).toMatchObject({ tempFilesRemoved: 2, orphanBlobsRemoved: 1 });
    expect(existsSync(path.join(tmp, 'upload-old'))).toBe(false);
    expect(existsSync(path.join(tmp, 'convert-old'))).toBe(false);
    expect(existsSync(path.join(tmp, 'upload-young'))).toBe(true);
    expect(existsSync(path.join(tmp, 'converter'))).toBe(true);
    const keys = await blobKeys(ctx);
    expect(keys).not.toContain(orphanOld);
    expect(keys).toContain(orphanYoung);
    expect(keys).toEqual(expect.arrayContaining(referenced));
  });

  it('when a process dies mid-upload, then the start-up sweep removes its partial file at once and keeps a live process\'s upload in flight', async () => {
    const dying = spawnWorkerProcess('idle');
    const alive = spawnWorkerProcess('idle');
    try {
      const [deadFile, liveFile] = await Promise.all([dying.partial(), alive.partial()]);
      expect([existsSync(deadFile), existsSync(liveFile)]).toEqual([true, true]);
      const deadOwner = parseOwner(path.basename(deadFile))!;
      const liveOwner = parseOwner(path.basename(liveFile))!;
      expect(deadOwner.pid).toBe(dying.pid);
      // The dead process's converter folder, and a live one's with an empty job folder left over.
      const converterDir = path.join(uploadTempDir(ctx.deps.config), 'converter');
      const deadDir = path.join(converterDir, ownerTag(deadOwner));
      const liveDir = path.join(converterDir, ownerTag(liveOwner));
      mkdirSync(path.join(deadDir, 'job-abc'), { recursive: true });
      writeFileSync(path.join(deadDir, 'job-abc', 'out.docx'), 'x');
      mkdirSync(path.join(liveDir, 'job-empty'), { recursive: true });
      mkdirSync(path.join(liveDir, 'job-busy'), { recursive: true });
      writeFileSync(path.join(liveDir, 'job-busy', 'in.doc'), 'x');
      const old = new Date(Date.now() - 11 * 60_000);
      utimesSync(path.join(liveDir, 'job-empty'), old, old);
      utimesSync(path.join(liveDir, 'job-busy'), old, old);

      await dying.kill();
      // No grace period: the file is seconds old, but its owner is gone.
      const report = await sweepDocuments(ctx.deps);
      expect({ dead: existsSync(deadFile), deadDir: existsSync(deadDir), live: existsSync(liveFile), empty: existsSync(path.join(liveDir, 'job-empty')) }).toEqual({ dead: false, deadDir: false, live: true, empty: false });
      expect(report.tempFilesRemoved).toBe(3);
      expect(existsSync(deadFile)).toBe(false);
      expect(existsSync(deadDir)).toBe(false);
      expect(existsSync(liveFile)).toBe(true);
      expect(existsSync(path.join(liveDir, 'job-empty'))).toBe(false);
      expect(existsSync(path.join(liveDir, 'job-busy', 'in.doc'))).toBe(true);
      expect(await heartbeatRow(dying.pid)).toBeUndefined();
      expect(await heartbeatRow(alive.pid)).toMatchObject({ bootId: liveOwner.bootId });
    } finally {
      await dying.kill();
      await alive.kill();
    }
  });

  it('when a processing document lost its job, then the sweep enqueues it again, or fails it once every attempt has died', async () => {
    const lost = await newDocument();
    const exhausted = await newDocument();
    await ctx.deps.db.pool.query(`DELETE FROM pgboss.job WHERE singleton_key = ANY($1::text[])`, [[`document:${lost}`, `document:${exhausted}`]]);
    await ctx.deps.db.pool.query('UPDATE documents SET conversion_attempts = 3 WHERE id = $1', [exhausted]);

    const report = await sweepDocuments(ctx.deps);
    expect(report.conversionsRequeued).toBe(1);
    expect(report.conversionsFailed).toBe(1);
    expect(await jobStates(lost)).toEqual([{ state: 'created', retryCount: 0 }]);
    expect(await row(exhausted)).toMatchObject({ status: 'failed', failureReason: RETRIES_EXHAUSTED_REASON });
    // A second sweep finds nothing more to do: the job is queued once.
    expect((await sweepDocuments(ctx.deps)).conversionsRequeued).toBe(0);
    expect(await jobStates(lost)).toHaveLength(1);
  });
});
