// Text: encoding detection from a sample, and streamed re-encoding to UTF-8 (incl. 50 MB on one line).
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedCorpusDir } from './format-fixtures.js';
import { decodeTextBuffer, decodeTextFile, detectTextEncoding, looksLikeJunk } from './text-decode.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wk-text-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FORMATS = path.join(sharedCorpusDir(), 'external/formats');
const ZH = '孙子曰：兵者，国之大事，死生之地，存亡之道，不可不察也。';

describe('detectTextEncoding', () => {
  it('when text is UTF-8, UTF-8 with BOM, UTF-16 LE/BE with BOM or GBK, then that encoding is named', () => {
    expect(detectTextEncoding(Buffer.from(ZH), true)).toEqual({ ok: true, encoding: 'utf8', bom: false });
    expect(detectTextEncoding(Buffer.from(`\ufeff${ZH}`), true)).toEqual({ ok: true, encoding: 'utf8', bom: true });
    expect(detectTextEncoding(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(ZH, 'utf16le')]), true)).toMatchObject({ ok: true, encoding: 'utf16le' });
    expect(detectTextEncoding(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(ZH, 'utf16le').swap16()]), true)).toMatchObject({ ok: true, encoding: 'utf16be' });
    expect(detectTextEncoding(iconv.encode(ZH, 'gbk'), true)).toMatchObject({ ok: true, encoding: 'gb18030' });
    // The corpus's 12-byte GBK file that statistical detectors get wrong.
    expect(detectTextEncoding(readFileSync(path.join(FORMATS, 'AndroidUtilCode/GBK.txt')), true)).toMatchObject({ ok: true, encoding: 'gb18030' });
  });

  it('when a sample ends in the middle of a UTF-8 or GBK character, then it is still that encoding (unless the sample is the whole file)', () => {
    const utf8 = Buffer.from(ZH).subarray(0, 10); // 3 whole characters and one byte of the next
    expect(detectTextEncoding(utf8, false)).toMatchObject({ ok: true, encoding: 'utf8' });
    const gbk = iconv.encode(ZH, 'gbk').subarray(0, 9);
    expect(detectTextEncoding(gbk, false)).toMatchObject({ ok: true, encoding: 'gb18030' });
  });

  it('when bytes hold NULs or control characters, or Latin-1 text that is not plausible GB18030, then they are refused', () => {
    expect(detectTextEncoding(Buffer.from('abc\u0000def'), true)).toEqual({ ok: false, reason: 'binary' });
    expect(detectTextEncoding(Buffer.from(Array.from({ length: 400 }, (_, i) => (i % 7 === 0 ? 2 : 65))), true)).toEqual({ ok: false, reason: 'binary' });
    expect(detectTextEncoding(iconv.encode('Le café crème était très élevé, à côté.', 'latin1'), true)).toEqual({ ok: false, reason: 'unknown_encoding' });
  });
});

describe('decodeTextFile', () => {
  it('when GBK, UTF-16 and HZ files are decoded, then the output is the same UTF-8 text (with a BOM for LibreOffice)', async () => {
    for (const [name, bytes, enc] of [
      ['gbk.txt', iconv.encode(`${ZH}\n第二行`, 'gbk'), 'gb18030'],
      ['le.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${ZH}\n第二行`, 'utf16le')]), 'utf16le'],
    ] as const) {
      const src = path.join(dir, name);
      writeFileSync(src, bytes);
      const out = path.join(dir, `${name}.utf8`);
      const stats = await decodeTextFile(src, out, enc);
      expect(readFileSync(out, 'utf8')).toBe(`\ufeff${ZH}\n第二行`);
      expect(stats).toMatchObject({ lines: 2, replaced: 0 });
    }
    const hz = path.join(FORMATS, 'golang-text/sunzi-bingfa-gb-levels-1-and-2-hz-gb2312.txt');
    const out = path.join(dir, 'hz.utf8');
    await decodeTextFile(hz, out, 'hz-gb-2312', { bom: false });
    const utf8 = readFileSync(path.join(FORMATS, 'golang-text/sunzi-bingfa-simplified-utf-8.txt'), 'utf8');
    const decoded = readFileSync(out, 'utf8');
    // Same text, except the characters outside GB2312 levels 1 and 2 that the HZ file cannot hold (as "?").
    expect(decoded.length).toBe(utf8.length);
    const expected = [...utf8];
    const differing = [...decoded].filter((c, i) => c !== expected[i]);
    expect(differing.every((c) => c === '?')).toBe(true);
    expect(differing.length).toBeLessThan(decoded.length * 0.02);
    expect(decodeTextBuffer(Buffer.from('~{<:Ky2;S{#,NpJ)SZHK!#~}'), 'hz-gb-2312')).toBe('己所不欲，勿施于人。');
  });

  it('when a 50 MB file is one line, then it is decoded as a stream, broken into lines of at most 5,000 characters, and memory stays flat', async () => {
    const src = path.join(dir, 'one-line.txt');
    const ws = createWriteStream(src);
    const chunk = Buffer.from(ZH.repeat(2000)); // ~170 KB of UTF-8, no newline
    let written = 0;
    while (written < 50 * 1024 * 1024) {
      if (!ws.write(chunk)) await new Promise<void>((r) => ws.once('drain', () => r()));
      written += chunk.length;
    }
    await new Promise<void>((r) => ws.end(() => r()));
    expect(statSync(src).size).toBeGreaterThanOrEqual(50 * 1024 * 1024);

    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const out = path.join(dir, 'one-line.utf8');
    const stats = await decodeTextFile(src, out, 'utf8');
    clearInterval(timer);
    expect(stats.replaced).toBe(0);
    expect(stats.brokenLines).toBe(1);
    expect(stats.chars).toBeGreaterThan(17_000_000);
    expect(stats.lines).toBeGreaterThan(stats.chars / 5001);
    // 50 MB decoded whole would be ~35 MB of string plus copies; streaming stays far below.
    expect(peak - before).toBeLessThan(60 * 1024 * 1024);
    expect(statSync(out).size).toBeGreaterThan(statSync(src).size); // same text + newlines + BOM
  }, 60_000);

  it('when a file starts as text but turns to binary, then the decode counts the damage and looksLikeJunk says so', async () => {
    const src = path.join(dir, 'junk.txt');
    writeFileSync(src, Buffer.concat([Buffer.from('正常的开头\n'), Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 37) % 256))]));
    const stats = await decodeTextFile(src, path.join(dir, 'junk.utf8'), 'utf8');
    expect(looksLikeJunk(stats)).toBe(true);
    const ok = path.join(dir, 'ok.txt');
    writeFileSync(ok, `${ZH}\n`.repeat(100));
    expect(looksLikeJunk(await decodeTextFile(ok, path.join(dir, 'ok.utf8'), 'utf8'))).toBe(false);
  });
});
