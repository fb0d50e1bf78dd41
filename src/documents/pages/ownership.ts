// Why the reader may download without paying, if they may (for the button and dialog wording).
// The documents service applies the same rule inside its preview but does not export it.
import type { Actor, AppDeps } from '../../deps.js';
import type { Document } from '../documents.schemas.js';
import { hasPaidPurchase } from '../documents.repo.js';

export type Ownership = 'uploader' | 'admin' | 'bought' | null;

export async function readerOwnership(deps: Pick<AppDeps, 'db'>, actor: Actor | null, doc: Document): Promise<Ownership> {
  if (!actor) return null;
  if (actor.userId === doc.uploader.id) return 'uploader';
  if (actor.role === 'admin') return 'admin';
  if (doc.priceCents === 0) return null;
  return (await hasPaidPurchase(deps.db.pool, actor.userId, doc.id)) ? 'bought' : null;
}

export const OWNERSHIP_NOTES: Record<Exclude<Ownership, null>, string> = {
  uploader: '这是你上传的文档，下载不收费。',
  admin: '管理员下载不收费。',
  bought: '你已购买此文档，再次下载不再收费。',
};
