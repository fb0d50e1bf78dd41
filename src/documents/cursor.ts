// Opaque keyset cursors: base64url of the last row's sort key and id. Checked on the way back in,
// so a forged cursor is a 400, never a SQL error.
import { z } from 'zod';
import { validationFailed } from '../errors.js';
import type { Keyset } from './search.repo.js';

const id = z.number().int().positive();
const CursorTuple = z.union([
  z.tuple([z.literal('n'), z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/), id]),
  z.tuple([z.literal('p'), z.number().int().min(0), id]),
  z.tuple([z.literal('r'), z.string().regex(/^\d+(\.\d+)?(e[-+]?\d+)?$/), z.number().int().min(0), id]),
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
