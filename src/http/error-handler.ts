// One error middleware: every error becomes the contract's body (or an HTML page for
// browsers). Unknown errors are logged with the request id; their text never leaves.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { MulterError } from 'multer';
import { ZodError } from 'zod';
import { AppError } from '../errors.js';
import { isConnectionError } from '../db/pg-errors.js';
import { errorCacheControl } from './cache-control.js';

export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return new AppError('validation_failed', '请求参数不合法 (validation failed)', err.issues);
  if (err instanceof MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE') return new AppError('file_too_large', '文件超过允许的大小 (file too large)');
    return new AppError('validation_failed', `上传请求不合法 (${err.code})`, { field: err.field });
  }
  const e = err as { type?: string; status?: number; code?: string; expose?: boolean };
  if (e?.type === 'entity.parse.failed') return new AppError('validation_failed', '请求体不是合法的 JSON (malformed JSON body)');
  if (e?.type === 'entity.too.large') return new AppError('file_too_large', '请求体过大 (request body too large)');
  if (e?.type === 'parameters.too.many') return new AppError('validation_failed', '表单字段过多 (too many form fields)');
  // Any other client error of the body parsers (unsupported charset or encoding, a body cut short).
  if (typeof e?.type === 'string' && e.expose === true && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new AppError('validation_failed', `请求体不合法 (${e.type})`);
  }
  // A NUL or an invalid byte that got past validation into a text column: the client's input, not our fault.
  if (e?.code === '22021' || e?.code === '22P05') return new AppError('validation_failed', '请求中含有不允许的字符 (invalid characters in input)');
  if (e?.code === 'EBADCSRFTOKEN' || e?.code === 'ERR_BAD_CSRF_TOKEN') {
    return new AppError('forbidden', '页面已过期，请刷新后重试 (invalid CSRF token)');
  }
  if (isConnectionError(err)) return new AppError('unavailable', '服务暂时不可用，请稍后重试 (a dependency is unavailable)');
  // A full disk (temporary files, uploads, renders) is the server's passing state, not a bug: 503.
  if (e?.code === 'ENOSPC' || e?.code === 'EDQUOT') return new AppError('unavailable', '服务器存储空间不足，请稍后重试 (no space left on the server)');
  return null;
}

/**
 * The multipart parser's own errors (busboy: a cut-off or malformed part header, a NUL in it, an
 * early end of the form) are plain Errors without a code: the client sent a broken body → 400.
 * Multer's limit errors, our storage engine's errors and system errors (they carry a code) pass as
 * they are.
 */
export function multipartParseError(err: unknown): unknown {
  if (!(err instanceof Error) || err instanceof AppError || err instanceof MulterError) return err;
  if ((err as { code?: unknown }).code !== undefined) return err;
  return new AppError('validation_failed', '上传请求格式不正确 (malformed multipart body)');
}

export function wantsHtml(req: Parameters<RequestHandler>[0]): boolean {
  return !req.path.startsWith('/api/') && (req.accepts(['json', 'html']) === 'html');
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const known = toAppError(err);
  const appError = known ?? new AppError('internal', '服务器内部错误 (internal error)');
  if (!known || appError.status >= 500) req.log?.error({ err }, 'request failed');
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (appError.code === 'rate_limited' && !res.getHeader('Retry-After')) {
    // The refusing rule may say how long (details.retryAfterSeconds); a minute otherwise.
    const wait = (appError.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    res.setHeader('Retry-After', typeof wait === 'number' && wait > 0 ? String(Math.ceil(wait)) : '60');
  }
  // A route that ruled out storing this answer (`no-store`: a lost object) keeps its word.
  if (res.getHeader('Cache-Control') !== 'no-store') res.setHeader('Cache-Control', errorCacheControl(req, appError.status));
  if (wantsHtml(req) && req.app.locals.renderErrorPage) {
    res.status(appError.status);
    req.app.locals.renderErrorPage(req, res, appError);
    return;
  }
  const body: { error: { code: string; message: string; details?: unknown } } = {
    error: { code: appError.code, message: appError.message },
  };
  if (appError.details !== undefined) body.error.details = appError.details;
  res.status(appError.status).json(body);
};

export const apiNotFound: RequestHandler = (_req, _res, next) => {
  next(new AppError('not_found', '接口不存在 (no such endpoint)'));
};
