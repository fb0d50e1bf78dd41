import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { titleKeywords } from '../text/chinese.js';
import { ConversionError, createConverter, sniffWordFile, type Converter } from './index.js';
import { findSoffice } from './libreoffice.js';
import { buildDocx, buildZip, link, para } from './test-fixtures.js';

const CORPUS = path.resolve(import.meta.dirname, '../../../shared/corpus');
const SEED = path.join(CORPUS, 'seed', '在全县政法稳定工作推进会议上的讲话.doc');
const SECURITY = path.join(CORPUS, 'generated', 'security');
const log = pino({ level: 'silent' });
const hasLibreOffice = findSoffice(undefined) !== null;

let dir: string;
let converter: Converter;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wk-conv-test-'));
  converter = createConverter({ workDir: path.join(dir, 'work'), log });
});
afterAll(async () => {
  await converter.close();
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, data: Buffer | string): string {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
}

async function sniffError(p: string): Promise<AppError> {
  const err = await sniffWordFile(p).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  expect((err as AppError).code).toBe('unsupported_file');
  return err as AppError;
}

describe('sniffWordFile', () => {
  it('when the file is empty, then it is unsupported with a Chinese and English reason', async () => {
    const err = await sniffError(write('empty.doc', ''));
    expect(err.message).toMatch(/文件为空.*\(empty file\)/u);
  });

  it('when an exe, a PDF or random bytes are renamed, then each is unsupported and says what it is', async () => {
    expect((await sniffError(write('setup.doc', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(4000, 7)])))).message).toMatch(/可执行程序/u);
    expect((await sniffError(write('paper.docx', '%PDF-1.7\n1 0 obj <<>> endobj\n'.repeat(40)))).message).toMatch(/PDF/u);
    const random = Buffer.alloc(4096);
    for (let i = 0; i < random.length; i++) random[i] = (i * 7919 + 13) % 251;
    expect((await sniffError(write('random.doc', random))).message).toMatch(/无法识别/u);
  });

  it('when a zip is not a Word package, or a Word package is truncated, then it is unsupported', async () => {
    expect((await sniffError(write('photos.docx', buildZip([{ name: 'a.txt', data: 'hello' }])))).message).toMatch(/不是(Word )?文档/u);
    const docx = buildDocx(para('hello'));
    expect((await sniffError(write('cut.docx', docx.subarray(0, docx.length - 30)))).message).toMatch(/损坏/u);
  });

  it('when a .doc is truncated, then it is unsupported (damaged) rather than crashing', async () => {
    const seed = readFileSync(SEED);
    await sniffError(write('truncated.doc', seed.subarray(0, 3000)));
  });

  it('when documents are password-protected, then the reason says so', async () => {
    expect((await sniffError(path.join(CORPUS, 'external/poi/PasswordProtected.doc'))).message).toMatch(/密码/u);
    expect((await sniffError(path.join(CORPUS, 'external/poi/bug53475-password-is-pass.docx'))).message).toMatch(/密码/u);
  });

  it('when the seed document is sniffed, then it is a DOC of 23,552 bytes', async () => {
    expect(readFileSync(SEED).length).toBe(23_552);
    expect(await sniffWordFile(SEED)).toEqual({ format: 'DOC' });
    expect(await sniffWordFile(write('ok.docx', buildDocx(para('x'))))).toEqual({ format: 'DOCX' });
  });
});

