// A PDF is checked (and, when needed, repaired) by qpdf inside the sandbox before anything renders
// it: a user password → refused (文档已加密); an owner password only (print/copy restrictions) →
// readable, decrypted into a copy the renderers accept; a damaged xref → rewritten by qpdf; what
// qpdf cannot read → refused as damaged. Every qpdf run has a wall-clock, CPU and memory limit, so a
// decompression bomb (`--check` decodes every stream) ends as a refusal, not a stuck worker.
import { copyFile, link, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';
import { JOB_DIR, runSandboxed, type SandboxOptions, type SandboxResult } from './sandbox.js';
import { ENCRYPTED_ZH } from './formats.js';

export type SandboxRunner = (opts: SandboxOptions) => Promise<SandboxResult>;

export interface PdfCheckOptions {
  /** A folder for the job (a sub-folder is made and removed again unless keepJob). */
  workDir: string;
  run?: SandboxRunner;
  /** Per qpdf run. */
  timeoutMs?: number;
  memoryBytes?: number;
}

export interface PdfCheckResult {
  /** The job folder holding `in.pdf` and, when repaired, `repaired.pdf`; the caller removes it (`cleanup`). */
  jobDir: string;
  /** The file to render: `in.pdf`, or `repaired.pdf` when qpdf rewrote it. */
  pdfPath: string;
  repaired: boolean;
  /** Owner password only: restrictions that a preview of images and text does not break. */
  restricted: boolean;
  /** The true page count (qpdf --show-npages of the file rendered); the renderer caps the preview. */
  pages: number;
  /** qpdf's warnings, shortened, for the log. */
  warnings: string[];
  cleanup(): Promise<void>;
}

export const DEFAULT_PDF_LIMITS = { timeoutMs: 30_000, memoryBytes: 1024 * 1024 * 1024 };

const refuse = (reason: 'encrypted' | 'damaged' | 'too_complex', zh: string, en: string) =>
  new AppError('unsupported_file', `${zh} (${en})`, { reason });

function warningsOf(r: SandboxResult): string[] {
  return r.stderr
    .split('\n')
    .map((l) => l.replace(/^qpdf: /u, '').replace(/\/job\/in\.pdf[:]?\s*/gu, '').trim())
    .filter((l) => l && !/operation succeeded with warnings/u.test(l))
    .slice(0, 20)
    .map((l) => l.slice(0, 200));
}

/**
 * Checks a PDF with qpdf in the sandbox and repairs it when qpdf has to. Throws AppError
 * unsupported_file with details.reason 'encrypted' (a user password), 'damaged' (qpdf cannot
 * read it) or 'too_complex' (a limit ran out, e.g. a decompression bomb).
 */
export async function checkPdf(filePath: string, opts: PdfCheckOptions): Promise<PdfCheckResult> {
  const run = opts.run ?? runSandboxed;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_PDF_LIMITS.timeoutMs;
  const memoryBytes = opts.memoryBytes ?? DEFAULT_PDF_LIMITS.memoryBytes;
  const jobDir = await mkdtemp(path.join(opts.workDir, 'pdf-'));
  const cleanup = () => rm(jobDir, { recursive: true, force: true });
  try {
    // A hard link costs nothing; across file systems, a copy.
    await link(filePath, path.join(jobDir, 'in.pdf')).catch(() => copyFile(filePath, path.join(jobDir, 'in.pdf')));
    const qpdf = async (...args: string[]) => {
      const r = await run({ jobDir, command: ['qpdf', ...args], timeoutMs, memoryBytes });
      if (r.timedOut || r.signal) {
        throw refuse('too_complex', '文档结构过于复杂或包含异常数据，无法在限定时间和内存内处理', `qpdf ${args[0]} exceeded its limits`);
      }
      return r;
    };
    const input = `${JOB_DIR}/in.pdf`;

    // --requires-password: 0 a password is needed, 3 encrypted without a user password, 2 not encrypted.
    const pw = await qpdf('--requires-password', input);
    if (pw.code === 0) throw refuse('encrypted', `${ENCRYPTED_ZH}，请去除打开密码后再上传`, 'the PDF needs a user password');
    const restricted = pw.code === 3;

    // --check: 0 fine, 3 warnings (e.g. a reconstructed xref), 2 errors.
    const check = await qpdf('--check', input);
    const warnings = warningsOf(check);
    let pdfPath = path.join(jobDir, 'in.pdf');
    let repaired = false;
    if (check.code !== 0 || restricted || /reconstruct|xref|damaged/iu.test(check.stderr)) {
      // Rewrite: decrypts an owner-password file, rebuilds the cross-reference table; streams are
      // copied as they are (no inflating, so a bomb costs nothing here).
      const out = await qpdf('--decrypt', '--stream-data=preserve', '--object-streams=preserve', input, `${JOB_DIR}/repaired.pdf`);
      if (out.code !== 0 && out.code !== 3) {
        throw refuse('damaged', 'PDF 文件已损坏，无法读取', `qpdf could not rewrite it: ${warningsOf(out)[0] ?? 'unknown error'}`);
      }
      pdfPath = path.join(jobDir, 'repaired.pdf');
      repaired = true;
    }
    const npages = await qpdf('--show-npages', `${JOB_DIR}/${path.basename(pdfPath)}`);
    const pages = Number(npages.stdout.trim());
    if (npages.code !== 0 && npages.code !== 3) {
      throw refuse('damaged', 'PDF 文件已损坏，无法读取页面', `qpdf --show-npages failed: ${warningsOf(npages)[0] ?? ''}`);
    }
    if (!Number.isInteger(pages) || pages < 1) throw refuse('damaged', 'PDF 文件没有可显示的页面', 'the PDF has no pages');
    return { jobDir, pdfPath, repaired, restricted, pages, warnings: [...warnings, ...warningsOf(npages)], cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Only qpdf --requires-password (fast: no stream is decoded), for the upload's decision. */
export async function pdfNeedsPassword(filePath: string, opts: PdfCheckOptions): Promise<boolean> {
  const run = opts.run ?? runSandboxed;
  const jobDir = await mkdtemp(path.join(opts.workDir, 'pdfpw-'));
  try {
    await link(filePath, path.join(jobDir, 'in.pdf')).catch(() => copyFile(filePath, path.join(jobDir, 'in.pdf')));
    const r = await run({
      jobDir,
      command: ['qpdf', '--requires-password', `${JOB_DIR}/in.pdf`],
      timeoutMs: opts.timeoutMs ?? 10_000,
      memoryBytes: opts.memoryBytes ?? DEFAULT_PDF_LIMITS.memoryBytes,
    });
    return r.code === 0;
  } finally {
    await rm(jobDir, { recursive: true, force: true });
  }
}
