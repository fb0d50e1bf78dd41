// Document properties: title and author (and the page count stored in the file, a fallback only),
// for every format that stores them: OLE SummaryInformation (DOC/WPS/XLS/ET/PPT/DPS), OOXML
// docProps/core.xml + app.xml, OpenDocument meta.xml. PDF's Info dictionary comes from the
// renderer (pdfinfo); RTF's \info group and TXT have none worth trusting. Reads are bounded.
import type { DocumentFormat } from './formats.js';
import { openCfbFile, parseSummaryInformation } from './ole.js';
import { readZipEntry } from './zip.js';

export interface StoredProperties {
  title: string | null;
  author: string | null;
  pageCount: number | null;
}

const NONE: StoredProperties = { title: null, author: null, pageCount: null };

function xmlText(xml: string, tag: string): string | null {
  const m = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`, 'u').exec(xml);
  if (!m?.[1]) return null;
  const s = m[1]
    .replace(/<[^>]*>/gu, '')
    .replace(/&#x([0-9a-f]+);/giu, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/gu, (_, d: string) => String.fromCodePoint(parseInt(d, 10)))
    .replace(/&lt;/gu, '<')
    .replace(/&gt;/gu, '>')
    .replace(/&quot;/gu, '"')
    .replace(/&apos;/gu, "'")
    .replace(/&amp;/gu, '&')
    .trim();
  return s === '' ? null : s;
}

/** SummaryInformation of any OLE2 file (the name is kept from when only .doc had it). */
export async function docProperties(filePath: string): Promise<StoredProperties> {
  try {
    const cfb = await openCfbFile(filePath);
    try {
      const entry = cfb.find('\u0005SummaryInformation');
      if (!entry || entry.type !== 'stream') return NONE;
      const si = parseSummaryInformation(await cfb.read(entry, 1024 * 1024));
      return { title: si.title, author: si.author, pageCount: si.pageCount };
    } finally {
      await cfb.close();
    }
  } catch {
    return NONE;
  }
}

export async function docxProperties(filePath: string): Promise<StoredProperties> {
  try {
    const core = (await readZipEntry(filePath, 'docProps/core.xml', 1024 * 1024))?.toString('utf8') ?? '';
    const app = (await readZipEntry(filePath, 'docProps/app.xml', 1024 * 1024))?.toString('utf8') ?? '';
    const pages = Number(xmlText(app, 'Pages'));
    return {
      title: xmlText(core, 'dc:title'),
      author: xmlText(core, 'dc:creator'),
      pageCount: Number.isInteger(pages) && pages > 0 ? pages : null,
    };
  } catch {
    return NONE;
  }
}

export async function odfProperties(filePath: string): Promise<StoredProperties> {
  try {
    const meta = (await readZipEntry(filePath, 'meta.xml', 1024 * 1024))?.toString('utf8') ?? '';
    const pages = Number(/meta:page-count="(\d+)"/u.exec(meta)?.[1]);
    return {
      title: xmlText(meta, 'dc:title'),
      author: xmlText(meta, 'dc:creator') ?? xmlText(meta, 'meta:initial-creator'),
      pageCount: Number.isInteger(pages) && pages > 0 ? pages : null,
    };
  } catch {
    return NONE;
  }
}

/** The stored properties of a file of this format; nulls when the format keeps none. Never throws. */
export async function storedProperties(filePath: string, format: DocumentFormat): Promise<StoredProperties> {
  switch (format) {
    case 'DOC':
    case 'WPS':
    case 'XLS':
    case 'ET':
    case 'PPT':
    case 'DPS':
      return docProperties(filePath);
    case 'DOCX':
    case 'XLSX':
    case 'PPTX':
      return docxProperties(filePath);
    case 'ODT':
    case 'ODS':
    case 'ODP':
      return odfProperties(filePath);
    default:
      return NONE;
  }
}
