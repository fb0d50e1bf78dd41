// An in-process shared cache for anonymous GET responses. It behaves like the nginx front end:
// it keeps only what the app itself marks `public` with an `s-maxage`, only for requests with no
// session cookie, no Authorization header and no share code, and never a response that sets a
// cookie, so a logged-in reader's page can never be served to anyone else. Entries live for
// min(s-maxage, RESPONSE_CACHE_TTL); gzip and brotli bodies are made once per entry. It sits
// first in the chain and replays every header the app set (security headers included), so a hit
// costs a map lookup and one write. When an entry expires, one request renders it again while the
// others keep getting the old copy (stale-while-revalidate), so expiry causes no stampede.
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import type { Request, RequestHandler, Response } from 'express';
import type { Clock } from '../deps.js';
import { SESSION_COOKIE } from '../auth/actor.js';

interface Entry {
  expiresAt: number;
  /** A request is already rendering a fresh copy; others are served this one meanwhile. */
  refreshing?: boolean;
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  gzip?: Buffer;
  br?: Buffer;
  /** What a replay must still do for the request it answers, e.g. count a view of a document. */
  onReplay?: (req: Request) => void;
}

// Headers that belong to one response, not to the stored representation.
const PER_RESPONSE_HEADERS = new Set(['date', 'x-request-id', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'set-cookie', 'x-cache']);
const MAX_BODY = 2 * 1024 * 1024;
// A response about one document: its page, preview, JSON (the cache key is the request URL).
const DOCUMENT_KEY = /^\/(?:doc|api\/v1\/documents)\/(\d+)(?:[/?#]|$)/;
const COMPRESS_MIN = 1024;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** Set by a route: run again, with the request it answers, each time its response is served from the cache. */
      onCacheReplay?: (req: import('express').Request) => void;
    }
  }
}

function sharedMaxAgeMs(cacheControl: string | undefined): number {
  if (!cacheControl || !/\bpublic\b/.test(cacheControl) || /\b(private|no-store)\b/.test(cacheControl)) return 0;
  const m = cacheControl.match(/\bs-maxage=(\d+)/);
  return m ? Number(m[1]) * 1000 : 0;
}

/** A request a shared cache may answer: no Authorization header, no session cookie, no share code (as nginx's rule). */
export function isAnonymousRequest(req: Request): boolean {
  if (req.headers.authorization) return false;
  const cookie = req.headers.cookie;
  if (cookie && cookie.includes(`${SESSION_COOKIE}=`)) return false;
  return !/[?&]ref=/.test(req.originalUrl);
}

function pickEncoding(req: Request): 'br' | 'gzip' | null {
  const accept = req.headers['accept-encoding'];
  if (typeof accept !== 'string') return null;
  if (/\bbr\b/.test(accept)) return 'br';
  if (/\bgzip\b/.test(accept)) return 'gzip';
  return null;
}

export class ResponseCache {
  private entries = new Map<string, Entry>();
  constructor(
    private readonly ttlMs: number,
    /** deps.clock: tests move time forward instead of sleeping past an expiry. */
    private readonly clock: Clock,
    private readonly maxEntries = 2000,
  ) {}

  /**
   * A document changed for readers (cross-node invalidation, src/cache/invalidation.ts): drops
   * its own pages and JSON, and every listing (home, search, category: they may show it). Other
   * documents' pages are kept; their 「相关文档」 lists expire with SHARED_TTL.doc.
   */
  dropDocument(documentId: number): void {
    for (const key of this.entries.keys()) {
      const named = DOCUMENT_KEY.exec(key);
      if (!named || Number(named[1]) === documentId) this.entries.delete(key);
    }
  }

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  /** A fresh entry; or a stale one while another request refreshes it; else undefined (go render). */
  lookup(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > now) return entry;
    // Stale: the first request refreshes; a refresh that never finished (an error) is retried after a while.
    if (entry.refreshing && now - entry.expiresAt < 10_000) return entry;
    entry.refreshing = true;
    return undefined;
  }

  store(key: string, entry: Omit<Entry, 'expiresAt'>, maxAgeMs: number, now: number): void {
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { ...entry, expiresAt: now + Math.min(maxAgeMs, this.ttlMs) });
  }

  middleware(): RequestHandler {
    return (req, res, next) => {
      if (!this.enabled || (req.method !== 'GET' && req.method !== 'HEAD') || !isAnonymousRequest(req)) return next();
      // Responses never build URLs from the Host header (PUBLIC_URL or relative links), but the key
      // holds it anyway, so no response rendered for one host can ever be served for another.
      // Responses never build URLs from the Host header (PUBLIC_URL or relative links), but the key
      // holds it anyway, so no response rendered for one host can ever be served for another.
      const key = `${(req.hostname ?? '').toLowerCase()} ${req.originalUrl}`;
      const now = this.clock.now().getTime();
      const hit = this.lookup(key, now);
      if (hit) return this.replay(req, res, hit);
      this.capture(key, res);
      next();
    };
  }

  private replay(req: Request, res: Response, entry: Entry): void {
    entry.onReplay?.(req);
    res.status(entry.status);
    for (const [name, value] of Object.entries(entry.headers)) res.setHeader(name, value);
    res.setHeader('X-Cache', 'HIT');
    if (entry.headers.etag && req.headers['if-none-match'] === entry.headers.etag) {
      res.status(304).end();
      return;
    }
    const encoding = pickEncoding(req);
    const body = encoding === 'br' ? entry.br : encoding === 'gzip' ? entry.gzip : undefined;
    if (body && encoding) res.setHeader('Content-Encoding', encoding);
    const payload = body ?? entry.body;
    res.setHeader('Content-Length', payload.length);
    res.end(req.method === 'HEAD' ? undefined : payload);
  }

  /** Collects what the route writes; stores it when the finished response is cacheable. */
  private capture(key: string, res: Response): void {
    const chunks: Buffer[] = [];
    let size = 0;
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    const collect = (chunk: unknown, encoding?: unknown) => {
      if (chunk === undefined || chunk === null || typeof chunk === 'function' || size > MAX_BODY) return;
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
      size += buf.length;
      chunks.push(buf);
    };
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      collect(chunk, rest[0]);
      return write(chunk, ...rest);
    }) as Response['write'];
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      collect(chunk, rest[0]);
      const result = end(chunk, ...rest);
      const maxAgeMs = sharedMaxAgeMs(res.getHeader('cache-control') as string | undefined);
      if (res.statusCode === 200 && maxAgeMs > 0 && !res.getHeader('set-cookie') && !res.getHeader('content-encoding') && size <= MAX_BODY && res.req.method === 'GET') {
        const body = Buffer.concat(chunks);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.getHeaders())) {
          if (value !== undefined && !PER_RESPONSE_HEADERS.has(name) && !name.startsWith('ratelimit')) headers[name] = String(value);
        }
        headers.vary = headers.vary ? `${headers.vary}, Accept-Encoding` : 'Accept-Encoding';
        const compress = body.length >= COMPRESS_MIN;
        this.store(
          key,
          {
            status: 200,
            headers,
            body,
            gzip: compress ? gzipSync(body, { level: 6 }) : undefined,
            br: compress ? brotliCompressSync(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 5 } }) : undefined,
            onReplay: res.locals.onCacheReplay,
          },
          maxAgeMs,
          this.clock.now().getTime(),
        );
      } else {
        // No longer shareable (taken down, made private, an error): other readers must not keep
        // getting the old copy while it is stale.
        this.entries.delete(key);
      }
      return result;
    }) as Response['end'];
  }
}
