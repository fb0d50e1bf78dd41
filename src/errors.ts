// Domain errors with a stable code and an HTTP status hint. No Express here:
// services throw these, the error middleware turns them into the contract's body.

export type ErrorCode =
  | 'validation_failed'
  | 'unsupported_file'
  | 'unauthenticated'
  | 'insufficient_funds'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'link_expired'
  | 'file_too_large'
  | 'confirmation_required'
  | 'rate_limited'
  | 'unavailable'
  | 'range_not_satisfiable'
  | 'internal';

const STATUS: Record<ErrorCode, number> = {
  validation_failed: 400,
  unsupported_file: 400,
  unauthenticated: 401,
  insufficient_funds: 402,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  link_expired: 410,
  file_too_large: 413,
  range_not_satisfiable: 416,
  confirmation_required: 428,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = STATUS[code];
  }
}

export const notFound = (what = '资源') => new AppError('not_found', `${what}不存在 (not found)`);
export const forbidden = (message = '没有权限执行此操作 (forbidden)') => new AppError('forbidden', message);
export const unauthenticated = (message = '请先登录 (authentication required)') =>
  new AppError('unauthenticated', message);
export const conflict = (message: string, details?: unknown) => new AppError('conflict', message, details);
export const validationFailed = (message: string, details?: unknown) =>
  new AppError('validation_failed', message, details);
