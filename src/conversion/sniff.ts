// Deciding the file type from its bytes, never from its name: PDF by `%PDF-` near the start;
// OLE2 compound files by their stream names; OOXML by the main part `_rels/.rels` names and its
// content type; OpenDocument by its `mimetype`; RTF by `{\rtf`; text by decoding. Encrypted
// files and files carrying macros are refused here. Reads are bounded: a header, the CFB tables
// and a few small streams, the zip's central directory and a few small entries, 64 KB of text.
// Messages are for the uploader: Chinese first, a short English gloss in parentheses.
import { open } from 'node:fs/promises';
import { AppError } from '../errors.js';
import { ENCRYPTED_ZH, FORMATS, MACROS_ZH, type DocumentFormat } from './formats.js';
import { openCfbFile, parseSummaryInformation, pptHasVba, pptIsEncrypted, readFib, xlsHasFilePass, type CfbFile } from './ole.js';
import { detectTextEncoding, TEXT_SAMPLE_BYTES, type TextEncoding } from './text-decode.js';
import { listZip, readZipEntry, ZipError, type ZipEntryInfo } from './zip.js';

export type WordFormat = 'DOC' | 'DOCX';

export type RefusalReason = 'empty' | 'encrypted' | 'macros' | 'damaged' | 'other_format' | 'unknown' | 'too_many_entries' | 'unreadable';

export interface SniffResult {
  format: DocumentFormat;
  /** What the bytes say more precisely: 'docm', 'dotx', 'xlsm', 'ppsx', 'ott', 'word95', 'kingsoft'… */
  variant?: string;
  /** TXT: how it is encoded (see text-decode.ts). */
  encoding?: TextEncoding;
  /** PDF: the trailer names an /Encrypt dictionary; `checkPdf` (qpdf) tells a user password from an owner-only one. */
  pdfEncrypted?: boolean;
}

export { ENCRYPTED_ZH, MACROS_ZH };

const refuse = (reason: RefusalReason, zh: string, en: string) => new AppError('unsupported_file', `${zh} (${en})`, { reason });
const encrypted = (en: string) => refuse('encrypted', `${ENCRYPTED_ZH}，请去除打开密码后再上传`, `the document is encrypted: ${en}`);
const macros = (en: string) => refuse('macros', MACROS_ZH, `the document contains macros: ${en}`);
const damaged = (zh: string, en: string) => refuse('damaged', zh, en);

/** The refusal's reason code, or null for an error that is not a refusal from here. */
export function refusalReason(err: unknown): RefusalReason | null {
  if (!(err instanceof AppError) || err.code !== 'unsupported_file') return null;
  const d = err.details as { reason?: RefusalReason } | undefined;
  return d?.reason ?? null;
}

const CFB_MAGIC = Buffer.from('d0cf11e0a1b11ae1', 'hex');
const PDF_MAGIC = Buffer.from('%PDF-');
/** Readers (pdf.js, poppler, Acrobat) accept `%PDF-` within the first 1 KB. */
const PDF_MAGIC_WINDOW = 1024;

// Other formats people rename, to say what the file really is.
const KNOWN: Array<[Buffer, string, string]> = [
  [Buffer.from('MZ'), '这是可执行程序，不是文档', 'an executable, not a document'],
  [Buffer.from('\x7fELF', 'latin1'), '这是可执行程序，不是文档', 'an executable, not a document'],
  [Buffer.from('Rar!'), '这是 RAR 压缩包，不是文档', 'a RAR archive, not a document'],
  [Buffer.from('7z\xbc\xaf\x27\x1c', 'latin1'), '这是 7z 压缩包，不是文档', 'a 7z archive, not a document'],
  [Buffer.from('\x1f\x8b', 'latin1'), '这是 gzip 压缩包，不是文档', 'a gzip archive, not a document'],
  [Buffer.from('\x89PNG', 'latin1'), '这是图片，不是文档', 'an image, not a document'],
  [Buffer.from('\xff\xd8\xff', 'latin1'), '这是图片，不是文档', 'an image, not a document'],
  [Buffer.from('GIF8'), '这是图片，不是文档', 'an image, not a document'],
  [Buffer.from('ID3'), '这是音频文件，不是文档', 'an audio file, not a document'],
  [Buffer.from('RIFF'), '这是音视频或图片文件，不是文档', 'a media file, not a document'],
];

