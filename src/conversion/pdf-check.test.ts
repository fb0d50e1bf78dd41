// PDF check and repair with qpdf in the sandbox: user vs owner passwords, a broken xref, the true
// page count of a 100,000-page file, a decompression bomb contained by the limits, and nothing
// left behind in the work folder.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { buildPdf, buildPdfBomb, sharedCorpusDir } from './format-fixtures.js';
import { checkPdf, pdfNeedsPassword } from './pdf-check.js';
import { runSandboxed, sandboxAvailable, type SandboxOptions } from './sandbox.js';
import { refusalReason, sniffUpload } from './sniff.js';

const hasQpdf = spawnSync('qpdf', ['--version']).status === 0;
const canRun = hasQpdf && sandboxAvailable();
const dir = mkdtempSync(path.join(tmpdir(), 'wk-pdf-'));
const work = path.join(dir, 'work');
execFileSync('mkdir', ['-p', work]);
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const FORMATS = path.join(sharedCorpusDir(), 'external/formats');

function write(name: string, data: Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
}

async function refused(p: string, opts: Partial<Parameters<typeof checkPdf>[1]> = {}): Promise<string | null> {
  const err = await checkPdf(p, { workDir: work, ...opts }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return refusalReason(err);
}

describe.skipIf(!canRun)('checkPdf', () => {
  it('when a PDF needs a user password, then it is refused as encrypted; with only an owner password it is accepted and decrypted for rendering', async () => {
    const plain = write('plain.pdf', buildPdf(3));
    const user = path.join(dir, 'user.pdf');
    const owner = path.join(dir, 'owner.pdf');
    execFileSync('qpdf', ['--encrypt', 'secret', 'owner-pw', '256', '--', plain, user]);
    execFileSync('qpdf', ['--encrypt', '', 'owner-pw', '256', '--print=none', '--extract=n', '--', plain, owner]);
    expect(await refused(user)).toBe('encrypted');
    const r = await checkPdf(owner, { workDir: work });
    expect(r).toMatchObject({ restricted: true, repaired: true, pages: 3 });
    // The copy handed to the renderers needs no password at all.
    expect(spawnSync('qpdf', ['--requires-password', r.pdfPath]).status).toBe(2);
    await r.cleanup();
    expect(await refused(path.join(FORMATS, 'pdf.js/saslprep-r6.pdf'))).toBe('encrypted');
    const tika = await checkPdf(path.join(FORMATS, 'tika/testPDF_no_extract_no_accessibility_owner_empty.pdf'), { workDir: work });
    expect(tika).toMatchObject({ restricted: true, pages: 1 });
    await tika.cleanup();
    expect(readdirSync(work)).toEqual([]);
  });

  it('when the xref table is broken, then qpdf rewrites the file and the page count comes from the repaired copy', async () => {
    const broken = write('broken-xref.pdf', buildPdf(4, { breakXref: true }));
    const r = await checkPdf(broken, { workDir: work });
    expect(r).toMatchObject({ repaired: true, restricted: false, pages: 4 });
    expect(r.warnings.join(' ')).toMatch(/xref|damaged|reconstruct|offset/iu);
    expect(spawnSync('qpdf', ['--check', r.pdfPath]).status).toBe(0);
    await r.cleanup();
    for (const rel of ['qpdf/bad-xref.pdf', 'pdf.js/GHOSTSCRIPT-698804-1-fuzzed.pdf']) {
      const c = await checkPdf(path.join(FORMATS, rel), { workDir: work });
      expect(c.pages, rel).toBe(1);
      await c.cleanup();
    }
  });

  it('when a PDF has 100,000 pages, then it is accepted with its true count (the renderer caps the preview)', async () => {
    const big = write('100k.pdf', buildPdf(100_000));
    const r = await checkPdf(big, { workDir: work });
    expect(r.pages).toBe(100_000);
    await r.cleanup();
  }, 60_000);

  it('when a stream inflates to 16 GiB, then the time limit contains it: refused as too complex, nothing left behind', async () => {
    const bomb = write('bomb.pdf', buildPdfBomb(16));
    expect(existsSync(bomb)).toBe(true);
    const t0 = Date.now();
    expect(await refused(bomb, { timeoutMs: 3000, memoryBytes: 256 * 1024 * 1024 })).toBe('too_complex');
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(readdirSync(work)).toEqual([]);
  }, 30_000);

  it('when the bytes are not a PDF qpdf can read, then it is refused as damaged', async () => {
    expect(await refused(write('garbage.pdf', Buffer.from('%PDF-1.4\nnothing here at all\n')))).toBe('damaged');
  });

  it('when the runner is injected, then every qpdf call goes through it inside /job with the limits', async () => {
    const calls: SandboxOptions[] = [];
    const r = await checkPdf(write('spy.pdf', buildPdf(1)), {
      workDir: work,
      timeoutMs: 5000,
      memoryBytes: 128 * 1024 * 1024,
      run: (o) => {
        calls.push(o);
        return runSandboxed(o);
      },
    });
    await r.cleanup();
    expect(calls.map((c) => c.command[1])).toEqual(['--requires-password', '--check', '--show-npages']);
    expect(calls.every((c) => c.command[0] === 'qpdf' && c.timeoutMs === 5000 && c.memoryBytes === 128 * 1024 * 1024)).toBe(true);
    expect(calls.every((c) => c.command.slice(1).every((a) => !a.startsWith('/') || a.startsWith('/job/')))).toBe(true);
  });

  it('when an upload is a PDF with a user password, then sniffUpload refuses it as encrypted; owner-password-only and plain PDFs pass', async () => {
    const generated = path.resolve(import.meta.dirname, '../../test/fixtures/generated');
    const needs = (p: string) => pdfNeedsPassword(p, { workDir: work });
    const err = await sniffUpload(path.join(generated, 'zh-notice-user-password.pdf'), { pdfNeedsPassword: needs }).catch((e: unknown) => e);
    expect(refusalReason(err)).toBe('encrypted');
    expect((err as Error).message).toContain('文档已加密');
    expect(await sniffUpload(path.join(generated, 'zh-notice-owner-only.pdf'), { pdfNeedsPassword: needs })).toEqual({ format: 'PDF', pdfEncrypted: true });
    expect(await sniffUpload(path.join(generated, 'zh-notice.pdf'), { pdfNeedsPassword: needs })).toEqual({ format: 'PDF' });
    expect(readdirSync(work)).toEqual([]);
  });
});
