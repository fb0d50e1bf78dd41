// Property (issue 27 item 2): whatever a document's tables, long paragraphs and footnotes do at
// page ends, no text a stranger can fetch holds anything beyond the free pages' text layers —
// the preview API, the preview frame, the document page (its text copy, description, JSON-LD),
// the document JSON, search results and the page text API. Generated .docx files
// (pagination-fixtures.ts) are uploaded, converted by LibreOffice and read for every number of
// free pages; every table row, paragraph sentence, heading and footnote carries its own token,
// and each page's text layer says which tokens that page shows.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { htmlToText } from '../conversion/html.js';
import { findSoffice, sandboxProblem } from '../conversion/libreoffice.js';
import { paginationDocx, tokensIn } from '../conversion/pagination-fixtures.js';
import type { Converter } from '../conversion/index.js';
import type { ConversionWorker } from './conversion.worker.js';
import { startTestWorker, testConverter, upload, waitForConversion } from './test-support.js';

const usable = findSoffice(undefined) !== null && sandboxProblem() === null;
/** Conversion is the slow part (5–20 s a document): a handful of documents, each with several page-crossing structures. */
const DOCUMENTS = 3;

type User = Awaited<ReturnType<typeof registerUser>>;
let ctx: TestContext;
let converter: Converter;
let worker: ConversionWorker;
let author: User, stranger: User;

beforeAll(async () => {
  if (!usable) return;
  ctx = await createTestContext();
  converter = testConverter(ctx);
  worker = await startTestWorker(ctx, converter);
  [author, stranger] = await Promise.all([registerUser(ctx), registerUser(ctx)]);
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await converter?.close();
  await ctx?.close();
});

/** Tokens of one document in a response: in its markup (attributes, JSON-LD) and in its text. */
const tokensOf = (body: string, digit: number) =>
  new Set([...tokensIn(body), ...tokensIn(body.replace(/<[^>]*>/gu, ''))].filter((t) => t[1] === String(digit)));

async function layerTokens(id: number, upTo: number): Promise<Set<string>> {
  const { rows } = await ctx.deps.db.pool.query<{ text: string }>(
    `SELECT l.v->>'text' AS text FROM document_page_images p, jsonb_array_elements(p.lines) AS l(v)
     WHERE p.document_id = $1 AND p.number <= $2`,
    [id, upTo],
  );
  return tokensIn(rows.map((r) => r.text).join('\n'));
}

/** Every text of the document a reader without a purchase can fetch, by where it came from. */
async function strangerTexts(id: number, lastToken: string, who: User | null): Promise<Record<string, string>> {
  const get = (url: string) => {
    const req = ctx.http().get(url);
    return who ? req.set('authorization', `Bearer ${who.token}`) : req;
  };
  const [preview, frame, page, json, search] = await Promise.all([
    get(`/api/v1/documents/${id}/preview`),
    get(`/doc/${id}/preview`),
    get(`/doc/${id}`),
    get(`/api/v1/documents/${id}`),
    // The search matches the body (a token of the last page), the snippet must not show it.
    get(`/search?q=${encodeURIComponent(lastToken)}`),
  ]);
  for (const res of [preview, frame, page, json, search]) expect(res.status, res.text.slice(0, 200)).toBe(200);
  expect(search.text, 'the search finds the document by a word of its last page').toContain(`/doc/${id}`);
  return {
    'preview API': htmlToText(preview.body.html as string),
    'preview frame': frame.text,
    'document page': page.text,
    'document JSON': JSON.stringify(json.body),
    // The results (titles and snippets), not the page around them, which repeats the query.
    'search results': [...search.text.matchAll(/<p class="doc-item-snippet">([\s\S]*?)<\/p>/gu)].map((m) => m[1]).join('\n'),
  };
}

describe.skipIf(!usable)('what a stranger can fetch of a paid document', () => {
  it('when tables, long paragraphs and footnotes cross page ends, then every text a stranger fetches holds only tokens the free pages show, and the preview holds those pages\' text', async () => {
    let digit = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 30 }), async (seed) => {
        digit += 1;
        const doc = paginationDocx(seed, { docDigit: digit, blocks: 7 });
        const res = await upload(ctx, author.token, doc.docx, { filename: `分页${seed}.docx`, fields: { priceCents: '300', freePreviewPages: '1' } });
        expect(res.status, JSON.stringify(res.body)).toBe(202);
        const id = res.body.document.id as number;
        expect((await waitForConversion(ctx, id, 180_000)).status).toBe('ready');
        const { rows } = await ctx.deps.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM document_page_images WHERE document_id = $1', [id]);
        const pages = rows[0]!.n;
        expect(pages, doc.outline.join('; ')).toBeGreaterThan(2);
        const all = await layerTokens(id, pages);
        const lastToken = [...all].filter((t) => !t.startsWith('F')).sort().at(-1)!;
        for (let free = 1; free < pages; free++) {
          const patched = await ctx.http().patch(`/api/v1/documents/${id}`).set('authorization', `Bearer ${author.token}`).send({ freePreviewPages: free });
          expect(patched.status).toBe(200);
          const shown = await layerTokens(id, free);
          for (const who of [null, stranger]) {
            const texts = await strangerTexts(id, lastToken, who);
            for (const [where, text] of Object.entries(texts)) {
              const beyond = [...tokensOf(text, digit)].filter((t) => !shown.has(t));
              expect(beyond, `${where}, ${free} free page(s) of ${pages}, seed ${seed} (${doc.outline.join('; ')})`).toEqual([]);
            }
            // Not an empty cut: the preview holds what the free pages show, but for footnotes
            // (the 文字版 keeps them at its end) and at most the row or sentence at the page end.
            const previewed = tokensOf(texts['preview API']!, digit);
            const lost = [...shown].filter((t) => !t.startsWith('F') && !previewed.has(t));
            expect(lost.length, `lost ${lost.join(' ')}, ${free} free page(s), seed ${seed}`).toBeLessThanOrEqual(2);
          }
          // The text layer of the next page is refused; those of the free pages are the truth compared with.
          const next = await ctx.http().get(`/api/v1/documents/${id}/pages/${free + 1}/text`);
          expect(next.status).toBe(403);
        }
      }),
      { numRuns: DOCUMENTS, seed: 27_2, endOnFailure: true },
    );
  }, 600_000);
});