async function head(filePath: string, n: number): Promise<{ bytes: Buffer; size: number }> {
  const fh = await open(filePath, 'r');
  try {
    const { size } = await fh.stat();
    const bytes = Buffer.alloc(Math.min(n, size));
    await fh.read(bytes, 0, bytes.length, 0);
    return { bytes, size };
  } finally {
    await fh.close();
  }
}

async function tail(filePath: string, n: number): Promise<Buffer> {
  const fh = await open(filePath, 'r');
  try {
    const { size } = await fh.stat();
    const len = Math.min(n, size);
    const bytes = Buffer.alloc(len);
    await fh.read(bytes, 0, len, size - len);
    return bytes;
  } finally {
    await fh.close();
  }
}

// ---------------------------------------------------------------------------------------------
// OLE2

/**
 * Kingsoft's .wps/.et/.dps are byte for byte the Microsoft binaries (Word 97, BIFF8, PowerPoint 97);
 * WPS Office writes the same bytes when it saves .doc/.xls/.ppt. The content says whether Kingsoft
 * wrote it (its application name in SummaryInformation, or the WpsCustomData stream); only then
 * does the uploader's extension choose between the twins, so the download opens where it came from.
 */
const KINGSOFT_TWIN: Record<'word' | 'sheet' | 'slides', [DocumentFormat, RegExp]> = {
  word: ['WPS', /\.(wps|wpt)$/iu],
  sheet: ['ET', /\.(et|ett)$/iu],
  slides: ['DPS', /\.(dps|dpt)$/iu],
};

async function writtenByKingsoft(cfb: CfbFile): Promise<boolean> {
  if (cfb.find('WpsCustomData')) return true;
  const si = cfb.find('\u0005SummaryInformation');
  if (!si || si.type !== 'stream') return false;
  const app = parseSummaryInformation(await cfb.read(si, 256 * 1024)).appName ?? '';
  return /^(WPS|Kingsoft)\b/iu.test(app);
}

async function kingsoftFormat(cfb: CfbFile, family: 'word' | 'sheet' | 'slides', fileName: string | undefined): Promise<DocumentFormat | null> {
  const [format, ext] = KINGSOFT_TWIN[family];
  if (!fileName || !ext.test(fileName)) return null;
  return (await writtenByKingsoft(cfb)) ? format : null;
}

// VBA project storages: Word `Macros`, Excel `_VBA_PROJECT_CUR`, and `VBA` (with `PROJECT`) anywhere.
function cfbHasVbaStorage(cfb: CfbFile): boolean {
  return cfb.entries.some(
    (e) => e.type === 'storage' && (/^(macros|_vba_project_cur)$/iu.test(e.name) || (e.name.toLowerCase() === 'vba' && !e.path.toLowerCase().startsWith('objectpool/'))),
  );
}

async function sniffCfb(filePath: string, fileName: string | undefined): Promise<SniffResult> {
  let cfb: CfbFile;
  try {
    cfb = await openCfbFile(filePath);
  } catch {
    throw damaged('文件已损坏或不完整，无法读取文档结构', 'damaged or truncated OLE2 compound file');
  }
  try {
    return await classifyCfb(cfb, fileName);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw damaged('文件已损坏，无法读取文档结构', 'damaged OLE2 compound file');
  } finally {
    await cfb.close();
  }
}

