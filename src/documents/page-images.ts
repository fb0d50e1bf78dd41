// Rendering page images from a document's stored PDF into the BlobStore: eagerly at conversion
// (the free pages and the thumbnail), on demand for entitled readers. The PDF itself is only
// ever read here, never served.
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { AppDeps } from '../deps.js';
import { renderPages, renderThumbnail, PAGE_WIDTH_PX } from '../conversion/index.js';
import { ownedName } from '../jobs/liveness.js';
import { newBlobKey } from './upload.service.js';
import { uploadTempDir } from './upload-storage.js';

type Deps = Pick<AppDeps, 'config' | 'blobs' | 'log' | 'jobs'>;

/** Free documents: this many pages are rendered at conversion (the rest on demand). */
export const FREE_DOCUMENT_EAGER_PAGES = 3;
/** Never more than this many pages rendered eagerly, whatever freePreviewPages says. */
export const MAX_EAGER_PAGES = 20;

/** The pages rendered at conversion: the free preview pages (or the first few of a free document). */
export function eagerPages(doc: { priceCents: number; freePreviewPages: number }, previewPages: number): number[] {
  const n = Math.min(previewPages, MAX_EAGER_PAGES, doc.priceCents === 0 ? FREE_DOCUMENT_EAGER_PAGES : doc.freePreviewPages);
  return Array.from({ length: Math.max(0, n) }, (_, i) => i + 1);
}

/** A temporary folder of this process (the sweep removes a dead process's). */
export async function renderDir(deps: Pick<AppDeps, 'config' | 'jobs'>): Promise<string> {
  const base = uploadTempDir(deps.config);
  await mkdir(base, { recursive: true });
  return mkdtemp(path.join(base, `${ownedName('pages', deps.jobs.identity)}-`));
}

/** Renders `pages` of a local PDF and stores each image; number → blob key (failed pages left out). */
export async function renderAndStore(deps: Deps, pdfPath: string, pages: number[], dir: string): Promise<Map<number, string>> {
  const keys = new Map<number, string>();
  if (pages.length === 0) return keys;
  const rendered = await renderPages(pdfPath, pages, { outDir: dir, widthPx: PAGE_WIDTH_PX, watermark: deps.config.previewWatermark });
  for (const page of rendered) {
    const key = newBlobKey();
    await deps.blobs.putFile(key, page.file);
    keys.set(page.number, key);
  }
  return keys;
}

/** The first page's thumbnail, stored; its blob key. */
export async function storeThumbnail(deps: Deps, pdfPath: string, dir: string): Promise<string> {
  const thumb = await renderThumbnail(pdfPath, path.join(dir, 'thumbnail.png'));
  const key = newBlobKey();
  await deps.blobs.putFile(key, thumb.file);
  return key;
}

/** Runs `work` on a local path of the blob: the store's own when it has one, else a temporary copy in `dir`. */
export async function withLocalBlob<T>(deps: Deps, key: string, dir: string, work: (filePath: string) => Promise<T>): Promise<T> {
  const local = deps.blobs.localPath?.(key);
  if (local) return work(local);
  const copy = path.join(dir, 'doc.pdf');
  await pipeline(deps.blobs.createReadStream(key), createWriteStream(copy, { mode: 0o600 }));
  return work(copy);
}

/** Removes blobs no row points to any more (best effort: the sweep removes what is left). */
export async function deleteBlobs(deps: Deps, keys: Iterable<string>): Promise<void> {
  for (const key of keys) {
    await deps.blobs.delete(key).catch((err: unknown) => deps.log.warn({ err, key }, 'could not remove a page blob'));
  }
}

export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
