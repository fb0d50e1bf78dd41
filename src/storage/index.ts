// The BlobStore the settings ask for: files in DATA_DIR/blobs, or an S3-compatible bucket.
import path from 'node:path';
import type { Config } from '../config.js';
import type { BlobStore } from './blob-store.js';
import { LocalBlobStore } from './local-blob-store.js';
import { S3BlobStore } from './s3-blob-store.js';

export function createBlobStore(config: Pick<Config, 'dataDir' | 'blobStore'>): BlobStore {
  const settings = config.blobStore;
  if (settings.kind === 'local') return new LocalBlobStore(path.join(config.dataDir, 'blobs'));
  return new S3BlobStore({
    bucket: settings.bucket,
    region: settings.region,
    endpoint: settings.endpoint,
    publicEndpoint: settings.publicEndpoint,
    credentials: settings.credentials,
    forcePathStyle: settings.forcePathStyle,
  });
}

/** Start-up check: an unreachable bucket stops the process with the store's error, not the first upload. */
export async function prepareBlobStore(blobs: BlobStore, options: { create: boolean }): Promise<void> {
  if (blobs instanceof S3BlobStore) await blobs.ready(options);
}
