// Tiny files that stand for huge documents, built on the fly: they must not hold a conversion slot
// for minutes. Bounded before LibreOffice sees them: an .ods whose repeat counts expand to a
// billion filled cells is refused at once; a 300 KB text of 150,000 short lines previews its start
// with the page count estimated from the whole.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_DOC } from '../../test/factories.js';
import { buildZip } from './test-fixtures.js';
import { ConversionError, createConverter, MAX_TEXT_LAYOUT_LINES, type PageConverter } from './index.js';
import { findSoffice, sandboxProblem } from './libreoffice.js';
import { countExpandedCells, MAX_EXPANDED_CELLS } from './odf-cells.js';

const canConvert = findSoffice(undefined) !== null && sandboxProblem() === null;
const work = mkdtempSync(path.join(tmpdir(), 'wenku-hostile-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ODS_MIME = 'application/vnd.oasis.opendocument.spreadsheet';
/** An .ods of one sheet: `rows` rows repeated, each `cols` filled cells repeated. */
function repeatedOds(rows: number, cols: number): Buffer {
  const content =
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" ' +
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">' +
    '<office:body><office:spreadsheet><table:table table:name="S"><table:table-column table:number-columns-repeated="' + cols + '"/>' +
    `<table:table-row table:number-rows-repeated="${rows}"><table:table-cell table:number-columns-repeated="${cols}" office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>` +
    '</table:table></office:spreadsheet></office:body></office:document-content>';
  return buildZip([
    { name: 'mimetype', data: ODS_MIME },
    { name: 'content.xml', data: content },
    {
      name: 'META-INF/manifest.xml',
      data: `<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="${ODS_MIME}"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`,
    },
  ]);
}

describe('expanded cell counts', () => {
  it('when rows and cells are repeated, then filled cells count times both repeats and empty runs count nothing', () => {
    const xml =
      '<table:table-row table:number-rows-repeated="3"><table:table-cell office:value-type="string"><text:p>a</text:p></table:table-cell>' +
      '<table:table-cell table:number-columns-repeated="4" office:value-type="float" office:value="2"/><table:table-cell table:number-columns-repeated="1019"/></table:table-row>' +
      '<table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>';
    expect(countExpandedCells(xml)).toBe(3 * 5);
    expect(countExpandedCells('<table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="1024"><text:p>x</text:p></table:table-cell></table:table-row>')).toBe(1048576 * 1024);
  });
});

describe.skipIf(!canConvert)('hostile sizes through the converter', () => {
  let converter: PageConverter;
  beforeAll(async () => {
    converter = createConverter({ workDir: path.join(work, 'converter'), log: pino({ level: 'silent' }) });
    // LibreOffice's cold start (tens of seconds on a busy machine) is not the document's time.
    const warm = path.join(work, 'warm.txt');
    writeFileSync(warm, '预热\n');
    mkdirSync(path.join(work, 'out-warm'), { recursive: true });
    await converter.convertDocument({ filePath: warm, format: 'TXT', outDir: path.join(work, 'out-warm') });
  }, 180_000);
  afterAll(async () => {
    await converter?.close();
  });

  it('when an 814-byte-class .ods repeats a filled cell over 1,048,576 rows × 1,024 columns, then it is refused before LibreOffice, at once, with a reason and no retry', async () => {
    const ods = repeatedOds(1_048_576, 1_024);
    expect(ods.length).toBeLessThan(2_000);
    const file = path.join(work, 'repeated.ods');
    writeFileSync(file, ods);
    const outDir = path.join(work, 'out-ods');
    mkdirSync(outDir, { recursive: true });
    const started = Date.now();
    const err = await converter.convertDocument({ filePath: file, format: 'ODS', outDir }).then(() => null, (e: unknown) => e);
    // Refused by counting (milliseconds), not by LibreOffice's 60 s timeout (twice, before).
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(err).toBeInstanceOf(ConversionError);
    expect((err as ConversionError).permanent).toBe(true);
    expect((err as ConversionError).reasonZh).toContain('单元格过多');
    expect(MAX_EXPANDED_CELLS).toBeLessThan(1_048_576 * 1_024);
  });

  it('when a 300 KB text has 150,000 short lines, then it is laid out in part within a bound and its page count is estimated from the whole', async () => {
    const file = path.join(work, 'lines.txt');
    writeFileSync(file, '行\n'.repeat(75_000) + 'a\n'.repeat(75_000));
    const outDir = path.join(work, 'out-txt');
    mkdirSync(outDir, { recursive: true });
    const started = Date.now();
    const result = await converter.convertDocument({ filePath: file, format: 'TXT', outDir });
    const ms = Date.now() - started;
    // Before: LibreOffice laid out ~2,800 pages, timed out (60 s) and was tried again; now a
    // few seconds on a quiet machine, and well inside one timeout on a busy one.
    expect(ms).toBeLessThan(60_000);
    expect(result.layers.length).toBeGreaterThan(0);
    expect(result.layers.length).toBeLessThanOrEqual(Math.ceil(MAX_TEXT_LAYOUT_LINES / 20));
    // The whole file is 75 times what was laid out.
    expect(result.pageCount).toBeGreaterThanOrEqual(result.layers.length * 50);
  }, 120_000);
});

describe.skipIf(!canConvert)('a LibreOffice timeout', () => {
  it('when LibreOffice runs past its timeout on a file, then the converter fails it at once as permanent: one run, no second instance', async () => {
    // Every line the converter logs: each LibreOffice run needs an instance, and one that timed
    // out is killed, so a second run would start (and log) a second instance.
    const logged: Array<{ msg?: string }> = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as { msg?: string }) });
    // 1 ms: no LibreOffice conversion answers that fast, so the run always times out.
    const timing = createConverter({ workDir: path.join(work, 'timeout'), log, limits: { libreOfficeTimeoutMs: 1 } });
    try {
      const err = await timing.convert({ filePath: SEED_DOC, format: 'DOC' }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(ConversionError);
      expect((err as ConversionError).permanent).toBe(true);
      expect((err as ConversionError).reasonZh).toContain('超时');
      expect(logged.filter((l) => l.msg?.startsWith('LibreOffice started'))).toHaveLength(1);
      expect(logged.filter((l) => l.msg?.includes('retrying once'))).toHaveLength(0);
    } finally {
      await timing.close();
    }
  }, 180_000);
});
