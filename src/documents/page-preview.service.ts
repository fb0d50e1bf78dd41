// The page-faithful preview (issue 12): the list of pages a caller may see, each page's text
// layer and image, and the first page's thumbnail. Who may see which page is entitlementOf's
// decision alone (through getDocumentWithEntitlement / assertPageReadable); images of pages
// beyond the free ones are rendered only when an entitled caller asks, one render per page at a time.
import type { Actor, AppDeps } from '../deps.js';
import { conflict, notFound } from '../errors.js';
import { assertPageReadable, getDocumentWithEntitlement, viewerOf } from './documents.service.js';
import { findDocumentVisibleTo } from './documents.repo.js';
import type { Entitlement } from './entitlement.js';
import type { Document } from './documents.schemas.js';
import { pageImageUrl, pageTextUrl } from './page-urls.js';
import { deleteBlobs, removeDir, renderAndStore, renderDir, withLocalBlob } from './page-images.js';
import { RenderGate } from './render-gate.js';
import { findFontSubstitutions, findPageRow, listPageRows, setPageImageKey, type PageRowWithDocument } from './page-preview.repo.js';

type Deps = Pick<AppDeps, 'db' | 'views' | 'jobs' | 'config' | 'blobs' | 'log'>;

export interface PageEntry {
  number: number;
  width: number;
  height: number;
  imageUrl: string;
  textUrl: string;
}

export interface PageList {
  totalPages: number;
  pagesShown: number;
  truncated: boolean;
  pages: PageEntry[];
}


/** The pages `actor` may see (the free ones, or all), never a row beyond them. 409 while processing. */
export async function listDocumentPages(deps: Deps, actor: Actor | null, id: number): Promise<PageList> {
  const { document, entitlement } = await getDocumentWithEntitlement(deps, actor, id); // no viewer: the page list counts no second view
  return pageListOf(deps, document, entitlement);
}

/** The page list of a document already read with the caller's entitlement (the /pages API, the document page). */
export async function pageListOf(deps: Pick<AppDeps, 'db'>, document: Pick<Document, 'id' | 'status' | 'pages'>, entitlement: Entitlement): Promise<PageList> {
  if (document.status === 'processing') throw conflict('文档正在转换，请稍后再看预览 (the document is still being converted)');
  if (document.status === 'failed') throw conflict('文档转换失败，没有预览 (conversion failed; no preview)');
  if (entitlement.level === 'none') throw notFound('文档');
  const rows = await listPageRows(deps.db.pool, document.id, entitlement.pagesVisible);
  const totalPages = Math.max(document.pages ?? rows.length, rows.length);
  return {
    totalPages,
    pagesShown: rows.length,
    truncated: rows.length < totalPages,
    pages: rows.map((r) => ({
      number: r.number,
      width: r.width,
      height: r.height,
      imageUrl: pageImageUrl(document.id, r.number, r.renderVersion),
      textUrl: pageTextUrl(document.id, r.number),
    })),
  };
}

/** Free pages anyone may see can be cached by shared caches; everything else revalidates each time. */
export function isPublicPage(entitlement: Entitlement): boolean {
  return entitlement.reason === 'free_document' || entitlement.level === 'free_pages';
}

async function readablePage(deps: Deps, actor: Actor | null, id: number, n: number): Promise<{ page: PageRowWithDocument; entitlement: Entitlement }> {
  const entitlement = await assertPageReadable(deps, actor, id, n);
  const page = await findPageRow(deps.db.pool, id, n);
  if (!page) throw notFound('页面');
  return { page, entitlement };
}

export async function getPageText(deps: Deps, actor: Actor | null, id: number, n: number) {
  const { page, entitlement } = await readablePage(deps, actor, id, n);
  return { text: { number: page.number, width: page.width, height: page.height, lines: page.lines }, entitlement, renderVersion: page.renderVersion };
}

// One render per page at a time in this process; across processes the row's conditional update decides.
const rendering = new Map<string, Promise<string>>();
/** This process's on-demand renders: a few at once, a couple per client (render-gate.ts). */
export const onDemandRenders = new RenderGate();

async function renderOnDemand(deps: Deps, id: number, page: PageRowWithDocument): Promise<string> {
  if (!page.pdfKey) throw notFound('页面图片');
  const pdfKey = page.pdfKey;
  const dir = await renderDir(deps);
  try {
    const keys = await withLocalBlob(deps, pdfKey, dir, (pdf) => renderAndStore(deps, pdf, [page.number], dir));
    const key = keys.get(page.number);
    if (!key) throw new Error('page not rendered');
    if (await setPageImageKey(deps.db.pool, id, page.number, key, page.renderVersion)) return key;
    await deleteBlobs(deps, [key]); // another render won, or the pages were replaced
    const now = await findPageRow(deps.db.pool, id, page.number);
    if (!now?.imageKey) throw notFound('页面图片');
    return now.imageKey;
  } finally {
    await removeDir(dir);
  }
}

/**
 * The blob key of page n's image, rendering it first when needed (only after the entitlement
 * check; a new render waits for a slot, and `client` — the account or IP — may hold only a few: 429).
 */
export async function getPageImage(deps: Deps, actor: Actor | null, id: number, n: number, client: string) {
  const { page, entitlement } = await readablePage(deps, actor, id, n);
  let key = page.imageKey;
  if (!key) {
    const flight = `${id}:${n}:${page.renderVersion}`;
    let pending = rendering.get(flight);
    if (!pending) {
      pending = onDemandRenders.run(client, () => renderOnDemand(deps, id, page)).finally(() => rendering.delete(flight));
      rendering.set(flight, pending);
    }
    key = await pending;
  }
  return { key, entitlement, renderVersion: page.renderVersion };
}

/** The first page's thumbnail of a document the caller may see (listed documents: anyone). */
export async function getThumbnail(deps: Deps, actor: Actor | null, id: number) {
  const doc = await findDocumentVisibleTo(deps.db.pool, viewerOf(actor), id);
  if (!doc?.thumbnailKey || doc.takenDownAt) throw notFound('缩略图');
  return { key: doc.thumbnailKey, renderVersion: doc.renderVersion, listed: doc.status === 'ready' && !doc.deletedAt };
}

/** The uploader's 「字体已替换」 line: which requested fonts were replaced by which (null when none). */
export function fontNotice(fonts: ReadonlyArray<{ requested: string; used: string }>): string | null {
  if (fonts.length === 0) return null;
  return `字体已替换：${fonts.map((f) => `${f.requested} → ${f.used}`).join('，')}，预览与原文可能略有差异`;
}

/** Font substitutions for the uploader and admins only (others get none). */
export async function fontSubstitutionsFor(deps: Pick<AppDeps, 'db'>, actor: Actor | null, doc: { id: number; uploader: { id: number } }) {
  const mayKnow = !!actor && (actor.role === 'admin' || actor.userId === doc.uploader.id);
  return mayKnow ? findFontSubstitutions(deps.db.pool, doc.id) : [];
}
