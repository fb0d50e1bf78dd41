// Development conveniences (the mail outbox, the development payment page) hold live reset links
// and mint wallet money, so they answer only an admin or a client on this machine's loopback
// (contract, settings), whatever NODE_ENV says. The client's address is req.ip as TRUST_PROXY
// resolves it; on top of that, any forwarding header naming another address means the request
// was relayed by a front end (nginx appends the real client to X-Forwarded-For) and is refused,
// even when the proxy itself is on loopback or TRUST_PROXY is set too wide.
import { isIP } from 'node:net';
import type { Request } from 'express';
import type { AppDeps } from '../deps.js';
import { notFound } from '../errors.js';

/** 127.0.0.0/8, ::1, and IPv4-mapped 127.x. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.trim().toLowerCase().replace(/^\[|\]$/g, '');
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return a === '::1' || a === '0:0:0:0:0:0:0:1';
}

/** Every address the request's forwarding headers name (X-Forwarded-For, X-Real-IP, Forwarded for=). */
function forwardedAddresses(req: Request): string[] {
  const out: string[] = [];
  const xff = req.headers['x-forwarded-for'];
  for (const v of Array.isArray(xff) ? xff : xff ? [xff] : []) out.push(...v.split(',').map((s) => s.trim()).filter(Boolean));
  const real = req.headers['x-real-ip'];
  if (typeof real === 'string' && real.trim()) out.push(real.trim());
  const fwd = req.headers.forwarded;
  if (typeof fwd === 'string') {
    for (const m of fwd.matchAll(/for=([^;,]+)/gi)) {
      let v = m[1]!.trim().replace(/^"|"$/g, '');
      if (v.startsWith('[')) v = v.slice(1, v.indexOf(']'));
      else if (/^[\d.]+:\d+$/.test(v)) v = v.replace(/:\d+$/, '');
      out.push(v); // "unknown" or an obfuscated name is not loopback: refused
    }
  }
  return out;
}

/** An admin, or a client on loopback whose request no front end relayed. */
export function isDevClient(req: Request): boolean {
  if (req.actor?.role === 'admin') return true;
  return isLoopbackAddress(req.socket.remoteAddress) && isLoopbackAddress(req.ip) && forwardedAddresses(req).every(isLoopbackAddress);
}

/** Whether this request may use the development pages: they are on (DEV_PAYMENTS) and it is a dev client. */
export const devPagesOpen = (deps: Pick<AppDeps, 'config'>, req: Request): boolean => deps.config.devPayments && isDevClient(req);

/** 404, as for a page that does not exist, unless devPagesOpen. */
export function assertDevPagesOpen(deps: Pick<AppDeps, 'config'>, req: Request): void {
  if (!devPagesOpen(deps, req)) throw notFound('页面');
}
