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
