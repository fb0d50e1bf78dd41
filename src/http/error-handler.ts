// One error middleware: every error becomes the contract's body (or an HTML page for
// browsers). Unknown errors are logged with the request id; their text never leaves.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { MulterError } from 'multer';
import { ZodError } from 'zod';
import { AppError } from '../errors.js';
import { isConnectionError } from '../db/pg-errors.js';

export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return new AppError('validation_failed', '请求参数不合法 (validation failed)', err.issues);
  if (err instanceof MulterError) {
    if (err.code === 'LIMIT_FILE_SIZE') return new AppError('file_too_large', '文件超过允许的大小 (file too large)');
    return new AppError('validation_failed', `上传请求不合法 (${err.code})`, { field: err.field });
  }
  const e = err as { type?: string; status?: number; code?: string };
  if (e?.type === 'entity.parse.failed') return new AppError('validation_failed', '请求体不是合法的 JSON (malformed JSON body)');
  if (e?.type === 'entity.too.large') return new AppError('file_too_large', '请求体过大 (request body too large)');
  if (e?.code === 'EBADCSRFTOKEN' || e?.code === 'ERR_BAD_CSRF_TOKEN') {
    return new AppError('forbidden', '页面已过期，请刷新后重试 (invalid CSRF token)');
  }
  if (isConnectionError(err)) return new AppError('unavailable', '服务暂时不可用，请稍后重试 (a dependency is unavailable)');
  return null;
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
  if (appError.code === 'rate_limited' && !res.getHeader('Retry-After')) res.setHeader('Retry-After', '60');
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
