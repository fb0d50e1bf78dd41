// The fair share when accounts are cheap (issue 27 item 6): a slot goes to an uploader with
// nothing running before any uploader who already has one, however many accounts queue.
// Jobs are handed to convertDocument one by one (as a freed slot takes the queue's next job),
// so the order is exact, with no timing involved.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import type { ConversionResult, Converter } from '../conversion/index.js';
import type { ConversionJob } from '../jobs/queue.js';
import { convertDocument } from './conversion.service.js';
import { count, SEED_DOC, upload } from './test-support.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext({}, { jobs: { leaseSeconds: 300 } });
});
afterAll(async () => {
  await ctx?.close();
});
afterEach(async () => {
  // Each test starts with an empty queue: what it left waiting or running is deleted.
  await ctx.deps.db.pool.query(`UPDATE documents SET deleted_at = now() WHERE status = 'processing' AND deleted_at IS NULL`);
});

const jobFor = (documentId: number): ConversionJob => ({ id: `test-${documentId}`, documentId, retryCount: 0, finalAttempt: false });

/** Which document each stored file belongs to (the converter is handed the file's path). */
const byPath = new Map<string, number>();
let padding = 0;
async function uploadAs(token: string): Promise<number> {
  // Different bytes per upload: another account's copy of the same file would be a duplicate.
  const bytes = Buffer.concat([readFileSync(SEED_DOC), Buffer.alloc(512 * ++padding)]);
  const res = await upload(ctx, token, bytes, { filename: 'seed.doc' });
  expect(res.status).toBe(202);
  const id = res.body.document.id as number;
  const { rows } = await ctx.deps.db.pool.query<{ key: string }>('SELECT blob_key AS key FROM documents WHERE id = $1', [id]);
  byPath.set(ctx.deps.blobs.localPath!(rows[0]!.key)!, id);
  return id;
}

async function uploaderWith(files: number): Promise<number[]> {
  const { token } = await registerUser(ctx);
  const ids: number[] = [];
  for (let i = 0; i < files; i++) ids.push(await uploadAs(token));
  return ids;
}

/** Claims the documents as a live attempt of this (live) process would: they count as running. */
async function markRunning(ids: number[]): Promise<void> {
  for (const id of ids) {
    await ctx.deps.db.pool.query(
      `UPDATE documents SET conversion_claim = $2, conversion_claimed_until = now() + interval '5 minutes',
         conversion_boot_id = $3, conversion_attempts = 1 WHERE id = $1`,
      [id, randomUUID(), ctx.deps.jobs.identity.bootId],
    );
  }
}

/** The live conversion slots summed over the heartbeat rows: only this process's here. */
async function setSlots(slots: number): Promise<void> {
  await ctx.deps.jobs.start();
  await ctx.deps.jobs.heartbeat.setSlots(slots);
}

const result: ConversionResult = {
  pages: ['<p>公平</p>'], pageCount: 1, wordCount: 2, text: '公平', properties: { title: null, author: null }, simplified: false, warnings: [],
};

/** A converter that records which document it converted (optionally held until released). */
function recordingConverter(gate?: Promise<void>) {
  const converted: number[] = [];
  const converter: Converter = {
    async convert(input) {
      converted.push(byPath.get(input.filePath)!);
      await gate;
      return result;
    },
    close: async () => {},
  };
  return { converter, converted };
}

const stateOf = async (id: number) =>
  (await ctx.deps.db.pool.query<{ status: string; attempts: number; claimed: boolean }>(
    'SELECT status, conversion_attempts AS attempts, conversion_claim IS NOT NULL AS claimed FROM documents WHERE id = $1',
    [id],
  )).rows[0];

describe('fair share between cheap accounts', () => {
  it('when two accounts each run one conversion with more queued (2 slots), then a third uploader\'s one file takes the next slot', async () => {
    await setSlots(2);
    const [a1, a2, a3] = await uploaderWith(3);
    const [b1, b2, b3] = await uploaderWith(3);
    const [c1] = await uploaderWith(1);
    await markRunning([a1!, b1!]);
    const { converter, converted } = recordingConverter();

    // The slot frees and takes the queue's next job, the oldest: A's second file.
    expect(await convertDocument(ctx.deps, converter, jobFor(a2!))).toBe('ready');
    expect(converted).toEqual([c1]);
    expect(await stateOf(c1!)).toMatchObject({ status: 'ready', attempts: 1, claimed: false });
    // A's file gave way without using an attempt, and keeps a job for its turn.
    expect(await stateOf(a2!)).toMatchObject({ status: 'processing', attempts: 0, claimed: false });
    expect(await ctx.deps.jobs.hasPendingConversion(ctx.deps.db.pool, a2!)).toBe(true);

    // With C done, A and B each still hold their one share: nothing more of theirs starts.
    expect(await convertDocument(ctx.deps, converter, jobFor(b2!))).toBe('deferred');
    expect(converted).toEqual([c1]);
    for (const id of [a2, a3, b2, b3]) expect(await stateOf(id!)).toMatchObject({ status: 'processing', attempts: 0, claimed: false });
  });

  it('when A runs 3 and B and C wait with one file each (C\'s older), then the slots go to C, then B, before any more of A', async () => {
    await setSlots(5); // A's share is 4: A could take a fourth slot
    const [a1, a2, a3, a4, a5] = await uploaderWith(5);
    const [c1] = await uploaderWith(1);
    const [b1] = await uploaderWith(1);
    await markRunning([a1!, a2!, a3!]);
    const { converter, converted } = recordingConverter();

    // Each freed slot takes the queue's next job; A's are the oldest.
    for (const job of [a4!, a5!, a4!]) expect(await convertDocument(ctx.deps, converter, jobFor(job))).toBe('ready');
    expect(converted).toEqual([c1, b1, a4]);
    expect(await stateOf(a5!)).toMatchObject({ status: 'processing', attempts: 0, claimed: false });
    expect(await ctx.deps.jobs.hasPendingConversion(ctx.deps.db.pool, a5!)).toBe(true);
    expect(await count(ctx, `documents WHERE id = ANY($1::bigint[]) AND status = 'ready'`, [[c1, b1, a4]])).toBe(3);
  });

  it('when two slots claim at the same moment, then they take two different uploaders\' files, never one uploader\'s two', async () => {
    await setSlots(10);
    const [a1, a2] = await uploaderWith(2);
    const [b1, b2] = await uploaderWith(2);
    const [c1] = await uploaderWith(1);
    await markRunning([a1!]);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { converter, converted } = recordingConverter(gate);

    // Both slots are handed A's queued job and B's first; B's first and C's file have nothing running.
    const running = [convertDocument(ctx.deps, converter, jobFor(a2!)), convertDocument(ctx.deps, converter, jobFor(b1!))];
    const until = Date.now() + 30_000;
    while (converted.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(await count(ctx, `documents WHERE id = ANY($1::bigint[]) AND conversion_claim IS NOT NULL`, [[a2, b1, b2, c1]])).toBe(2);
    release();
    expect(await Promise.all(running)).toEqual(['ready', 'ready']);
    expect(converted.sort((x, y) => x - y)).toEqual([b1, c1]);
    expect(await stateOf(b2!)).toMatchObject({ status: 'processing', attempts: 0 });
    expect(await stateOf(a2!)).toMatchObject({ status: 'processing', attempts: 0 });
  });
});
