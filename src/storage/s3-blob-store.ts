// Blobs in S3-compatible object storage (AWS S3, Aliyun OSS, Tencent COS, MinIO). Uploads go up
// as streamed multipart uploads from the hashed temporary file, never whole in memory; reads are
// ranged GETs; downloads are handed to the store itself through short-lived presigned URLs.
import { createReadStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { PassThrough, Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BlobInfo, BlobStore, SignedGetOptions } from './blob-store.js';

const KEY_PATTERN = /^[a-z0-9][a-z0-9/_-]{0,200}$/i;
// 8 MiB parts, two in flight: at most ~16 MiB of an upload in memory, whatever its size.
const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

export interface S3BlobStoreOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  /** The endpoint clients reach the store by (presigned URLs); defaults to `endpoint`. */
  publicEndpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle?: boolean;
  /** Keys listed per ListObjectsV2 page (the sweep pages through the bucket). */
  listPageSize?: number;
}

const isNotFound = (err: unknown) => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.name === 'NoSuchBucket' || e?.$metadata?.httpStatusCode === 404;
};

export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly signer: S3Client;
  private readonly bucket: string;
  private readonly listPageSize: number;

  constructor(options: S3BlobStoreOptions) {
    const base: S3ClientConfig = {
      region: options.region,
      forcePathStyle: options.forcePathStyle ?? false,
      ...(options.credentials ? { credentials: options.credentials } : {}),
    };
    this.client = new S3Client({ ...base, ...(options.endpoint ? { endpoint: options.endpoint } : {}) });
    const publicEndpoint = options.publicEndpoint ?? options.endpoint;
    this.signer =
      publicEndpoint === options.endpoint ? this.client : new S3Client({ ...base, ...(publicEndpoint ? { endpoint: publicEndpoint } : {}) });
    this.bucket = options.bucket;
    this.listPageSize = options.listPageSize ?? 1000;
  }

  private check(key: string): string {
    if (!KEY_PATTERN.test(key) || key.includes('..')) throw new Error(`invalid blob key ${key}`);
    return key;
  }

  /** Checks the bucket is reachable; creates it when `create` and it does not exist (MinIO in docker-compose, tests). */
  async ready(options: { create?: boolean } = {}): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      if (!options.create || !isNotFound(err)) throw err;
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  async putFile(key: string, localPath: string): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.check(key), Body: createReadStream(localPath) },
      partSize: PART_SIZE,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    await upload.done();
    await unlink(localPath);
  }

  createReadStream(key: string, range?: { start: number; end: number }): Readable {
    // The interface hands back a stream at once; the GET's body is piped into it when it answers.
    const out = new PassThrough();
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.check(key),
      ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
    });
    this.client.send(command).then(
      (res) => {
        const body = res.Body as Readable | undefined;
        if (!body) return out.end();
        body.on('error', (err) => out.destroy(err));
        out.on('close', () => body.destroy());
        body.pipe(out);
      },
      (err: unknown) => {
        const error = isNotFound(err) ? Object.assign(new Error(`blob ${key} not found`), { code: 'ENOENT' }) : (err as Error);
        out.destroy(error);
      },
    );
    return out;
  }

  async stat(key: string): Promise<BlobInfo | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.check(key) }));
      return { size: head.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for a key that is not there, like rm --force.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.check(key) }));
  }

  async *listKeys(): AsyncIterable<string> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, MaxKeys: this.listPageSize, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key) yield object.Key;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async signedGetUrl(key: string, options: SignedGetOptions): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.check(key),
      ResponseContentDisposition: options.contentDisposition,
      ResponseContentType: options.contentType,
      ResponseCacheControl: 'private, no-store',
    });
    return getSignedUrl(this.signer, command, { expiresIn: options.expiresInSeconds });
  }

  close(): void {
    this.client.destroy();
    if (this.signer !== this.client) this.signer.destroy();
  }
}
