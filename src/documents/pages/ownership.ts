// Why the reader may download without paying, if they may (for the button and dialog wording):
// read off the entitlement (entitlement.ts), never decided here.
import type { Entitlement } from '../entitlement.js';

export type Ownership = 'uploader' | 'admin' | 'bought' | null;

export function readerOwnership(entitlement: Entitlement): Ownership {
  const { reason } = entitlement;
  return reason === 'uploader' || reason === 'admin' || reason === 'bought' ? reason : null;
}

export const OWNERSHIP_NOTES: Record<Exclude<Ownership, null>, string> = {
  uploader: '这是你上传的文档，下载不收费。',
  admin: '管理员下载不收费。',
  bought: '你已购买此文档，再次下载不再收费。',
};

/**
 * The download buttons' words: a bought document says so (a price on the button would suggest a
 * second charge); the phone's bar shows `short` where the price would be.
 */
export function downloadLabels(ownership: Ownership, free: boolean, price: string): { button: string; short: string } {
  if (ownership === 'bought') return { button: '已购买 · 下载', short: '已购买' };
  if (ownership || free) return { button: '下载文档', short: free ? price : '免费下载' };
  return { button: `下载文档（${price}）`, short: price };
}
