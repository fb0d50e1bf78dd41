// The page preview on BLOB_STORE=s3: a conversion worker with a DATA_DIR of its own renders the
// PDF, page images and thumbnail into the bucket; the web side (another DATA_DIR, its own S3
// client) serves them, renders a further page on demand from the bucket's PDF, and keeps no
// file of either on any disk. Conversions are real (LibreOffice, MuPDF), as in page-preview.test.ts.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, testConfig, type TestContext } from '../../test/app.js';
import { startS3Server, type TestS3Server } from '../../test/s3-server.js';
import { createConverter, type Converter } from '../conversion/index.js';
import type { AppDeps } from '../deps.js';
import { startConversionWorker, type ConversionWorker } from '../documents/conversion.worker.js';
import { SEED_DOC, upload, waitForConversion } from '../documents/test-support.js';
import { uploadTempDir } from '../documents/upload-storage.js';
import { createBlobStore } from './index.js';
import { S3BlobStore } from './s3-blob-store.js';

let s3: TestS3Server;
let web: TestContext;
let workerDeps: AppDeps;
let converter: Converter;
let worker: ConversionWorker;
let workerDataDir: string;
let id: number;

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

beforeAll(async () => {
  s3 = await startS3Server();
  const env = s3.env(s3.newBucket());
  web = await createTestContext(env);
  // The worker: the same database and queue, its own settings, DATA_DIR and S3 client.
  workerDataDir = mkdtempSync(path.join(tmpdir(), 'wenku-s3-worker-'));
  const config = testConfig(workerDataDir, env);
  workerDeps = { ...web.deps, config, blobs: createBlobStore(config) };
  converter = createConverter({ workDir: path.join(uploadTempDir(config), 'converter'), log: web.deps.log, concurrency: 1 });
  worker = await startConversionWorker(workerDeps, { converter, concurrency: 1 });
  const author = await registerUser(web);
  const res = await upload(web, author.token, SEED_DOC);
  expect(res.status).toBe(202);
  id = res.body.document.id as number;
  expect((await waitForConversion(web, id, 180_000)).status).toBe('ready');
}, 240_000);

afterAll(async () => {
  await worker?.stop();
  await converter?.close();
  workerDeps?.blobs.close?.();
  await web?.close();
  await s3?.stop();
  if (workerDataDir) rmSync(workerDataDir, { recursive: true, force: true });
});

const binary = (url: string, headers: Record<string, string> = {}) =>
  web
    .http()
    .get(url)
    .set(headers)
    .buffer(true)
    .parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });

async function objectBytes(key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of web.deps.blobs.createReadStream(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const previewRow = async () =>
  (
    await web.deps.db.pool.query<{ pdfKey: string; thumbnailKey: string }>(
      'SELECT pdf_key AS "pdfKey", thumbnail_key AS "thumbnailKey" FROM documents WHERE id = $1',
      [id],
    )
  ).rows[0]!;
const imageKey = async (n: number) =>
  (await web.deps.db.pool.query<{ key: string | null }>('SELECT image_key AS key FROM document_page_images WHERE document_id = $1 AND number = $2', [id, n]))
    .rows[0]!.key;

/** Every file below a DATA_DIR (recursively, relative names) but the embedded database, the secrets and LibreOffice's own profile. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .filter((f) => !f.startsWith('pgdata/') && f !== 'secrets.json' && !/^tmp\/converter\/lo-\d+\//.test(f));
}

describe('page preview with BLOB_STORE=s3, worker and web sharing no disk', () => {
  it('when a worker converted the document, then the PDF, the free pages and the thumbnail are objects in the bucket and on neither disk', async () => {
    expect(web.deps.blobs).toBeInstanceOf(S3BlobStore);
    expect(workerDeps.blobs).not.toBe(web.deps.blobs);
    const row = await previewRow();
    const keys = [row.pdfKey, row.thumbnailKey, await imageKey(1), await imageKey(2), await imageKey(3)];
    for (const key of keys) {
      expect(key).toBeTruthy();
      expect((await web.deps.blobs.stat(key!))?.size).toBeGreaterThan(0);
    }
    // Nothing stored on either machine's disk, and nothing left in the worker's temporary folders.
    for (const dir of [web.deps.config.dataDir, workerDataDir]) {
      expect(filesBelow(dir), dir).toEqual([]);
    }
  });

  it('when the web side serves a free page and the thumbnail, then they are the bucket\'s bytes, streamed with their length and cache headers', async () => {
    const page = await binary(`/api/v1/documents/${id}/pages/1/image?v=1`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('image/png');
    expect(page.headers['cache-control']).toBe('public, max-age=60, s-maxage=30');
    const stored = await objectBytes((await imageKey(1))!);
    expect(Buffer.compare(page.body as Buffer, stored)).toBe(0);
    expect(page.headers['content-length']).toBe(String(stored.length));
    // A revalidation is answered by the app without the store.
    const again = await binary(`/api/v1/documents/${id}/pages/1/image?v=1`, { 'if-none-match': page.headers.etag! });
    expect(again.status).toBe(304);

    const thumb = await binary(`/api/v1/documents/${id}/thumbnail`);
    expect(thumb.status).toBe(200);
    expect((thumb.body as Buffer).subarray(0, 4)).toEqual(PNG);
    expect(Buffer.compare(thumb.body as Buffer, await objectBytes((await previewRow()).thumbnailKey))).toBe(0);

    const text = await web.http().get(`/api/v1/documents/${id}/pages/1/text`);
    expect(text.status).toBe(200);
    expect((text.body.lines as Array<{ text: string }>).map((l) => l.text).join('').replace(/\s/g, '')).toContain('政法稳定工作');
  });

  it('when a page not rendered at conversion is asked for, then the web side renders it from the bucket\'s PDF into the bucket', async () => {
    expect(await imageKey(6)).toBeNull();
    const res = await binary(`/api/v1/documents/${id}/pages/6/image`);
    expect(res.status).toBe(200);
    expect((res.body as Buffer).subarray(0, 4)).toEqual(PNG);
    const key = await imageKey(6);
    expect(key).toBeTruthy();
    expect(Buffer.compare(res.body as Buffer, await objectBytes(key!))).toBe(0);
    // The PDF's temporary copy and the render are gone from the web side's disk.
    expect(filesBelow(web.deps.config.dataDir)).toEqual([]);
  });

  it('when a page\'s object is missing from the bucket, then 404 in the contract\'s format, never cached', async () => {
    await web.deps.blobs.delete((await imageKey(2))!);
    const res = await web.http().get(`/api/v1/documents/${id}/pages/2/image`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers.etag ?? '').not.toMatch(/^"p/); // not the image's ETag (Express tags the JSON body itself)
  });
});
