// Page-render folders (`pages_*`, one per on-demand render in DATA_DIR/tmp) are swept (issue 27
// item 10): a killed process's at once, a live process's only once no render can still be using
// it (older than RENDER_DIR_GRACE_MS); a running render's folder is kept.
import { spawnSync } from 'node:child_process';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, type TestContext } from '../../test/app.js';
import { ownedName } from '../jobs/liveness.js';
import { renderDir } from './page-images.js';
import { RENDER_DIR_GRACE_MS, sweepTemporaryFiles } from './sweep.service.js';
import { uploadTempDir } from './upload-storage.js';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.deps.jobs.start(); // this process's heartbeat, as a web process has
}, 120_000);
afterAll(async () => {
  await ctx?.close();
});

describe('the render-folder sweep', () => {
  it('when a killed process left render folders and a live one has a running and a forgotten one, then the dead and forgotten go and the running one stays', async () => {
    const tmp = uploadTempDir(ctx.deps.config);
    // A process that ran on this host and is gone (its pid no longer runs).
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadDir = path.join(tmp, `${ownedName('pages', { host: hostname(), pid: Number(dead.stdout), bootId: randomUUID() })}-abc123`);
    await mkdir(deadDir, { recursive: true });
    await writeFile(path.join(deadDir, 'doc.pdf'), 'partial copy');
    const running = await renderDir(ctx.deps);
    await writeFile(path.join(running, 'page-1.png'), 'rendering');
    const forgotten = await renderDir(ctx.deps);
    const old = new Date(Date.now() - RENDER_DIR_GRACE_MS - 60_000);
    await utimes(forgotten, old, old);

    const removed = await sweepTemporaryFiles(ctx.deps);
    const left = await readdir(tmp);
    expect(left).not.toContain(path.basename(deadDir));
    expect(left).not.toContain(path.basename(forgotten));
    expect(left).toContain(path.basename(running));
    expect(removed).toBe(2);
  });
});
