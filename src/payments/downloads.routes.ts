// GET/HEAD /dl/:token — the download link itself. A bearer credential for its short life, so
// browsers and download managers can fetch and resume it without a session.
import { pipeline } from 'node:stream/promises';
import type { Request, RequestHandler, Response } from 'express';
import type { AppDeps } from '../deps.js';
import { AppError, notFound } from '../errors.js';
import { contentDisposition, contentTypeOf, downloadFileName, ifRangeMatches, parseRange } from './delivery.js';
import type { DownloadClaims } from './download-tokens.js';
import { authorizeDelivery, recordDownload } from './downloads.service.js';
import type { SaleDocumentRow } from './sale-documents.repo.js';

/** Life of a presigned object-storage URL: long enough to follow the redirect, too short to share. */
const SIGNED_URL_SECONDS = 15;

/** The handler of GET (and HEAD: Express answers it with the GET route) /dl/:token, mounted in app.ts. */
export function downloadLinkHandler(deps: AppDeps): RequestHandler {
  return async (req, res) => {
    const { claims, doc } = await authorizeDelivery(deps, String(req.params.token));
    await sendFile(deps, req, res, claims, doc);
  };
}

async function sendFile(deps: AppDeps, req: Request, res: Response, claims: DownloadClaims, doc: SaleDocumentRow): Promise<void> {
  const stat = await deps.blobs.stat(doc.blobKey);
  if (!stat) {
    req.log?.error({ documentId: doc.id }, 'stored file missing');
    throw notFound('文件');
  }
  const size = stat.size;
  const etag = `"${doc.sha256}"`;
  let range = parseRange(req.get('range'), size);
  if (range.kind !== 'full' && !ifRangeMatches(req.get('if-range'), etag, doc.createdAt)) range = { kind: 'full' };
  if (range.kind === 'unsatisfiable') {
    res.set({ 'Content-Range': `bytes */${size}`, 'Accept-Ranges': 'bytes' });
    throw new AppError('range_not_satisfiable', '请求的范围无效 (range not satisfiable)');
  }
  res.set({
    'Content-Type': contentTypeOf(doc.format),
    'Content-Disposition': contentDisposition(downloadFileName(doc.title, doc.format)),
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'private, no-store',
  });
  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : size - 1;

  // Object storage sends the bytes itself: a presigned GET that lives a few seconds and forces
  // the file name and type, so the store serves Range and the app only checks. HEAD is answered
  // here (the signature is for GET).
  if (deps.blobs.signedGetUrl && req.method === 'GET' && size > 0) {
    const url = await deps.blobs.signedGetUrl(doc.blobKey, {
      expiresInSeconds: SIGNED_URL_SECONDS,
      contentDisposition: String(res.get('Content-Disposition')),
      contentType: String(res.get('Content-Type')),
    });
    res.removeHeader('Content-Disposition');
    res.redirect(302, url);
    await recordDownload(deps, claims, { bytes: end - start + 1, completed: end === size - 1, handedOff: true }).catch((err: unknown) =>
      req.log?.error({ err }, 'could not record a download'),
    );
    return;
  }

  const accel = deps.config.downloadAccelPrefix;
  const relative = accel ? deps.blobs.relativePath?.(doc.blobKey) : undefined;
  if (accel && relative) {
    // nginx sends the bytes (sendfile, its own Range handling, ETag and Last-Modified from the
    // file). The app cannot see a client leave mid-file, so the event records a hand-over.
    res.set('X-Accel-Redirect', `${accel}${relative}`).end();
    if (req.method === 'GET' && size > 0) {
      await recordDownload(deps, claims, { bytes: end - start + 1, completed: end === size - 1, handedOff: true }).catch((err: unknown) =>
        req.log?.error({ err }, 'could not record a download'),
      );
    }
    return;
  }

  res.set({ ETag: etag, 'Last-Modified': doc.createdAt.toUTCString() });
  if (range.kind === 'partial') res.status(206).set('Content-Range', `bytes ${start}-${end}/${size}`);
  res.set('Content-Length', String(end - start + 1));
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }

  const file = deps.blobs.createReadStream(doc.blobKey, { start, end });
  let completed = false;
  try {
    await pipeline(file, res);
    // A 200 that finished, or a range that reached the last byte, completes the download.
    completed = end === size - 1;
  } catch (err) {
    // The client went away (or the disk failed) mid-stream; headers are out, so just record it.
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') req.log?.warn({ err }, 'download stream failed');
  } finally {
    // Bytes read from disk: at most a buffer more than the client received when it went away.
    const bytes = completed ? end - start + 1 : bytesRead(file);
    await recordDownload(deps, claims, { bytes, completed, handedOff: false }).catch((err: unknown) => req.log?.error({ err }, 'could not record a download'));
  }
}

const bytesRead = (stream: NodeJS.ReadableStream): number => {
  const n = (stream as { bytesRead?: unknown }).bytesRead;
  return typeof n === 'number' ? n : 0;
};
