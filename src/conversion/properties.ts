// Document properties: title and author (and the page count stored in the file, a fallback only).
import { readFile } from 'node:fs/promises';
import { parseSummaryInformation, readCfb, streamOf } from './ole.js';
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

export async function docProperties(filePath: string): Promise<StoredProperties> {
  try {
    const si = parseSummaryInformation(streamOf(readCfb(await readFile(filePath)), '\u0005SummaryInformation'));
    return { title: si.title, author: si.author, pageCount: si.pageCount };
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
