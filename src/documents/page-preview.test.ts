// The page-faithful preview through the real API: upload → conversion (LibreOffice, qpdf, MuPDF,
// poppler in the sandbox) → GET /pages, page images and text layers → download; who sees which
// page, and that nothing is rendered for a page the caller may not see.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, registerUser, type TestContext } from '../../test/app.js';
import { registerAdmin } from '../auth/test-fixtures.js';
import { FORMATS, type Converter, type DocumentFormat } from '../conversion/index.js';
import { buildPdf } from '../conversion/pdf-fixtures.js';
import type { ConversionWorker } from './conversion.worker.js';
import { blobKeys, GOV_REPORT_DOC, SEED_DOC, startTestWorker, testConverter, upload, waitForConversion } from './test-support.js';

const FIXTURES = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../test/fixtures/generated');

type User = Awaited<ReturnType<typeof registerUser>>;
let ctx: TestContext;
let converter: Converter;
let worker: ConversionWorker;
let alice: User, bob: User, admin: User;

beforeAll(async () => {
  ctx = await createTestContext({ ADMIN_EMAILS: 'pages-admin@example.com', PREVIEW_WATERMARK: '文库测试' });
  converter = testConverter(ctx);
  worker = await startTestWorker(ctx, converter);
  [alice, bob, admin] = await Promise.all([registerUser(ctx), registerUser(ctx), registerAdmin(ctx, { email: 'pages-admin@example.com' })]);
}, 180_000);
afterAll(async () => {
  await worker?.stop();
  await converter?.close();
  await ctx?.close();
});

const get = (url: string, who?: User) => {
  const req = ctx.http().get(url);
  return who ? req.set('authorization', `Bearer ${who.token}`) : req;
};
const binary = (url: string, who?: User) =>
  get(url, who).buffer(true).parse((res, cb) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  });

async function uploaded(file: string | Buffer, fields: Record<string, string> = {}, filename?: string): Promise<{ id: number; status: string; failureReason: string | null }> {
  const res = await upload(ctx, alice.token, file, { fields, filename });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const id = res.body.document.id as number;
  return { id, ...(await waitForConversion(ctx, id, 180_000)) };
}

const pageRows = async (id: number) =>
  (await ctx.deps.db.pool.query<{ number: number; imageKey: string | null }>(
    'SELECT number, image_key AS "imageKey" FROM document_page_images WHERE document_id = $1 ORDER BY number', [id])).rows;
