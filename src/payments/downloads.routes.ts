// GET/HEAD /dl/:token — the download link itself. A bearer credential for its short life, so
// browsers and download managers can fetch and resume it without a session.
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../deps.js';
import { AppError, notFound } from '../errors.js';
import { CONTENT_TYPES, EXTENSIONS, contentDisposition, ifRangeMatches, parseRange } from './delivery.js';
import type { DownloadClaims } from './download-tokens.js';
import { authorizeDelivery, recordDownload } from './downloads.service.js';
import type { SaleDocumentRow } from './sale-documents.repo.js';

export function downloadRouter(deps: AppDeps): Router {
  const router = Router();
  // Express answers HEAD with the GET route; sendFile below skips the body for HEAD.
  router.get('/dl/:token', async (req, res) => {
    const { claims, doc } = await authorizeDelivery(deps, String(req.params.token));
    await sendFile(deps, req, res, claims, doc);
  });
  return router;
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
    'Content-Type': CONTENT_TYPES[doc.format] ?? 'application/octet-stream',
    'Content-Disposition': contentDisposition(doc.originalFilename, EXTENSIONS[doc.format] ?? ''),
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Last-Modified': doc.createdAt.toUTCString(),
    'Cache-Control': 'private, no-store',
  });

  const start = range.kind === 'partial' ? range.start : 0;
  const end = range.kind === 'partial' ? range.end : size - 1;
  if (range.kind === 'partial') res.status(206).set('Content-Range', `bytes ${start}-${end}/${size}`);
  res.set('Content-Length', String(end - start + 1));
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }

  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  let completed = false;
  try {
    await pipeline(deps.blobs.createReadStream(doc.blobKey, { start, end }), counter, res);
    // A 200 that finished, or a range that reached the last byte, completes the download.
    completed = bytes === end - start + 1 && end === size - 1;
  } catch (err) {
    // The client went away (or the disk failed) mid-stream; headers are out, so just record it.
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') req.log?.warn({ err }, 'download stream failed');
  } finally {
    await recordDownload(deps, claims, { bytes, completed }).catch((err: unknown) => req.log?.error({ err }, 'could not record a download'));
  }
}