async function classifyCfb(cfb: CfbFile, fileName: string | undefined): Promise<SniffResult> {
  // An encrypted OOXML file is a compound file holding the encrypted zip ([MS-OFFCRYPTO]).
  if (cfb.find('EncryptedPackage') || cfb.find('EncryptionInfo')) throw encrypted('OOXML EncryptedPackage');
  const stream = (name: string) => {
    const e = cfb.find(name);
    return e && e.type === 'stream' ? e : null;
  };

  const word = stream('WordDocument');
  if (word) {
    const fib = readFib(await cfb.read(word, 64));
    if (!fib) throw damaged('文件已损坏，Word 文档头无效', 'invalid Word file information block');
    if (fib.encrypted) throw encrypted('.doc with fEncrypted set');
    if (cfbHasVbaStorage(cfb)) throw macros('VBA project in the Macros storage');
    const kingsoft = await kingsoftFormat(cfb, 'word', fileName);
    if (kingsoft) return { format: kingsoft, variant: 'kingsoft' };
    return fib.nFib < 193 ? { format: 'DOC', variant: 'word95' } : { format: 'DOC' };
  }

  const book = stream('Workbook') ?? stream('Book');
  if (book) {
    if (xlsHasFilePass(await cfb.read(book, 1024 * 1024))) throw encrypted('.xls with a FILEPASS record');
    if (cfbHasVbaStorage(cfb)) throw macros('VBA project in _VBA_PROJECT_CUR');
    const kingsoft = await kingsoftFormat(cfb, 'sheet', fileName);
    if (kingsoft) return { format: kingsoft, variant: 'kingsoft' };
    return book.name.toLowerCase() === 'book' ? { format: 'XLS', variant: 'biff5' } : { format: 'XLS' };
  }

  const ppt = stream('PowerPoint Document');
  if (ppt) {
    const currentUser = stream('Current User');
    if ((currentUser && pptIsEncrypted(await cfb.read(currentUser, 64))) || stream('EncryptedSummary')) {
      throw encrypted('.ppt with an encrypted Current User record');
    }
    if (cfbHasVbaStorage(cfb) || pptHasVba(await cfb.read(ppt, 8 * 1024 * 1024))) throw macros('VBA project in the presentation');
    const kingsoft = await kingsoftFormat(cfb, 'slides', fileName);
    if (kingsoft) return { format: kingsoft, variant: 'kingsoft' };
    return { format: 'PPT' };
  }
  // PowerPoint 4.0 (PP40): LibreOffice still imports it; no encryption or VBA existed then.
  if (stream('PP40')) return { format: 'PPT', variant: 'pp4' };
  if (stream('CONTENTS') && (await cfb.read(stream('CONTENTS')!, 16)).toString('latin1').includes('CHNKWKS')) {
    throw refuse('other_format', '这是 Microsoft Works 文档，请另存为 .doc 或 .docx 后上传', 'a Microsoft Works document');
  }
  if (stream('__substg1.0_0037001F') || stream('__substg1.0_0037001E') || stream('__properties_version1.0')) {
    throw refuse('other_format', '这是 Outlook 邮件，不是文档', 'an Outlook message');
  }
  if (cfb.find('VisioDocument')) throw refuse('other_format', '这是 Visio 绘图，暂不支持', 'a Visio drawing');
  throw refuse('unknown', '这是 OLE 复合文档，但不是 Word、Excel 或 PowerPoint 文件', 'an OLE2 file that is not a Word, Excel or PowerPoint file');
}

// ---------------------------------------------------------------------------------------------
// Zip packages: OOXML and OpenDocument

