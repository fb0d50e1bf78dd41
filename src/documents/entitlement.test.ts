// The rule of who may read how much of a document, on its own (no database): every kind of
// reader against every state a document can be in.
import { describe, expect, it } from 'vitest';
import { ANONYMOUS, entitlementOf, maySeePage, type EntitlementDocument, type PurchaseState } from './entitlement.js';
import type { Viewer } from './visibility.js';

const UPLOADER = 7;
const paid = (over: Partial<EntitlementDocument> = {}): EntitlementDocument => ({
  uploaderId: UPLOADER,
  status: 'ready',
  deletedAt: null,
  takenDownAt: null,
  priceCents: 500,
  freePreviewPages: 3,
  ...over,
});
const reader: Viewer = { userId: 11, isAdmin: false };
const uploader: Viewer = { userId: UPLOADER, isAdmin: false };
const admin: Viewer = { userId: 99, isAdmin: true };
const when = new Date('2026-11-30T00:00:00Z');

const of = (actor: Viewer, document: EntitlementDocument, purchase: PurchaseState = null) => entitlementOf({ actor, document, purchase });

describe('entitlementOf', () => {
  it('when an anonymous reader opens a paid document, then they get its free preview pages only', () => {
    expect(of(ANONYMOUS, paid())).toEqual({ level: 'free_pages', reason: 'free_preview', pagesVisible: 3 });
    expect(of(ANONYMOUS, paid({ freePreviewPages: 0 }))).toEqual({ level: 'free_pages', reason: 'free_preview', pagesVisible: 0 });
  });

  it('when a logged-in reader has not bought it, then the same free pages', () => {
    expect(of(reader, paid())).toEqual({ level: 'free_pages', reason: 'free_preview', pagesVisible: 3 });
  });

  it('when the reader bought it, then everything, also after the uploader deleted it', () => {
    expect(of(reader, paid(), 'paid')).toEqual({ level: 'everything', reason: 'bought', pagesVisible: null });
    expect(of(reader, paid({ deletedAt: when }), 'paid')).toEqual({ level: 'everything', reason: 'bought', pagesVisible: null });
  });

  it('when the purchase was refunded, then back to the free pages, saying why', () => {
    expect(of(reader, paid(), 'refunded')).toEqual({ level: 'free_pages', reason: 'refunded', pagesVisible: 3 });
    expect(of(reader, paid({ deletedAt: when }), 'refunded')).toEqual({ level: 'none', reason: 'deleted', pagesVisible: 0 });
  });

  it('when the uploader or an admin reads it, then everything, in any conversion state', () => {
    for (const status of ['ready', 'processing', 'failed'] as const) {
      expect(of(uploader, paid({ status }))).toEqual({ level: 'everything', reason: 'uploader', pagesVisible: null });
      expect(of(admin, paid({ status }))).toEqual({ level: 'everything', reason: 'admin', pagesVisible: null });
    }
    // An admin who uploaded it reads it as its uploader.
    expect(of({ userId: UPLOADER, isAdmin: true }, paid()).reason).toBe('uploader');
  });

  it('when the document is free, then everything for everyone, without a purchase', () => {
    for (const who of [ANONYMOUS, reader]) {
      expect(of(who, paid({ priceCents: 0 }))).toEqual({ level: 'everything', reason: 'free_document', pagesVisible: null });
    }
    expect(of(uploader, paid({ priceCents: 0 })).reason).toBe('uploader');
  });

  it('when the document is taken down, then nothing for anyone but admins, not even its uploader or buyers', () => {
    const down = paid({ takenDownAt: when });
    expect(of(ANONYMOUS, down)).toEqual({ level: 'none', reason: 'taken_down', pagesVisible: 0 });
    expect(of(reader, down, 'paid')).toEqual({ level: 'none', reason: 'taken_down', pagesVisible: 0 });
    expect(of(uploader, down)).toEqual({ level: 'none', reason: 'taken_down', pagesVisible: 0 });
    expect(of(ANONYMOUS, paid({ takenDownAt: when, priceCents: 0 })).level).toBe('none');
    expect(of(admin, down)).toEqual({ level: 'everything', reason: 'admin', pagesVisible: null });
  });

  it('when the document is still processing or failed, then nothing for other readers, free or not; a buyer keeps it during a retry', () => {
    for (const status of ['processing', 'failed'] as const) {
      expect(of(ANONYMOUS, paid({ status }))).toEqual({ level: 'none', reason: status, pagesVisible: 0 });
      expect(of(reader, paid({ status, priceCents: 0 }))).toEqual({ level: 'none', reason: status, pagesVisible: 0 });
    }
    expect(of(reader, paid({ status: 'processing' }), 'paid').level).toBe('everything');
  });

  it('when the uploader deleted it, then nothing for readers without a live purchase, free or not', () => {
    expect(of(ANONYMOUS, paid({ deletedAt: when }))).toEqual({ level: 'none', reason: 'deleted', pagesVisible: 0 });
    expect(of(reader, paid({ deletedAt: when, priceCents: 0 }))).toEqual({ level: 'none', reason: 'deleted', pagesVisible: 0 });
    expect(of(uploader, paid({ deletedAt: when })).level).toBe('everything');
  });
});

describe('maySeePage', () => {
  it('when asked about page N, then only pages 1..pagesVisible are allowed, every page for everything, none for nothing', () => {
    const free = of(reader, paid());
    expect([1, 2, 3, 4].map((n) => maySeePage(free, n))).toEqual([true, true, true, false]);
    const all = of(reader, paid(), 'paid');
    expect(maySeePage(all, 1)).toBe(true);
    expect(maySeePage(all, 10_000)).toBe(true);
    const none = of(ANONYMOUS, paid({ takenDownAt: when }));
    expect(maySeePage(none, 1)).toBe(false);
    expect(maySeePage(of(reader, paid({ freePreviewPages: 0 })), 1)).toBe(false);
  });

  it('when the page number is not a positive integer, then it is refused', () => {
    const all = of(admin, paid());
    for (const n of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(maySeePage(all, n)).toBe(false);
  });
});