const docRow = async (id: number) =>
  (await ctx.deps.db.pool.query('SELECT pages, preview_pages AS "previewPages", pdf_key AS "pdfKey", thumbnail_key AS "thumbnailKey", title, format FROM documents WHERE id = $1', [id])).rows[0];

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe('the seed: pages, text layer, thumbnail, download', () => {
  let id: number;
  beforeAll(async () => {
    ({ id } = await uploaded(SEED_DOC));
  }, 200_000);

  it('when the seed is converted, then there is one page entry per page, free pages and the thumbnail are rendered, and the PDF is stored', async () => {
    const doc = await docRow(id);
    expect(doc.pages).toBe(8);
    const rows = await pageRows(id);
    expect(rows.map((r) => r.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // A free document: the first 3 pages eagerly, the rest on demand.
    expect(rows.map((r) => r.imageKey !== null)).toEqual([true, true, true, false, false, false, false, false]);
    expect(doc.pdfKey).toBeTruthy();
    expect(doc.thumbnailKey).toBeTruthy();
    const keys = await blobKeys(ctx);
    expect(keys).toContain(doc.pdfKey);
    expect(keys).toContain(doc.thumbnailKey);

    const res = await get(`/api/v1/documents/${id}/pages`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalPages: 8, pagesShown: 8, truncated: false });
    expect(res.body.pages).toHaveLength(8);
    expect(res.body.pages[0]).toMatchObject({ number: 1, width: 1000, textUrl: `/api/v1/documents/${id}/pages/1/text` });
    expect(res.body.pages[0].height).toBeGreaterThan(1300);
    expect(res.body.pages[0].imageUrl).toMatch(new RegExp(`^/api/v1/documents/${id}/pages/1/image\\?v=\\d+$`));
  });

  it('when page 1 text is read, then it holds the title and reads top to bottom, as JSON with nosniff', async () => {
    const res = await get(`/api/v1/documents/${id}/pages/1/text`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const text = (res.body.lines as Array<{ text: string; y: number }>).map((l) => l.text).join('');
    expect(text.replace(/\s/g, '')).toContain('在全县政法稳定工作推进会议上的讲话');
    const ys = (res.body.lines as Array<{ y: number }>).map((l) => l.y);
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
  });

  it('when a page image is fetched, then it is a PNG with nosniff and a short public cache; page 5 is rendered on demand once', async () => {
    const one = await binary(`/api/v1/documents/${id}/pages/1/image?v=1`);
    expect(one.status).toBe(200);
    expect(one.headers['content-type']).toBe('image/png');
    expect(one.headers['x-content-type-options']).toBe('nosniff');
    expect(one.headers['cache-control']).toMatch(/^public, max-age=60, s-maxage=30$/);
    expect((one.body as Buffer).subarray(0, 4)).toEqual(PNG);

    const before = await blobKeys(ctx);
    const [a, b] = await Promise.all([binary(`/api/v1/documents/${id}/pages/5/image`), binary(`/api/v1/documents/${id}/pages/5/image`)]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(Buffer.compare(a.body as Buffer, b.body as Buffer)).toBe(0);
    const after = await blobKeys(ctx);
    expect(after.length - before.length).toBe(1); // one render, one blob
    expect((await pageRows(id))[4]!.imageKey).toBe(after.find((k) => !before.includes(k)));
  });

  it('when the document is listed, then its thumbnail URL is public and serves a 200 px PNG', async () => {
    const res = await get(`/api/v1/documents/${id}`);
    expect(res.body.document.thumbnailUrl).toMatch(new RegExp(`^/api/v1/documents/${id}/thumbnail\\?v=\\d+$`));
    const thumb = await binary(res.body.document.thumbnailUrl);
    expect(thumb.status).toBe(200);
    expect(thumb.headers['content-type']).toBe('image/png');
    expect((thumb.body as Buffer).readUInt32BE(16)).toBe(200);
  });

  it('when a page beyond the document is asked for, then 404; a page number that is not a number, 404', async () => {
    expect((await get(`/api/v1/documents/${id}/pages/9/image`)).status).toBe(404);
    expect((await get(`/api/v1/documents/${id}/pages/9/text`)).status).toBe(404);
    expect((await get(`/api/v1/documents/${id}/pages/abc/image`)).status).toBe(404);
  });
});

describe('who sees which page of a paid document with 2 free pages', () => {
  let id: number;
  beforeAll(async () => {
    // Another 8-page document (the seed itself is already uploaded above).
    ({ id } = await uploaded(GOV_REPORT_DOC, { priceCents: '500', freePreviewPages: '2', title: '付费工作报告' }));
  }, 200_000);

  const shown = async (who?: User) => {
    const res = await get(`/api/v1/documents/${id}/pages`, who);
    return res.status === 200 ? (res.body.pages as Array<{ number: number }>).map((p) => p.number) : res.status;
  };

  it('when conversion ends, then only the 2 free pages are rendered', async () => {
    expect((await pageRows(id)).map((r) => r.imageKey !== null)).toEqual([true, true, false, false, false, false, false, false]);
  });

  it('when a non-buyer asks for page 5 by any URL, then 403 and nothing is rendered for it (no blob written)', async () => {
    const before = await blobKeys(ctx);
    for (const who of [undefined, bob]) {
      expect(await shown(who)).toEqual([1, 2]);
      const list = await get(`/api/v1/documents/${id}/pages`, who);
      expect(list.body).toMatchObject({ totalPages: 8, pagesShown: 2, truncated: true });
      for (const url of [`/pages/5/image`, `/pages/5/image?v=1`, `/pages/3/text`, `/pages/5/text`]) {
        expect((await get(`/api/v1/documents/${id}${url}`, who)).status).toBe(403);
      }
    }
    expect(await blobKeys(ctx)).toEqual(before);
    expect((await pageRows(id))[4]!.imageKey).toBeNull();
  });

  it('when the document page is served, then page 1\'s image is in its HTML and the inline page list holds only the caller\'s pages', async () => {
    const inline = async (who?: User) => {
      const html = (await get(`/doc/${id}`, who)).text;
      const data = html.match(/<script type="application\/json" id="reader-pages-data">([^<]*)<\/script>/u);
      expect(data, 'inline page list').not.toBeNull();
      const list = JSON.parse(data![1]!) as { pages: Array<{ number: number; imageUrl: string }>; truncated: boolean };
      const firstImg = html.match(/<div class="reader-page is-served"[^>]*><img class="reader-img" src="([^"]+)"/u);
      expect(firstImg?.[1]?.replaceAll('&amp;', '&')).toBe(list.pages[0]!.imageUrl);
      // One box per page the caller may see, and none past them.
      expect(html.match(/<div class="reader-page is-served" data-page=/gu)?.length).toBe(list.pages.length);
      return { numbers: list.pages.map((p) => p.number), truncated: list.truncated, html };
    };
    for (const who of [undefined, bob]) {
      const page = await inline(who);
      expect(page.numbers).toEqual([1, 2]);
      expect(page.truncated).toBe(true);
      expect(page.html).not.toMatch(new RegExp(`/api/v1/documents/${id}/pages/[3-8]/`));
    }
    expect((await inline(alice)).numbers).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('when a free page is fetched by a non-buyer, then it may be cached publicly; the uploader and admin see every page, privately', async () => {
    const free = await binary(`/api/v1/documents/${id}/pages/2/image`);
    expect(free.status).toBe(200);
    expect(free.headers['cache-control']).toMatch(/^public/);
    for (const who of [alice, admin]) {
      expect(await shown(who)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      const t = await get(`/api/v1/documents/${id}/pages/6/text`, who);
      expect(t.status).toBe(200);
      expect(t.headers['cache-control']).toBe('private, no-cache');
      expect(t.headers.etag).toBeTruthy();
    }
  });

  it('when bob buys it, then he sees and renders page 5; after a refund, the 2 free pages again; after a takedown, nothing', async () => {
    const tx = (await ctx.deps.db.pool.query(`INSERT INTO ledger_transactions (kind, reference) VALUES ('purchase', 'pages-test') RETURNING id`)).rows[0].id;
    const purchase = (await ctx.deps.db.pool.query(
      `INSERT INTO purchases (buyer_id, document_id, price_cents, author_id, author_cents, platform_cents, ledger_transaction_id)
       VALUES ($1, $2, 500, $3, 350, 150, $4) RETURNING id`,
      [bob.user.id, id, alice.user.id, tx],
    )).rows[0].id;
    expect(await shown(bob)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const img = await binary(`/api/v1/documents/${id}/pages/5/image`, bob);
    expect(img.status).toBe(200);
    expect(img.headers['cache-control']).toBe('private, no-cache');
    expect((img.body as Buffer).subarray(0, 4)).toEqual(PNG);
    expect((await pageRows(id))[4]!.imageKey).not.toBeNull();

    await ctx.deps.db.pool.query(`UPDATE purchases SET status = 'refunded', refunded_at = now() WHERE id = $1`, [purchase]);
    expect(await shown(bob)).toEqual([1, 2]);
    expect((await get(`/api/v1/documents/${id}/pages/5/image`, bob)).status).toBe(403);

    await ctx.deps.db.pool.query(`UPDATE documents SET taken_down_at = now() WHERE id = $1`, [id]);
    for (const who of [undefined, bob, alice]) {
      expect(await shown(who)).toBe(404);
      expect((await get(`/api/v1/documents/${id}/pages/1/image`, who)).status).toBe(404);
      expect((await get(`/api/v1/documents/${id}/thumbnail`, who)).status).toBe(404);
    }
    expect(await shown(admin)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('every format family: upload → conversion → pages → download', () => {
  const cases: Array<[string, string, number | null]> = [
    ['zh-notice.pdf', 'PDF', null],
    ['zh-slides.pptx', 'PPTX', 2],
    ['zh-budget.xlsx', 'XLSX', null],
    ['zh-notice-gbk.txt', 'TXT', null],
    ['zh-report.odt', 'ODT', null],
    ['zh-report.rtf', 'RTF', null],
  ];
  for (const [file, format, expectedPages] of cases) {
    it(`when ${file} is uploaded, then it converts, has one page entry per page, page 1 renders, and downloads byte for byte`, async () => {
      const bytes = readFileSync(path.join(FIXTURES, file));
      const { id, status, failureReason } = await uploaded(bytes, {}, file);
      expect(status, failureReason ?? '').toBe('ready');
      const doc = await docRow(id);
      expect(doc.format).toBe(format);
      if (expectedPages) expect(doc.pages).toBe(expectedPages);
      expect(await pageRows(id)).toHaveLength(doc.previewPages);
      expect(doc.previewPages).toBe(doc.pages);
      const list = await get(`/api/v1/documents/${id}/pages`);
      expect(list.body.pages).toHaveLength(doc.pages);
      const img = await binary(`/api/v1/documents/${id}/pages/1/image`);
      expect((img.body as Buffer).subarray(0, 4)).toEqual(PNG);
      const text = await get(`/api/v1/documents/${id}/pages/1/text`);
      expect(text.body.lines.length).toBeGreaterThan(0);
      // The title comes from the document (the stale property titles 「标准名称」 lose).
      expect(doc.title).not.toMatch(/标准名称/);

      const link = await ctx.http().post(`/api/v1/documents/${id}/download-link`).set('authorization', `Bearer ${alice.token}`).send({ confirm: true });
      expect(link.status).toBe(200);
      {
        const dl = await ctx.http().get(new URL(link.body.url, 'http://x').pathname + new URL(link.body.url, 'http://x').search).buffer(true).parse((res, cb) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => cb(null, Buffer.concat(chunks)));
        });
        expect(dl.status).toBe(200);
        expect(dl.headers['content-type']).toBe(FORMATS[format as DocumentFormat].mime);
        expect(dl.headers['content-disposition']).toContain(`.${FORMATS[format as DocumentFormat].ext}`);
        expect(createHash('sha256').update(dl.body as Buffer).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));
      }
    }, 200_000);
  }
});

describe('hostile files through upload', () => {
  it('when a PDF has 100,000 pages, then it converts with the true count kept and only the capped preview pages listed', async () => {
    const { manyPagesPdf } = await import('../conversion/pdf-fixtures.js');
    const { id, status, failureReason } = await uploaded(manyPagesPdf(100_000), {}, 'many.pdf');
    expect(status, failureReason ?? '').toBe('ready');
    const doc = await docRow(id);
    expect(doc.pages).toBe(100_000);
    expect(doc.previewPages).toBe(200);
    const list = await get(`/api/v1/documents/${id}/pages`);
    expect(list.body).toMatchObject({ totalPages: 100_000, pagesShown: 200, truncated: true });
    expect((await pageRows(id)).filter((r) => r.imageKey).length).toBe(3);
  }, 200_000);

  it('when a PDF carries JavaScript and a launch action, then the preview is images and text and the download is the original', async () => {
    const pdf = buildPdf([{ content: 'BT /F1 24 Tf 72 720 Td (Hello launch) Tj ET' }], [
      '<< /S /JavaScript /JS (app.alert\\("x"\\)) >>',
      '<< /S /Launch /F (calc.exe) >>',
    ]).toString('latin1').replace('<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R /AA << /O 7 0 R >> >>');
    const { id, status } = await uploaded(Buffer.from(pdf, 'latin1'), {}, 'js.pdf');
    expect(status).toBe('ready');
    const text = await get(`/api/v1/documents/${id}/pages/1/text`);
    expect(text.body.lines.map((l: { text: string }) => l.text).join(' ')).toContain('Hello launch');
  }, 200_000);

  it('when a PDF is also a zip or has a broken xref, then it is judged a PDF, repaired and previewed', async () => {
    for (const file of ['zh-notice-polyglot-zip.pdf', 'zh-notice-bad-xref.pdf']) {
      const { id, status, failureReason } = await uploaded(readFileSync(path.join(FIXTURES, file)), {}, file);
      expect(status, failureReason ?? '').toBe('ready');
      expect((await docRow(id)).format).toBe('PDF');
      expect((await get(`/api/v1/documents/${id}/pages`)).body.pages.length).toBeGreaterThan(0);
    }
  }, 200_000);

  it('when a PDF inflates to 16 GiB, then the conversion fails with a Chinese reason and leaves no page blobs behind', async () => {
    const { buildPdfBomb } = await import('../conversion/format-fixtures.js');
    const before = await blobKeys(ctx);
    const { id, status, failureReason } = await uploaded(buildPdfBomb(16), {}, 'bomb.pdf');
    expect(status).toBe('failed');
    expect(failureReason).toMatch(/[\u4e00-\u9fff]/u);
    const doc = await docRow(id);
    expect(doc.pdfKey).toBeNull();
    expect(await pageRows(id)).toHaveLength(0);
    expect((await blobKeys(ctx)).length - before.length).toBe(1); // only the original upload
  }, 200_000);
});

describe('hostile office files: nothing is fetched, everything is contained', () => {
  let server: Server;
  let port = 0;
  const hits: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      res.end('fetched');
    });
    server.on('connection', () => hits.push('connection'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    // The listener works from here (so silence below means no fetch).
    await fetch(`http://127.0.0.1:${port}/probe`);
    expect(hits).toContain('GET /probe');
    hits.length = 0;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Rewrites a fixture package with python's zipfile: replaced and added parts. */
  function repack(fixture: string, parts: Record<string, string>, replace: Record<string, [string, string]> = {}): Buffer {
    const script = `
import sys, zipfile, io, json
src, spec = sys.argv[1], json.loads(sys.stdin.read())
out = io.BytesIO()
with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as zout:
    for item in zin.infolist():
        data = zin.read(item.filename)
        if item.filename in spec['replace']:
            a, b = spec['replace'][item.filename]
            data = data.decode('utf-8').replace(a, b, 1).encode('utf-8')
        zout.writestr(item.filename, data)
    for name, text in spec['parts'].items():
        zout.writestr(name, text)
sys.stdout.buffer.write(out.getvalue())
`;
    const r = spawnSync('python3', ['-c', script, path.join(FIXTURES, fixture)], { input: JSON.stringify({ parts, replace }), maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(r.stderr.toString());
    return r.stdout;
  }

  it('when an .xlsx has external links, WEBSERVICE and DDE formulas, then it converts and LibreOffice connects to nothing', async () => {
    const url = `http://127.0.0.1:${port}`;
    const xlsx = repack('zh-budget.xlsx', {
      'xl/externalLinks/externalLink1.xml': `<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><externalBook r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook></externalLink>`,
      'xl/externalLinks/_rels/externalLink1.xml.rels': `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" Target="${url}/book.xlsx" TargetMode="External"/></Relationships>`,
    }, {
      'xl/worksheets/sheet1.xml': ['</sheetData>', `<row r="90"><c r="A90"><f>WEBSERVICE("${url}/ws")</f></c><c r="B90"><f>[1]Sheet1!A1</f></c><c r="C90"><f>cmd|'/c curl ${url}/dde'!A0</f></c></row></sheetData>`],
    });
    const { id, status, failureReason } = await uploaded(xlsx, {}, 'links.xlsx');
    expect(status, failureReason ?? '').toBe('ready');
    expect((await get(`/api/v1/documents/${id}/pages`)).body.pages.length).toBeGreaterThan(0);
    expect(hits).toEqual([]);
  }, 200_000);

  it('when a .pptx slide links a remote image, then it converts and nothing is fetched', async () => {
    const url = `http://127.0.0.1:${port}`;
    const pptx = repack('zh-slides.pptx', {}, {
      'ppt/slides/_rels/slide1.xml.rels': ['</Relationships>', `<Relationship Id="rIdRemote" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/image" Target="${url}/remote.png" TargetMode="External"/></Relationships>`],
      'ppt/slides/slide1.xml': ['</p:spTree>', `<p:pic><p:nvPicPr><p:cNvPr id="99" name="Remote"/><p:cNvPicPr/><p:nvPr/></p:nvPicPr><p:blipFill><a:blip r:link="rIdRemote"/><a:stretch><a:fillRect/></a:stretch></p:blipFill><p:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="914400" cy="914400"/></a:xfrm><a:prstGeom prst="rect"><a:avLst/></a:prstGeom></p:spPr></p:pic></p:spTree>`],
    });
    const { status, failureReason } = await uploaded(pptx, {}, 'remote.pptx');
    expect(status, failureReason ?? '').toBe('ready');
    expect(hits).toEqual([]);
  }, 200_000);

  it('when a spreadsheet is a zip bomb, then it fails with the Chinese reason and no PDF or page is kept', async () => {
    const before = await blobKeys(ctx);
    const bomb = repack('zh-budget.xlsx', { 'xl/media/pad.xml': 'A'.repeat(40 * 1024 * 1024) });
    const { id, status, failureReason } = await uploaded(bomb, {}, 'bomb.xlsx');
    expect(status).toBe('failed');
    expect(failureReason).toMatch(/压缩炸弹/);
    expect(await pageRows(id)).toHaveLength(0);
    expect((await blobKeys(ctx)).length - before.length).toBe(1);
  }, 200_000);

  it('when a TXT is 50 MB on one line, then it is laid out in part with an estimated page count, and the original is kept', async () => {
    const big = Buffer.alloc(50_000_000, '文库测试'.repeat(1));
    const { id, status, failureReason } = await uploaded(Buffer.from(big.toString('utf8').slice(0, 16_000_000)), {}, 'one-line.txt');
    expect(status, failureReason ?? '').toBe('ready');
    const doc = await docRow(id);
    expect(doc.previewPages).toBeGreaterThan(0);
    expect(doc.pages).toBeGreaterThan(doc.previewPages);
    expect((await get(`/api/v1/documents/${id}/pages`)).body).toMatchObject({ truncated: true });
  }, 300_000);

  it('when an RTF carries an embedded object, then it converts to pages with its text', async () => {
    const rtf = '{\\rtf1\\ansi\\ansicpg936{\\fonttbl{\\f0 SimSun;}}\\f0 Embedded object test \\par{\\object\\objemb\\objw100\\objh100{\\*\\objclass Package}{\\*\\objdata 01050000020000000800000050616b6167650000000000000000001000000041414141414141414141414141414141}}\\par Done.}';
    const { id, status, failureReason } = await uploaded(Buffer.from(rtf, 'latin1'), {}, 'object.rtf');
    expect(status, failureReason ?? '').toBe('ready');
    const text = await get(`/api/v1/documents/${id}/pages/1/text`);
    expect(text.body.lines.map((l: { text: string }) => l.text).join(' ')).toContain('Embedded object test');
  }, 200_000);
});