describe('convert', () => {
  it.skipIf(!hasLibreOffice)('when the seed is converted, then it has 8 laid-out pages, its title, keywords and faithful text', async () => {
    const r = await converter.convert({ filePath: SEED, format: 'DOC' });
    expect(r.pageCount).toBe(8);
    expect(r.pages).toHaveLength(8);
    expect(r.pages.every((p) => p.length > 100)).toBe(true);
    expect(r.simplified).toBe(false);
    expect(r.properties.title).toBe('党办:在全县政法稳定工作推进会议上的讲话');
    expect(titleKeywords(r.properties.title!)).toEqual(['党办', '全县', '政法', '稳定', '工作', '推进', '会议', '讲话']);
    expect(r.text).toContain('信访工作');
    expect(r.text).toContain('“'); // curly quotes survive
    expect(r.text).not.toMatch(/[\uE000\uE001]/u); // page markers never leak
    expect(r.wordCount).toBeGreaterThan(4000);
    // Pages are cut where the layout cut them: no text is lost or duplicated by the split.
    expect(r.pages.join('').replace(/<[^>]*>/gu, '').length).toBeGreaterThan(4000);
  });

  it.skipIf(!hasLibreOffice)('when the Chinese fixtures are converted, then page counts match LibreOffice layout (8, 2, 3)', async () => {
    const expected: Record<string, number> = { 'zh-gov-report-8p.doc': 8, 'zh-notice-table.doc': 2, 'zh-minutes-footnotes.doc': 3 };
    for (const [name, pages] of Object.entries(expected)) {
      const r = await converter.convert({ filePath: path.join(CORPUS, 'generated', name), format: 'DOC' });
      expect(r.pageCount, name).toBe(pages);
      expect(r.pages, name).toHaveLength(pages);
      expect(r.properties.title, name).toBeTruthy();
    }
  });

  it('when hyperlinks carry javascript:, vbscript: and data:text/html, then none survive sanitising', async () => {
    const body = [
      link('rId1', 'js'), link('rId2', 'js2'), link('rId3', 'data'), link('rId4', 'vb'), link('rId5', 'ok'),
      para('&lt;script&gt;alert(1)&lt;/script&gt;'),
    ].join('');
    const file = write('links.docx', buildDocx(body, [
      { id: 'rId1', type: 'hyperlink', target: 'javascript:alert(1)', external: true },
      { id: 'rId2', type: 'hyperlink', target: ' JaVaScRiPt:alert(2)', external: true },
      { id: 'rId3', type: 'hyperlink', target: 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', external: true },
      { id: 'rId4', type: 'hyperlink', target: 'vbscript:msgbox(1)', external: true },
      { id: 'rId5', type: 'hyperlink', target: 'https://example.com/a?b=1&amp;c=2', external: true },
    ]));
    for (const f of [file, path.join(SECURITY, 'xss-hyperlinks.docx')]) {
      const r = await converter.convert({ filePath: f, format: 'DOCX' });
      const html = r.pages.join('');
      // Attribute values may contain escaped text such as `&quot; onerror=`; what matters is which
      // attributes exist and where links point.
      const attributes = new Set([...html.matchAll(/<[a-z0-9]+((?:\s[a-z-]+="[^"]*")*)\s*\/?>/giu)].flatMap((m) => [...m[1]!.matchAll(/\s([a-z-]+)="[^"]*"/giu)].map((a) => a[1])));
      expect([...attributes].every((a) => ['href', 'rel', 'id', 'src', 'alt', 'class', 'title', 'colspan', 'rowspan', 'start'].includes(a!))).toBe(true);
      expect(html).not.toMatch(/<script|<svg|<iframe|<object|<style/iu);
      expect(html).not.toMatch(/(href|src)="\s*(javascript|vbscript|data:text|file)/iu);
      expect(html).not.toMatch(/data:image\/svg/iu);
      for (const href of html.matchAll(/href="([^"]*)"/gu)) expect(href[1]).toMatch(/^(https?:|mailto:|#)/u);
      if (f === file) {
        expect(html).toContain('href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener noreferrer"');
        expect(html).toContain('&lt;script&gt;');
      }
    }
  });

  it('when a zip bomb arrives, then it is refused quickly and the converter still works', async () => {
    const t0 = Date.now();
    const err = await converter.convert({ filePath: path.join(SECURITY, 'bomb-paras-10.docx'), format: 'DOCX' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConversionError);
    expect((err as ConversionError).permanent).toBe(true);
    expect((err as ConversionError).reasonZh).toMatch(/压缩炸弹/u);
    // A bomb that lies about its sizes in the central directory is caught while inflating.
    const liar = write('liar.docx', buildDocx(para('x'), [], [{ name: 'word/styles.xml', data: '<a>' + ' '.repeat(5 * 1024 * 1024) + '</a>', lieAboutSize: 1000 }]));
    const err2 = await converter.convert({ filePath: liar, format: 'DOCX' }).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(ConversionError);
    expect(Date.now() - t0).toBeLessThan(30_000);
    const ok = await converter.convert({ filePath: write('after.docx', buildDocx(para('still alive'))), format: 'DOCX' });
    expect(ok.text).toBe('still alive');
  });

  it('when mammoth runs out of its memory cap, then the document fails cleanly and this process survives', async () => {
    const small = createConverter({
      workDir: path.join(dir, 'small'),
      log,
      sofficePath: null,
      limits: { mammoth: { heapMb: 48, timeoutMs: 60_000, maxInflatedBytes: 200 * 1024 * 1024, maxImageBytes: 1e7 } },
    });
    try {
      const many = Array.from({ length: 60_000 }, (_, i) => para(`段落 ${i}`)).join('');
      const err = await small.convert({ filePath: write('big.docx', buildDocx(many)), format: 'DOCX' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConversionError);
      expect((err as ConversionError).reasonZh).toMatch(/内存|超时/u);
      const ok = await small.convert({ filePath: write('small.docx', buildDocx(para('fine'))), format: 'DOCX' });
      expect(ok.text).toBe('fine');
    } finally {
      await small.close();
    }
  });

  it('when there is no LibreOffice, then a .doc gets a simplified text-only preview that keeps “” and ——', async () => {
    const plain = createConverter({ workDir: path.join(dir, 'plain'), log, sofficePath: null });
    try {
      const r = await plain.convert({ filePath: path.join(CORPUS, 'generated', 'zh-gov-report-8p.doc'), format: 'DOC' });
      expect(r.simplified).toBe(true);
      expect(r.pages.length).toBeGreaterThan(1);
      expect(r.text).toMatch(/[“”]/u);
      expect(r.text).toContain('——');
      expect(r.properties.title).toBe('临澜市2025年政府工作报告（摘要稿）');
      expect(r.wordCount).toBeGreaterThan(3000);
      await expect(plain.convert({ filePath: path.join(CORPUS, 'external/poi/Word6.doc'), format: 'DOC' })).rejects.toBeInstanceOf(ConversionError);
    } finally {
      await plain.close();
    }
  });

  it('when convert() is called after close(), then it rejects', async () => {
    const c = createConverter({ workDir: path.join(dir, 'closed'), log, sofficePath: null });
    await c.close();
    await expect(c.convert({ filePath: SEED, format: 'DOC' })).rejects.toThrow(/closed/u);
  });
});

describe.skipIf(!hasLibreOffice)('LibreOffice sandbox', () => {
  let server: Server;
  const requests: string[] = [];
  const secretPng = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  beforeAll(async () => {
    writeFileSync('/tmp/docx-secret.png', secretPng);
    writeFileSync('/tmp/docx-secret.txt', 'WK-SECRET-7c1e');
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'image/png' }).end(secretPng);
    });
    await new Promise<void>((resolve) => server.listen(8099, '127.0.0.1', resolve));
  });
  afterAll(() => {
    server.close();
    rmSync('/tmp/docx-secret.png', { force: true });
    rmSync('/tmp/docx-secret.txt', { force: true });
  });

  it('when a document links an http image and local files, then LibreOffice fetches nothing and embeds nothing', async () => {
    // The recorder works: a request from this process is seen.
    await fetch('http://127.0.0.1:8099/probe');
    expect(requests).toEqual(['/probe']);
    const r = await converter.convert({ filePath: path.join(SECURITY, 'extref.docx'), format: 'DOCX' });
    const html = r.pages.join('');
    expect(requests).toEqual(['/probe']);
    expect(html).not.toContain(secretPng.toString('base64').slice(0, 40));
    expect(html).not.toContain('WK-SECRET');
    expect(html).not.toMatch(/127\.0\.0\.1|file:/u);
  });
});
