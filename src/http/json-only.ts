// The JSON API takes state-changing requests only as application/json. An HTML form on another
// site can post urlencoded, multipart or text/plain bodies without a CORS preflight, never JSON;
// so refusing every other body type closes that door for the endpoints anonymous callers reach
// (tickets), whatever CSRF checks apply. Exceptions are the endpoints whose callers cannot send
// JSON: the multipart upload and the payment providers' form-encoded notifications.
import type { RequestHandler } from 'express';
import { AppError } from '../errors.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Paths under /api/v1 (the router's own path) that take another body type. */
const NON_JSON_ENDPOINTS = [/^\/documents\/?$/, /^\/payments\/[a-z]+\/notify\/?$/];

export const jsonBodiesOnly: RequestHandler = (req, _res, next) => {
  if (SAFE_METHODS.has(req.method)) return next();
  const hasBody = req.headers['content-type'] !== undefined || req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (!hasBody || req.is('application/json')) return next();
  if (req.method === 'POST' && NON_JSON_ENDPOINTS.some((p) => p.test(req.path))) return next();
  next(new AppError('validation_failed', '请求体须为 JSON（Content-Type: application/json）(the API accepts JSON bodies only)', { reason: 'content_type' }));
};
