// Deciding the file type from its bytes, never from its name. Messages are for the uploader:
// Chinese first, a short English gloss in parentheses.
import { open, readFile } from 'node:fs/promises';
import { AppError } from '../errors.js';
import { readCfb, readFib, streamOf } from './ole.js';
import { listZip, ZipError } from './zip.js';

export type WordFormat = 'DOC' | 'DOCX';

const unsupported = (zh: string, en: string) => new AppError('unsupported_file', `${zh} (${en})`);

const CFB_MAGIC = Buffer.from('d0cf11e0a1b11ae1', 'hex');

// Other common formats people rename to .doc/.docx, to say what the file really is.
const KNOWN: Array<[Buffer, string, string]> = [
  [Buffer.from('%PDF-'), '这是 PDF 文件，不是 Word 文档', 'a PDF file, not a Word document'],
  [Buffer.from('MZ'), '这是可执行程序，不是 Word 文档', 'an executable, not a Word document'],
  [Buffer.from('\x7fELF', 'latin1'), '这是可执行程序，不是 Word 文档', 'an executable, not a Word document'],
  [Buffer.from('{\\rtf'), '这是 RTF 文件，请另存为 .doc 或 .docx 后上传', 'an RTF file; save it as .doc or .docx'],
  [Buffer.from('Rar!'), '这是 RAR 压缩包，不是 Word 文档', 'a RAR archive, not a Word document'],
  [Buffer.from('7z\xbc\xaf\x27\x1c', 'latin1'), '这是 7z 压缩包，不是 Word 文档', 'a 7z archive, not a Word document'],
  [Buffer.from('\x89PNG', 'latin1'), '这是图片，不是 Word 文档', 'an image, not a Word document'],
  [Buffer.from('\xff\xd8\xff', 'latin1'), '这是图片，不是 Word 文档', 'an image, not a Word document'],
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

async function sniffCfb(filePath: string): Promise<{ format: WordFormat }> {
  let cfb;
  try {
    // cfb needs the whole container; uploads are capped by MAX_UPLOAD_BYTES.
    cfb = readCfb(await readFile(filePath));
  } catch {
    throw unsupported('文件已损坏，无法读取 Word 文档结构', 'damaged OLE2 compound file');
  }
  if (streamOf(cfb, 'EncryptedPackage') || streamOf(cfb, 'EncryptionInfo')) {
    throw unsupported('文档设置了打开密码（已加密），请去除密码后再上传', 'password-protected (encrypted) .docx');
  }
  const wordDocument = streamOf(cfb, 'WordDocument');
  if (!wordDocument) {
    if (streamOf(cfb, 'Workbook') || streamOf(cfb, 'Book')) throw unsupported('这是 Excel 表格，不是 Word 文档', 'an Excel workbook');
    if (streamOf(cfb, 'PowerPoint Document')) throw unsupported('这是 PowerPoint 演示文稿，不是 Word 文档', 'a PowerPoint file');
    throw unsupported('这不是 Word 文档（缺少 WordDocument 数据流）', 'OLE2 file without a WordDocument stream');
  }
  const fib = readFib(wordDocument);
  if (!fib) throw unsupported('文件已损坏，Word 文档头无效', 'invalid Word file information block');
  if (fib.encrypted) {
    throw unsupported('文档设置了打开密码（已加密），请去除密码后再上传', 'password-protected .doc');
  }
  return { format: 'DOC' };
}

async function sniffZip(filePath: string): Promise<{ format: WordFormat }> {
  let entries;
  try {
    entries = await listZip(filePath);
  } catch (err) {
    if (err instanceof ZipError && err.kind === 'bounds') {
      throw unsupported('压缩包内文件数量异常，无法处理', 'too many entries in the package');
    }
    throw unsupported('文件已损坏或不完整（压缩结构无效）', 'damaged or truncated zip');
  }
  const names = new Set(entries.map((e) => e.name));
  if (!names.has('[Content_Types].xml')) throw unsupported('这是 ZIP 压缩包，不是 Word 文档', 'a zip file that is not a Word document');
  if (!names.has('word/document.xml')) {
    if (names.has('xl/workbook.xml')) throw unsupported('这是 Excel 表格，不是 Word 文档', 'an Excel workbook');
    if (names.has('ppt/presentation.xml')) throw unsupported('这是 PowerPoint 演示文稿，不是 Word 文档', 'a PowerPoint file');
    throw unsupported('这是 Office 压缩包，但不是 Word 文档', 'an OOXML package without word/document.xml');
  }
  if (entries.some((e) => e.encrypted)) throw unsupported('文档内容已加密，无法读取', 'encrypted zip entries');
  return { format: 'DOCX' };
}

/** Decides DOC or DOCX from the bytes; throws AppError('unsupported_file') otherwise. */
export async function sniffWordFile(filePath: string): Promise<{ format: WordFormat }> {
  let probe;
  try {
    probe = await head(filePath, 16);
  } catch {
    throw unsupported('无法读取上传的文件', 'the file cannot be read');
  }
  const { bytes, size } = probe;
  if (size === 0) throw unsupported('文件为空', 'empty file');
  if (bytes.subarray(0, 8).equals(CFB_MAGIC)) return sniffCfb(filePath);
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6)) {
    return sniffZip(filePath);
  }
  for (const [magic, zh, en] of KNOWN) {
    if (bytes.subarray(0, magic.length).equals(magic)) throw unsupported(zh, en);
  }
  if (size < 512) throw unsupported('文件太小，不是有效的 Word 文档', 'too small to be a Word document');
  throw unsupported('文件格式无法识别，只支持 Word 文档（.doc / .docx）', 'not a Word document');
}
