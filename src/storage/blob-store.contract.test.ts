// One contract, every BlobStore: the same tests run on local disk and on an S3 protocol server
// (s3rver on loopback), so the object store can replace the disk without the callers noticing.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type TestS3Server } from '../../test/s3-server.js';
import type { BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'wenku-blob-contract-'));
let s3: TestS3Server;

beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => {
  await s3.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function tempFile(bytes: Buffer): string {
  const file = path.join(scratch, `f-${randomBytes(6).toString('hex')}`);
  writeFileSync(file, bytes);
  return file;
}
const key = () => `k${randomBytes(12).toString('hex')}`;
async function readAll(store: BlobStore, k: string, range?: { start: number; end: number }): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of store.createReadStream(k, range)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const stores: Array<[string, () => Promise<BlobStore>]> = [
  ['local', async () => new LocalBlobStore(mkdtempSync(path.join(scratch, 'root-')))],
  [
    's3',
    async () => {
      // A page of 3 keys, so listing ten keys walks several ListObjectsV2 continuation pages.
      const store = new S3BlobStore({
        bucket: s3.newBucket(),
        region: 'us-east-1',
        endpoint: s3.endpoint,
        credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
        forcePathStyle: true,
        listPageSize: 3,
      });
      await store.ready({ create: true });
      return store;
    },
  ],
];

describe.each(stores)('BlobStore contract: %s', (_name, make) => {
  let store: BlobStore;
  beforeAll(async () => {
    store = await make();
  });
  afterAll(() => store.close?.());

  it('when a file is put, then stat gives its size, a read gives its bytes, and the local file is gone', async () => {
    const bytes = randomBytes(70_001);
    const file = tempFile(bytes);
    const k = key();
    await store.putFile(k, file);
    expect(existsSync(file)).toBe(false);
    expect(await store.stat(k)).toEqual({ size: bytes.length });
    expect(sha(await readAll(store, k))).toBe(sha(bytes));
  });

  // (Not bytes=0-0: s3rver reads an end of 0 as "to the end"; real S3 and MinIO do not.)
  it('when a byte range is read, then exactly the inclusive bytes [start, end] come back', async () => {
    const bytes = randomBytes(10_000);
    const k = key();
    await store.putFile(k, tempFile(bytes));
    expect((await readAll(store, k, { start: 0, end: 1 })).equals(bytes.subarray(0, 2))).toBe(true);
    expect((await readAll(store, k, { start: 1234, end: 5678 })).equals(bytes.subarray(1234, 5679))).toBe(true);
    expect((await readAll(store, k, { start: 9_990, end: 9_999 })).equals(bytes.subarray(9_990))).toBe(true);
  });

  it('when a file larger than one multipart part is put, then it reads back whole, byte for byte', async () => {
    // 20 MiB: three parts of the S3 store's multipart upload (8 MiB each).
    const bytes = randomBytes(20 * 1024 * 1024 + 17);
    const k = key();
    await store.putFile(k, tempFile(bytes));
    expect(await store.stat(k)).toEqual({ size: bytes.length });
    expect(sha(await readAll(store, k))).toBe(sha(bytes));
  });

  it('when a key does not exist, then stat is null and a read fails with ENOENT', async () => {
    const k = key();
    expect(await store.stat(k)).toBeNull();
    await expect(readAll(store, k)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('when a blob is deleted, then it is gone, and deleting it again is no error', async () => {
    const k = key();
    await store.putFile(k, tempFile(Buffer.from('bye')));
    await store.delete(k);
    expect(await store.stat(k)).toBeNull();
    await expect(store.delete(k)).resolves.toBeUndefined();
  });

  it('when keys are listed, then every stored key comes exactly once', async () => {
    const fresh = await make();
    const keys = Array.from({ length: 10 }, key);
    for (const k of keys) await fresh.putFile(k, tempFile(Buffer.from(k)));
    const listed: string[] = [];
    for await (const k of fresh.listKeys()) listed.push(k);
    expect(listed.sort()).toEqual([...keys].sort());
    fresh.close?.();
  });

  it('when a key is not one of ours (path tricks), then the store refuses it', async () => {
    const file = tempFile(Buffer.from('x'));
    await expect(store.putFile('../etc/passwd', file)).rejects.toThrow(/invalid blob key/);
    await expect(store.stat('a/../../b')).rejects.toThrow(/invalid blob key/);
  });
});

describe('S3 presigned downloads', () => {
  let store: S3BlobStore;
  beforeAll(async () => {
    store = (await stores[1]![1]()) as S3BlobStore;
  });
  afterAll(() => store.close());

  it('when a signed URL is fetched, then the store answers with the forced name and type, and Range works', async () => {
    const bytes = randomBytes(4096);
    const k = key();
    await store.putFile(k, tempFile(bytes));
    const disposition = `attachment; filename="a.doc"; filename*=UTF-8''%E8%AE%B2%E8%AF%9D.doc`;
    const url = await store.signedGetUrl(k, { expiresInSeconds: 10, contentDisposition: disposition, contentType: 'application/msword' });
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-disposition')).toBe(disposition);
    expect(whole.headers.get('content-type')).toBe('application/msword');
    expect(Buffer.from(await whole.arrayBuffer()).equals(bytes)).toBe(true);
    const part = await fetch(url, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/4096');
    expect(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(100, 200))).toBe(true);
  });

  it('when a signed URL has expired, then the store refuses it', async () => {
    const k = key();
    await store.putFile(k, tempFile(Buffer.from('secret')));
    const url = await store.signedGetUrl(k, { expiresInSeconds: 1, contentDisposition: 'attachment', contentType: 'text/plain' });
    await new Promise((r) => setTimeout(r, 2_100));
    const res = await fetch(url);
    expect(res.status).toBe(403);
    expect(await text(res.body as unknown as NodeJS.ReadableStream)).not.toContain('secret');
  });

});
