// Helpers for the documents tests (tests only): real files from the shared corpus, uploads
// through the API, a real conversion worker, and looks at the state on disk and in the database.
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { TestContext } from '../../test/app.js';
import { createConverter, type Converter } from '../conversion/index.js';
import { startConversionWorker, type ConversionWorker } from './conversion.worker.js';
import { uploadTempDir } from './upload-storage.js';
import { CORPUS } from '../../test/factories.js';

// The corpus, the seed file and count() are the shared factories'.
export { CORPUS, SEED_DOC, count } from '../../test/factories.js';
export const SEED_TITLE = '党办:在全县政法稳定工作推进会议上的讲话';
export const GOV_REPORT_DOC = path.join(CORPUS, 'generated', 'zh-gov-report-8p.doc');
export const NOTICE_DOC = path.join(CORPUS, 'generated', 'zh-notice-table.doc');
export const MINUTES_DOC = path.join(CORPUS, 'generated', 'zh-minutes-footnotes.doc');
export const CORE_PROPS_DOCX = path.join(CORPUS, 'external', 'python-docx', 'doc-coreprops.docx');
export const TABLES_DOCX = path.join(CORPUS, 'external', 'mammoth.js', 'tables.docx');
export const ZIP_BOMB_DOCX = path.join(CORPUS, 'generated', 'security', 'bomb-paras-10.docx');

export type UploadFieldsInput = Record<string, string>;

/** POSTs a file (a path or bytes) as multipart, with text fields. */
export function upload(
  ctx: TestContext,
  token: string,
  file: string | Buffer,
  options: { filename?: string; fields?: UploadFieldsInput } = {},
) {
  const req = ctx.http().post('/api/v1/documents').set('authorization', `Bearer ${token}`);
  for (const [k, v] of Object.entries(options.fields ?? {})) req.field(k, v);
  const filename = options.filename ?? (typeof file === 'string' ? path.basename(file) : 'upload.doc');
  return req.attach('file', file, { filename, contentType: 'application/msword' });
}

/** A real converter for the file (one per test file: LibreOffice takes a second or two to start). */
export function testConverter(ctx: TestContext, concurrency = 1): Converter {
  return createConverter({
    workDir: path.join(uploadTempDir(ctx.deps.config), 'converter'),
    log: ctx.deps.log,
    concurrency,
  });
}

/** Starts the conversion worker of the test context with the given converter. */
export async function startTestWorker(ctx: TestContext, converter: Converter, concurrency = 1): Promise<ConversionWorker> {
  return startConversionWorker(ctx.deps, { converter, concurrency });
}

interface StatusRow {
  status: string;
  failureReason: string | null;
}

/** Waits until the document leaves processing (reads the row, so no views are counted). */
export async function waitForConversion(ctx: TestContext, id: number, timeoutMs = 60_000): Promise<StatusRow> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await ctx.deps.db.pool.query<StatusRow>(
      `SELECT status, failure_reason AS "failureReason" FROM documents WHERE id = $1`,
      [id],
    );
    if (rows[0] && rows[0].status !== 'processing') return rows[0];
    if (Date.now() > until) throw new Error(`document ${id} still ${rows[0]?.status ?? 'missing'} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Leftover upload/convert temporary files (the converter's own working folder excluded). */
export async function tempFiles(ctx: TestContext): Promise<string[]> {
  try {
    return (await readdir(uploadTempDir(ctx.deps.config))).filter((n) => n !== 'converter');
  } catch {
    return [];
  }
}

export async function blobKeys(ctx: TestContext): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of ctx.deps.blobs.listKeys()) keys.push(key);
  return keys.sort();
}
