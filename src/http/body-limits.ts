// The largest request body each route reads, in one place: the body parsers (app.ts), the
// upload parser (documents/upload-storage.ts takes MAX_UPLOAD_BYTES) and the check below, which
// answers 413 from Content-Length before a byte of the body is read (and before "100 Continue").
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';

export const JSON_BODY_LIMIT_BYTES = 1024 * 1024;
export const FORM_BODY_LIMIT_BYTES = 100 * 1024;
/** The upload's text fields and part headers (12 fields of at most 16 KiB, see upload-storage.ts). */
export const MULTIPART_OVERHEAD_BYTES = 256 * 1024;

const UPLOAD_PATH = '/api/v1/documents';

/** The document upload: the one route whose body may be large and slow (it gets no total time). */
export function isUpload(req: IncomingMessage): boolean {
  const pathname = (req.url ?? '').split('?')[0]?.replace(/\/+$/, '');
  return req.method === 'POST' && pathname === UPLOAD_PATH;
}

/** The most a request to this route may send. */
export function bodyLimitFor(req: IncomingMessage, config: Pick<Config, 'maxUploadBytes'>): number {
  if (isUpload(req)) return config.maxUploadBytes + MULTIPART_OVERHEAD_BYTES;
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) return FORM_BODY_LIMIT_BYTES;
  return JSON_BODY_LIMIT_BYTES;
}

/** The announced body is larger than the route accepts (a body without Content-Length is bounded as it streams). */
export function announcesTooMuch(req: IncomingMessage, config: Pick<Config, 'maxUploadBytes'>): boolean {
  const announced = Number(req.headers['content-length']);
  return Number.isFinite(announced) && announced > bodyLimitFor(req, config);
}

/** 413 at once, and the connection closes after the answer rather than reading the body. */
export function rejectOversizedBodies(config: Pick<Config, 'maxUploadBytes'>): RequestHandler {
  return (req, res, next) => {
    if (!announcesTooMuch(req, config)) return next();
    res.setHeader('Connection', 'close');
    next(isUpload(req) ? new AppError('file_too_large', '文件超过允许的大小 (file too large)') : new AppError('file_too_large', '请求体过大 (request body too large)'));
  };
}