const OOXML_MAIN: Array<[RegExp, DocumentFormat, string | undefined]> = [
  [/^application\/vnd\.openxmlformats-officedocument\.wordprocessingml\.document\.main\+xml$/u, 'DOCX', undefined],
  [/^application\/vnd\.openxmlformats-officedocument\.wordprocessingml\.template\.main\+xml$/u, 'DOCX', 'dotx'],
  [/^application\/vnd\.ms-word\.document\.macroEnabled\.main\+xml$/iu, 'DOCX', 'docm'],
  [/^application\/vnd\.ms-word\.template\.macroEnabledTemplate\.main\+xml$/iu, 'DOCX', 'dotm'],
  [/^application\/vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet\.main\+xml$/u, 'XLSX', undefined],
  [/^application\/vnd\.openxmlformats-officedocument\.spreadsheetml\.template\.main\+xml$/u, 'XLSX', 'xltx'],
  [/^application\/vnd\.ms-excel\.sheet\.macroEnabled\.main\+xml$/iu, 'XLSX', 'xlsm'],
  [/^application\/vnd\.ms-excel\.template\.macroEnabled\.main\+xml$/iu, 'XLSX', 'xltm'],
  [/^application\/vnd\.openxmlformats-officedocument\.presentationml\.presentation\.main\+xml$/u, 'PPTX', undefined],
  [/^application\/vnd\.openxmlformats-officedocument\.presentationml\.slideshow\.main\+xml$/u, 'PPTX', 'ppsx'],
  [/^application\/vnd\.openxmlformats-officedocument\.presentationml\.template\.main\+xml$/u, 'PPTX', 'potx'],
  [/^application\/vnd\.ms-powerpoint\.presentation\.macroEnabled\.main\+xml$/iu, 'PPTX', 'pptm'],
  [/^application\/vnd\.ms-powerpoint\.slideshow\.macroEnabled\.main\+xml$/iu, 'PPTX', 'ppsm'],
  [/^application\/vnd\.ms-powerpoint\.template\.macroEnabled\.main\+xml$/iu, 'PPTX', 'potm'],
];

const ODF_MIME: Record<string, [DocumentFormat, string | undefined]> = {
  'application/vnd.oasis.opendocument.text': ['ODT', undefined],
  'application/vnd.oasis.opendocument.text-template': ['ODT', 'ott'],
  'application/vnd.oasis.opendocument.spreadsheet': ['ODS', undefined],
  'application/vnd.oasis.opendocument.spreadsheet-template': ['ODS', 'ots'],
  'application/vnd.oasis.opendocument.presentation': ['ODP', undefined],
  'application/vnd.oasis.opendocument.presentation-template': ['ODP', 'otp'],
};

function xmlAttr(tag: string, name: string): string | null {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'u').exec(tag);
  return m ? (m[1] ?? m[2] ?? '') : null;
}

function xmlTags(xml: string, local: string): string[] {
  return xml.match(new RegExp(`<(?:[\\w.-]+:)?${local}\\b[^>]*>`, 'gu')) ?? [];
}

