// Opaque keyset cursors: base64url of the last row's sort key and id. Checked on the way back in,
// so a forged cursor is a 400, never a SQL error.
import { z } from 'zod';
import { validationFailed } from '../errors.js';
import type { Keyset } from './search.repo.js';

const id = z.number().int().positive();
// What Postgres can take back: a real calendar time (no 2023-02-30, no year 0), a rank inside
// float4's range (search_rank's levels; cursors made before it held small ts_rank values, still
// accepted: they sort below every level, so such a page is empty; a huge or tiny one would
// overflow `::real`).
const timestamp = z
  .string()
  .regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
  .refine((s) => {
    const d = new Date(`${s.slice(0, 23)}Z`);
    return !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1 && d.toISOString().slice(0, 19) === s.slice(0, 19);
  });
const rank = z
  .string()
  .max(40)
  .regex(/^\d+(\.\d+)?(e[-+]?\d+)?$/)
  .refine((s) => {
    const n = Number(s);
    return n === 0 || (n >= 1e-30 && n <= 1e30);
  });
const CursorTuple = z.union([
  z.tuple([z.literal('n'), timestamp, id]),
  z.tuple([z.literal('p'), z.number().int().min(0), id]),
  z.tuple([z.literal('r'), rank, z.number().int().min(0), id]),
  z.tuple([z.literal('i'), id]),
]);

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function decode(cursor: string): z.infer<typeof CursorTuple> {
  try {
    return CursorTuple.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw validationFailed('cursor: 分页参数无效 (invalid cursor)');
  }
}

export function encodeKeyset(k: Keyset): string {
  if (k.sort === 'newest') return encode(['n', k.createdAt, k.id]);
  if (k.sort === 'popular') return encode(['p', k.popularity, k.id]);
  return encode(['r', k.rank, k.popularity, k.id]);
}

/** The keyset of a cursor made for the same sort; a cursor of another sort is invalid. */
export function decodeKeyset(cursor: string, sort: Keyset['sort']): Keyset {
  const t = decode(cursor);
  if (t[0] === 'n' && sort === 'newest') return { sort, createdAt: t[1], id: t[2] };
  if (t[0] === 'p' && sort === 'popular') return { sort, popularity: t[1], id: t[2] };
  if (t[0] === 'r' && sort === 'relevance') return { sort, rank: t[1], popularity: t[2], id: t[3] };
  throw validationFailed('cursor: 分页参数与排序方式不符 (cursor is for another sort order)');
}

/** Cursors over plain id order (newest first), e.g. a user's own uploads. */
export const encodeIdCursor = (lastId: number) => encode(['i', lastId]);
export function decodeIdCursor(cursor: string): number {
  const t = decode(cursor);
  if (t[0] !== 'i') throw validationFailed('cursor: 分页参数无效 (invalid cursor)');
  return t[1];
}
