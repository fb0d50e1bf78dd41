import { spawn } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { ConversionError, type ConversionResult, type Converter } from '../conversion/index.js';
import { JobQueue, type ConversionJob } from '../jobs/queue.js';
import { convertDocument, DocumentBusyError, RETRIES_EXHAUSTED_REASON } from './conversion.service.js';
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

async function newDocument(fields: Record<string, string> = {}): Promise<number> {
  const { token } = await registerUser(ctx);
  const res = await upload(ctx, token, SEED_DOC, { fields });
  expect(res.status).toBe(202);
  return res.body.document.id;
}

const row = async (id: number) =>
  (await ctx.deps.db.pool.query(
    `SELECT status, title, pages, failure_reason AS "failureReason", conversion_attempts AS attempts, conversion_claim AS claim,
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

describe('crashes and leases', () => {
  it('when the worker process is killed mid-conversion, then after the lease another worker converts the document', async () => {
    const id = await newDocument();
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ctx.deps.db.connectionString, ctx.deps.config.dataDir, String(LEASE_SECONDS)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<void>((r) => child.on('exit', () => r()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the crash worker never started converting: ${stderr}`)), 60_000);
        child.stdout.on('data', (c: Buffer) => c.toString().includes('converting') && (clearTimeout(timer), resolve()));
        child.on('exit', (code) => reject(new Error(`crash worker exited early (${code}): ${stderr}`)));
      });
      expect(await jobStates(id)).toEqual([{ state: 'active', retryCount: 0 }]);
      expect(await row(id)).toMatchObject({ status: 'processing', attempts: 1, claim: expect.any(String) });
    } finally {
      child.kill('SIGKILL');
      await exited;
    }

    // A second worker, which also runs the queue's maintenance (expiring lost leases).
    const queue = otherQueue({ supervise: true, maintenanceIntervalSeconds: 1 });
    const worker = await startTestWorker({ ...ctx, deps: { ...ctx.deps, jobs: queue } }, converter);
    try {
      expect(await waitForConversion(ctx, id, 60_000)).toEqual({ status: 'ready', failureReason: null });
    } finally {
      await worker.stop(5_000);
    }
    expect(await row(id)).toMatchObject({ status: 'ready', title: SEED_TITLE, pages: 8, attempts: 2, claim: null });
    expect(await jobStates(id)).toEqual([{ state: 'completed', retryCount: 1 }]);
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
  });
});

describe('documents that change while waiting', () => {
  it('when a document is taken down or deleted before its turn, then the job leaves it alone', async () => {
    const takenDown = await newDocument();
    await ctx.deps.db.pool.query(`UPDATE documents SET status = 'taken_down', taken_down_at = now() WHERE id = $1`, [takenDown]);
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
    await ctx.deps.db.pool.query(`UPDATE documents SET status = 'taken_down', taken_down_at = now() WHERE id = $1`, [id]);
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
