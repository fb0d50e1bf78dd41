import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import CFB from 'cfb';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkEmbeddedPackages, MAX_NESTING } from './embedded.js';
import { ConversionError, createConverter, type Converter } from './index.js';
import { buildZip, para } from './test-fixtures.js';
import { DEFAULT_ZIP_LIMITS, ZipError } from './zip.js';

const W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main';
const MB = 1024 * 1024;
const BOMB_REASON = '文档解压后体积异常（疑似压缩炸弹），已拒绝处理';

let dir: string;
let converter: Converter;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'wk-embedded-test-'));
  // No LibreOffice: if a check let a bomb through, mammoth would be the one to meet it.
  converter = createConverter({ sofficePath: null, workDir: path.join(dir, 'work'), log: pino({ level: 'silent' }) });
});
afterAll(async () => {
  await converter.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A minimal .docx with extra parts (embedded objects), as Word lays them out. */
function docxWith(parts: Array<{ name: string; data: Buffer }>): Buffer {
  return buildZip([
    {
      name: '[Content_Types].xml',
      data:
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    },
    {
      name: '_rels/.rels',
      data: '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    },
    { name: 'word/document.xml', data: `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="${W}"><w:body>${para('嵌入对象测试')}</w:body></w:document>` },
    ...parts,
  ]);
}

/** An .xlsx-like package whose one sheet inflates to `bytes` (built here, never stored). */
const built = new Map<string, Buffer>();
function innerPackage(bytes: number, options: { lieAboutSize?: number } = {}): Buffer {
  const key = `${bytes}:${options.lieAboutSize}`;
  if (!built.has(key)) built.set(key, buildInner(bytes, options));
  return built.get(key)!;
}
function buildInner(bytes: number, options: { lieAboutSize?: number }): Buffer {
  // gzip gives raw deflate plus the CRC at native speed (150 MB through a JS CRC takes seconds).
  const gz = gzipSync(Buffer.alloc(bytes, 0x20), { level: 9 });
  const sheet = { name: 'xl/worksheets/sheet1.xml', raw: gz.subarray(10, gz.length - 8), crc: gz.readUInt32LE(gz.length - 8), size: options.lieAboutSize ?? bytes };
  const types = gzipSync(Buffer.from('<Types/>'));
  return zipOfDeflated([
    { name: '[Content_Types].xml', raw: types.subarray(10, types.length - 8), crc: types.readUInt32LE(types.length - 8), size: 8 },
    sheet,
  ]);
}

/** A zip of already deflated entries (a few lines of the format: local headers, directory, end). */
function zipOfDeflated(entries: Array<{ name: string; raw: Buffer; crc: number; size: number }>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(e.crc, 14);
    local.writeUInt32LE(e.raw.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(e.crc, 16);
    central.writeUInt32LE(e.raw.length, 20);
    central.writeUInt32LE(e.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.raw);
    centrals.push(central, name);
    offset += 30 + name.length + e.raw.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** An OLE object (compound file) carrying `payload` in its `name` stream, as Word embeds packages. */
function oleObject(payload: Buffer, name = 'Package'): Buffer {
  const cfb = CFB.utils.cfb_new();
  CFB.utils.cfb_add(cfb, `/${name}`, payload);
  CFB.utils.cfb_add(cfb, '/\u0001CompObj', Buffer.from('compobj'));
  return Buffer.from(CFB.write(cfb, { type: 'buffer' }) as Uint8Array);
}

function write(name: string, data: Buffer): string {
  const p = path.join(dir, name);
  writeFileSync(p, data);
  return p;
}

async function refusal(p: string): Promise<ConversionError> {
  const started = Date.now();
  const err = await converter.convert({ filePath: p, format: 'DOCX' }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConversionError);
  // Refused while checking, before any converter ran (they would take seconds on 150 MB).
  expect(Date.now() - started).toBeLessThan(5_000);
  const work = path.join(dir, 'work');
  expect(existsSync(work) ? readdirSync(work).filter((n) => n.startsWith('job-')) : []).toEqual([]);
  return err as ConversionError;
}

describe('embedded packages', () => {
  it('when a 5 KB .docx embeds a package that inflates to 150 MB, then it is refused as a bomb before any converter opens it', async () => {
    const bomb = docxWith([{ name: 'word/embeddings/Microsoft_Excel_Worksheet.xlsx', data: innerPackage(150 * MB) }]);
    const p = write('embedded-bomb.docx', bomb);
    expect(statSync(p).size).toBeLessThan(8 * 1024); // the outer package alone passes its own bounds
    const err = await refusal(p);
    expect(err.reasonZh).toBe(BOMB_REASON);
    expect(err.permanent).toBe(true);
    expect(err.message).toMatch(/Microsoft_Excel_Worksheet\.xlsx/u);
  });

  it('when the embedded package lies about its sizes, then the counted inflate stops it at the entry limit', async () => {
    const bomb = docxWith([{ name: 'word/embeddings/oleObject1.xlsx', data: innerPackage(80 * MB, { lieAboutSize: 1000 }) }]);
    const err = await refusal(write('lying-bomb.docx', bomb));
    expect(err.reasonZh).toBe(BOMB_REASON);
  });

  it('when the bomb sits in an OLE object (a Package stream, or an Ole10Native wrapper), then it is refused too', async () => {
    const inPackage = docxWith([{ name: 'word/embeddings/oleObject1.bin', data: oleObject(innerPackage(150 * MB)) }]);
    expect((await refusal(write('ole-package-bomb.docx', inPackage))).reasonZh).toBe(BOMB_REASON);

    const header = Buffer.concat([Buffer.from([0, 0, 0, 0, 2, 0]), Buffer.from('a.xlsx\0C:\\a.xlsx\0', 'latin1')]);
    const native = Buffer.concat([header, innerPackage(150 * MB), Buffer.from('trailer\0', 'latin1')]);
    native.writeUInt32LE(native.length - 4, 0);
    const inNative = docxWith([{ name: 'word/embeddings/oleObject2.bin', data: oleObject(native, '\u0001Ole10Native') }]);
    expect((await refusal(write('ole-native-bomb.docx', inNative))).reasonZh).toBe(BOMB_REASON);
  });

  it('when an alt chunk (a whole .docx inside) or a gzip picture inflates too far, then it is refused', async () => {
    const altChunk = docxWith([{ name: 'word/afchunk1.docx', data: docxWith([{ name: 'word/embeddings/inner.xlsx', data: innerPackage(150 * MB) }]) }]);
    expect((await refusal(write('altchunk-bomb.docx', altChunk))).reasonZh).toBe(BOMB_REASON);

    const emz = docxWith([{ name: 'word/media/image1.emz', data: gzipSync(Buffer.alloc(100 * MB)) }]);
    expect((await refusal(write('emz-bomb.docx', emz))).reasonZh).toBe(BOMB_REASON);
  });

  it('when a .doc carries the bomb in an OLE object of its ObjectPool, then it is refused before any converter opens it', async () => {
    const cfb = CFB.utils.cfb_new();
    const fib = Buffer.alloc(512);
    fib.writeUInt16LE(0xa5ec, 0);
    fib.writeUInt16LE(193, 2);
    CFB.utils.cfb_add(cfb, '/WordDocument', fib);
    CFB.utils.cfb_add(cfb, '/ObjectPool/_1234567890/Package', innerPackage(150 * MB));
    const doc = Buffer.from(CFB.write(cfb, { type: 'buffer' }) as Uint8Array);
    const p = write('embedded-bomb.doc', doc);
    const started = Date.now();
    const err = await converter.convert({ filePath: p, format: 'DOC' }).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(ConversionError);
    expect((err as ConversionError).reasonZh).toBe(BOMB_REASON);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('when packages nest deeper than the limit, then the file is refused', async () => {
    let nested = innerPackage(10);
    for (let i = 0; i <= MAX_NESTING; i++) nested = buildZip([{ name: `level${i}.zip`, data: nested }]);
    const err = await checkEmbeddedPackages(write('deep.docx', docxWith([{ name: 'word/embeddings/deep.zip', data: nested }])), DEFAULT_ZIP_LIMITS).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ZipError);
    expect((err as ZipError).kind).toBe('bounds');
  });

  it('when a .docx embeds ordinary small objects, then it converts as before', async () => {
    const ok = docxWith([
      { name: 'word/embeddings/Microsoft_Excel_Worksheet.xlsx', data: innerPackage(20_000) },
      { name: 'word/embeddings/oleObject1.bin', data: oleObject(innerPackage(5_000)) },
      { name: 'word/media/image1.emz', data: gzipSync(Buffer.alloc(50_000, 7)) },
    ]);
    const result = await converter.convert({ filePath: write('ordinary-embeddings.docx', ok), format: 'DOCX' });
    expect(result.text).toContain('嵌入对象测试');
  });
});
