// Documents for the page tests, inserted directly with known preview pages (conversion is
// another feature, tested on its own; the browser test goes through the real upload).
import { randomBytes } from 'node:crypto';
import type { TestContext } from '../../../test/app.js';
import { htmlToText } from '../../conversion/html.js';
import { documentSearchTokens } from '../document-text.js';
import { searchVectorSql } from '../documents.repo.js';

export interface PageDocOptions {
  uploaderId: number;
  title?: string;
  priceCents?: number;
  freePreviewPages?: number;
  keywords?: string[];
  category?: string;
  status?: 'processing' | 'ready' | 'failed';
  failureReason?: string;
  pages?: string[];
  takenDown?: boolean;
  deleted?: boolean;
  originalFilename?: string;
}

const DEFAULT_TITLE = '党办:在全县政法稳定工作推进会议上的讲话';
const DEFAULT_KEYWORDS = ['党办', '全县', '政法', '稳定', '工作', '推进', '会议', '讲话'];

/** Inserts a document row and its preview pages; returns the id. */
export async function insertPageDocument(ctx: TestContext, o: PageDocOptions): Promise<number> {
  const pages = o.pages ?? ['<p>第一页</p>'];
  const status = o.status ?? 'ready';
  const { rows } = await ctx.deps.db.pool.query<{ id: number }>(
    `INSERT INTO documents (uploader_id, title, category, price_cents, free_preview_pages, keywords, format, size_bytes,
       sha256, blob_key, original_filename, status, failure_reason, pages, word_count, created_at,
       taken_down_at, deleted_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'DOC', 23552, $7, $8, $9, $10, $11, $12, 100, '2023-05-05T02:00:00Z',
       CASE WHEN $13::boolean THEN now() END, CASE WHEN $14::boolean THEN now() END)
     RETURNING id`,
    [
      o.uploaderId,
      o.title ?? DEFAULT_TITLE,
      o.category ?? '讲话致辞',
      o.priceCents ?? 0,
      o.freePreviewPages ?? 3,
      o.keywords ?? DEFAULT_KEYWORDS,
      randomBytes(32).toString('hex'),
      `pagetest${randomBytes(8).toString('hex')}`,
      o.originalFilename ?? '讲话.doc',
      status,
      o.failureReason ?? null,
      status === 'ready' ? pages.length : null,
      !!o.takenDown,
      !!o.deleted,
    ],
  );
  const id = rows[0]!.id;
  if (status === 'ready') {
    for (const [i, html] of pages.entries()) {
      await ctx.deps.db.pool.query('INSERT INTO document_pages (document_id, page_no, html) VALUES ($1, $2, $3)', [id, i + 1, html]);
    }
    // As the conversion leaves it: body text and the weighted search vector.
    const body = htmlToText(pages.join('\n'));
    const t = documentSearchTokens({ title: o.title ?? DEFAULT_TITLE, keywords: o.keywords ?? DEFAULT_KEYWORDS, description: '', body });
    await ctx.deps.db.pool.query(
      `UPDATE documents SET body_text = $6, search_vector = ${searchVectorSql(2)} WHERE id = $1`,
      [id, t.title, t.keywords, t.description, t.body, body],
    );
  }
  return id;
}