/** The main part `_rels/.rels` names (officeDocument relationship, transitional or strict), without a leading slash. */
export function mainPartFromRels(relsXml: string): string | null {
  for (const tag of xmlTags(relsXml, 'Relationship')) {
    const type = xmlAttr(tag, 'Type') ?? '';
    if (!/\/relationships\/officeDocument$/u.test(type)) continue;
    const target = xmlAttr(tag, 'Target');
    if (!target || xmlAttr(tag, 'TargetMode')?.toLowerCase() === 'external') continue;
    return decodeURIComponentSafe(target.replace(/^\/+/u, '').replace(/^\.\//u, ''));
  }
  return null;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The content type of a part: its Override, else the Default for its extension. */
export function contentTypeOf(typesXml: string, partName: string): string | null {
  const wanted = `/${partName}`.toLowerCase();
  for (const tag of xmlTags(typesXml, 'Override')) {
    if ((xmlAttr(tag, 'PartName') ?? '').toLowerCase() === wanted) return xmlAttr(tag, 'ContentType');
  }
  const ext = partName.split('.').pop()?.toLowerCase() ?? '';
  for (const tag of xmlTags(typesXml, 'Default')) {
    if ((xmlAttr(tag, 'Extension') ?? '').toLowerCase() === ext) return xmlAttr(tag, 'ContentType');
  }
  return null;
}

const SMALL_PART = 2 * 1024 * 1024;

async function sniffZip(filePath: string): Promise<SniffResult> {
  let entries: ZipEntryInfo[];
  try {
    entries = await listZip(filePath);
  } catch (err) {
    if (err instanceof ZipError && err.kind === 'bounds') {
      throw refuse('too_many_entries', '压缩包内文件数量异常，无法处理', 'too many entries in the package');
    }
    throw damaged('文件已损坏或不完整（压缩结构无效）', 'damaged or truncated zip');
  }
  const names = new Map(entries.map((e) => [e.name, e]));
  const read = async (name: string): Promise<string | null> => {
    if (!names.has(name)) return null;
    try {
      return (await readZipEntry(filePath, name, SMALL_PART))?.toString('utf8') ?? null;
    } catch {
      throw damaged('文件已损坏（压缩包内容无法读取）', `cannot read ${name}`);
    }
  };

  if (names.has('mimetype') || names.has('META-INF/manifest.xml')) return sniffOdf(entries, read);
  if (names.has('[Content_Types].xml')) return sniffOoxml(entries, read);
  if (names.has('META-INF/MANIFEST.MF') || [...names.keys()].some((n) => n.endsWith('.class'))) {
    throw refuse('other_format', '这是 Java 程序包，不是文档', 'a Java archive, not a document');
  }
  throw refuse('other_format', '这是 ZIP 压缩包，不是文档；请解压后上传其中的文档', 'a zip archive, not a document');
}

async function sniffOoxml(entries: ZipEntryInfo[], read: (name: string) => Promise<string | null>): Promise<SniffResult> {
  if (entries.some((e) => e.encrypted)) throw encrypted('encrypted zip entries');
  const types = (await read('[Content_Types].xml')) ?? '';
  const rels = await read('_rels/.rels');
  const names = new Set(entries.map((e) => e.name));
  let main = rels ? mainPartFromRels(rels) : null;
  if (main && !names.has(main)) main = null;
  // Packages without (usable) package relationships: the conventional part names.
  main ??= ['word/document.xml', 'xl/workbook.xml', 'ppt/presentation.xml'].find((n) => names.has(n)) ?? null;
  if (!main) throw refuse('unknown', '这是 Office 压缩包，但找不到文档正文', 'an OOXML package without a main document part');

  const type = contentTypeOf(types, main) ?? '';
  let format: DocumentFormat | null = null;
  let variant: string | undefined;
  for (const [re, f, v] of OOXML_MAIN) {
    if (re.test(type)) {
      format = f;
      variant = v;
      break;
    }
  }
  if (/sheet\.binary\.macroEnabled\.main/iu.test(type) || main.toLowerCase().endsWith('.bin')) {
    throw refuse('other_format', '这是 Excel 二进制工作簿（.xlsb），请另存为 .xlsx 后上传', 'an Excel binary workbook (.xlsb)');
  }
  if (/^application\/vnd\.ms-xpsdocument|oxps/iu.test(type) || names.has('FixedDocSeq.fdseq')) {
    throw refuse('other_format', '这是 XPS 文档，请另存为 PDF 后上传', 'an XPS document');
  }
  // A main part with an unknown or missing content type: its folder says which application.
  format ??= main.startsWith('word/') ? 'DOCX' : main.startsWith('xl/') ? 'XLSX' : main.startsWith('ppt/') ? 'PPTX' : null;
  if (!format) throw refuse('unknown', '这是 Office 压缩包，但不是 Word、Excel 或 PowerPoint 文档', `an OOXML package whose main part is ${type || main}`);

  // Macros: a VBA project part (vbaProject.bin, by name or content type) or Excel 4 macro sheets.
  const vba = entries.some((e) => /(^|\/)vbaProject\.bin$/iu.test(e.name) || /(^|\/)macrosheets\//iu.test(e.name));
  const vbaType = /application\/vnd\.ms-office\.vbaProject|macrosheet\+xml/iu.test(types);
  if (vba || vbaType) throw macros(`VBA project in a ${variant ?? format.toLowerCase()} package`);
  return variant ? { format, variant } : { format };
}

async function sniffOdf(entries: ZipEntryInfo[], read: (name: string) => Promise<string | null>): Promise<SniffResult> {
  let mime = ((await read('mimetype')) ?? '').trim();
  const manifest = (await read('META-INF/manifest.xml')) ?? '';
  if (!mime) {
    const rootTag = xmlTags(manifest, 'file-entry').find((t) => xmlAttr(t, 'manifest:full-path') === '/');
    mime = rootTag ? (xmlAttr(rootTag, 'manifest:media-type') ?? '') : '';
  }
  if (mime === 'application/epub+zip') throw refuse('other_format', '这是 EPUB 电子书，暂不支持', 'an EPUB e-book');
  const known = ODF_MIME[mime];
  if (!known) {
    if (mime.startsWith('application/vnd.oasis.opendocument.')) {
      throw refuse('other_format', '这是 OpenDocument 绘图、公式或图表，暂不支持；只接受文本、表格和演示文稿', `an OpenDocument file of type ${mime}`);
    }
    throw refuse('unknown', '这是 ZIP 压缩包，不是可识别的文档', `a zip with mimetype ${mime.slice(0, 80) || 'none'}`);
  }
  if (/<(?:[\w-]+:)?encryption-data\b/u.test(manifest) || entries.some((e) => e.encrypted)) throw encrypted('ODF manifest encryption-data');
  // Basic modules (a library's index files script-lb/-lc and dialog-lb/-lc alone carry no code) and Scripts/.
  const code = entries.some(
    (e) => (/^Basic\/[^/]+\/[^/]+\.xml$/u.test(e.name) && !/\/(script|dialog)-l[bc]\.xml$/u.test(e.name)) || /^Scripts\/.+[^/]$/u.test(e.name),
  );
  if (code) throw macros('Basic or script modules in the OpenDocument package');
  const [format, variant] = known;
  return variant ? { format, variant } : { format };
}

// ---------------------------------------------------------------------------------------------
// PDF

async function sniffPdf(filePath: string, size: number): Promise<SniffResult> {
  // The trailer (or the xref stream's dictionary) is in the clear even when the document is
  // encrypted; a linearised file has a first-page trailer near the start too.
  const end = await tail(filePath, Math.min(size, 64 * 1024));
  const start = (await head(filePath, 64 * 1024)).bytes;
  const encryptRef = /\/Encrypt\s*(\d+\s+\d+\s+R|<<)/u;
  const pdfEncrypted = encryptRef.test(end.toString('latin1')) || encryptRef.test(start.toString('latin1'));
  return pdfEncrypted ? { format: 'PDF', pdfEncrypted } : { format: 'PDF' };
}

// ---------------------------------------------------------------------------------------------
// RTF and text

async function sniffText(filePath: string, sample: Buffer, size: number): Promise<SniffResult> {
  const complete = sample.length >= size;
  const v = detectTextEncoding(sample, complete);
  if (!v.ok) {
    if (v.reason === 'binary') throw refuse('unknown', '文件格式无法识别，不是支持的文档格式', 'not a document format Wenku accepts');
    throw refuse('unknown', '无法识别文本文件的编码，请另存为 UTF-8 后上传', 'a text file in an encoding that cannot be recognised');
  }
  // Markup is not plain text: its reader would see tags, not the page its author saw.
  const start = (v.encoding === 'utf8' ? sample.toString('utf8') : '').replace(/^\ufeff/u, '').trimStart().slice(0, 512).toLowerCase();
  if (/^<\?xml[\s\S]*<office:document\b/u.test(start) || /^<office:document\b/u.test(start)) {
    throw refuse('other_format', '这是单文件 XML 格式的 OpenDocument（.fodt/.fods/.fodp），请另存为 .odt/.ods/.odp 后上传', 'a flat XML OpenDocument file');
  }
  if (/^(<!doctype html|<html\b|<\?xml[\s\S]*<html\b)/u.test(start)) throw refuse('other_format', '这是网页（HTML）文件，请另存为 PDF 或 Word 文档后上传', 'an HTML file');
  if (/^<\?xml\b/u.test(start) || /^<svg\b/u.test(start)) throw refuse('other_format', '这是 XML 文件，不是文档', 'an XML file');
  return { format: 'TXT', encoding: v.encoding };
}

// ---------------------------------------------------------------------------------------------

/**
 * Decides the format from the bytes. Throws AppError('unsupported_file') with a Chinese reason and
 * `details.reason` (see RefusalReason) for empty, damaged, encrypted, macro-carrying, unknown
 * and unaccepted files. A PDF's user password needs qpdf: see `pdfEncrypted` and checkPdf.
 * `fileName` (the uploader's) only picks between Kingsoft's formats and their Microsoft twins.
 */
export async function sniffDocument(filePath: string, opts: { fileName?: string } = {}): Promise<SniffResult> {
  let probe;
  try {
    probe = await head(filePath, TEXT_SAMPLE_BYTES);
  } catch {
    throw refuse('unreadable', '无法读取上传的文件', 'the file cannot be read');
  }
  const { bytes, size } = probe;
  if (size === 0) throw refuse('empty', '文件为空', 'empty file');
  if (bytes.subarray(0, 8).equals(CFB_MAGIC)) return sniffCfb(filePath, opts.fileName);
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6)) {
    return sniffZip(filePath);
  }
  const pdfAt = bytes.subarray(0, PDF_MAGIC_WINDOW).indexOf(PDF_MAGIC);
  if (pdfAt >= 0) return sniffPdf(filePath, size);
  if (bytes.subarray(0, 5).toString('latin1') === '{\\rtf') return { format: 'RTF' };
  for (const [magic, zh, en] of KNOWN) {
    if (bytes.subarray(0, magic.length).equals(magic)) throw refuse('other_format', zh, en);
  }
  return sniffText(filePath, bytes, size);
}

const NOT_WORD_YET: Partial<Record<string, [string, string]>> = {
  pdf: ['这是 PDF 文件，不是 Word 文档', 'a PDF file, not a Word document'],
  sheet: ['这是 Excel 表格，不是 Word 文档', 'an Excel workbook, not a Word document'],
  slides: ['这是 PowerPoint 演示文稿，不是 Word 文档', 'a PowerPoint file, not a Word document'],
  text: ['这是纯文本文件，不是 Word 文档', 'a plain text file, not a Word document'],
  word: ['这种 Word 格式暂不支持，请另存为 .doc 或 .docx 后上传', 'this word-processing format is not accepted yet; save it as .doc or .docx'],
};

/**
 * DOC or DOCX only, for the converter of today (Word through LibreOffice → DOCX → mammoth).
 * Every other format the bytes reveal is refused with what it is. Phase 2 replaces the upload's
 * call with sniffDocument once every format has its conversion.
 */
export async function sniffWordFile(filePath: string, fileName?: string): Promise<{ format: WordFormat }> {
  let r: SniffResult;
  try {
    r = await sniffDocument(filePath, { fileName });
  } catch (err) {
    if (refusalReason(err) === 'unknown') {
      throw refuse('unknown', '文件格式无法识别，只支持 Word 文档（.doc / .docx）', 'not a Word document');
    }
    throw err;
  }
  if (r.format === 'DOC' || r.format === 'DOCX') return { format: r.format };
  const [zh, en] = NOT_WORD_YET[FORMATS[r.format].family]!;
  throw refuse('other_format', zh, en);
}

/**
 * What the upload decides with (phase 2: every format): sniffDocument, plus, for a PDF whose
 * trailer names an /Encrypt dictionary, qpdf's verdict on the user password (`pdfNeedsPassword`
 * from pdf-check.ts, injected so sniffing itself never starts a process).
 */
export async function sniffUpload(
  filePath: string,
  opts: { fileName?: string; pdfNeedsPassword?: (filePath: string) => Promise<boolean> } = {},
): Promise<SniffResult> {
  const r = await sniffDocument(filePath, { fileName: opts.fileName });
  if (r.format === 'PDF' && r.pdfEncrypted && opts.pdfNeedsPassword && (await opts.pdfNeedsPassword(filePath))) {
    throw encrypted('the PDF needs a user password');
  }
  return r;
}
