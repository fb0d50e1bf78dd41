// Parsing request input with zod; failures become 400 validation_failed via the error handler.
import type { z } from 'zod';
import { AppError } from '../errors.js';

/** Whether a string anywhere in the parsed input holds a NUL (Postgres text cannot store one). */
function holdsNul(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (depth > 20 || typeof value !== 'object' || value === null) return false;
  const values = Array.isArray(value) ? value : Object.values(value);
  return values.some((v) => holdsNul(v, depth + 1)) || (!Array.isArray(value) && Object.keys(value).some((k) => k.includes('\u0000')));
}

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  if (holdsNul(input)) throw new AppError('validation_failed', '请求中含有不允许的字符 (NUL is not allowed in text)');
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    const first = result.error.issues[0];
    const where = first?.path.length ? `${first.path.join('.')}: ` : '';
    throw new AppError('validation_failed', `${where}${first?.message ?? '请求参数不合法'}`, result.error.issues);
  }
  return result.data;
}

/** Route ids are positive integers; anything else is simply not found. */
export function parseId(value: unknown): number {
  const n = typeof value === 'string' && /^[1-9]\d{0,15}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw new AppError('not_found', '资源不存在 (not found)');
  return n;
}
