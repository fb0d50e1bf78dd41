// Public API of the conversion engine. The documents feature (upload, queue,
// worker) depends only on what is exported here.
import type { Logger } from 'pino';
import { AppError } from '../errors.js';

export type WordFormat = 'DOC' | 'DOCX';

/**
 * Decides the type from the bytes. Throws AppError('unsupported_file', '<中文原因> (<English reason>)')
 * for anything that is not a readable Word file.
 */
export async function sniffWordFile(filePath: string): Promise<{ format: WordFormat }> {
  void filePath;
  throw new AppError('unsupported_file', '尚未实现 (not implemented yet)');
}

export interface ConversionResult {
  /** Sanitised HTML, one string per page (page boundaries), at least one. */
  pages: string[];
  /** From LibreOffice's layout when available, else the fallback. */
  pageCount: number;
  /** Recounted: each Han character one word, each run of Latin letters/digits one word. */
  wordCount: number;
  /** Plain body text (for search / related). */
  text: string;
  /** From OLE SummaryInformation / docProps/core.xml, decoded by codepage. */
  properties: { title: string | null; author: string | null };
  /** True when the preview is text-only (no LibreOffice available). */
  simplified: boolean;
  warnings: string[];
}

export class ConversionError extends Error {
  constructor(
    readonly reasonZh: string,
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'ConversionError';
  }
}

export interface Converter {
  /** Throws ConversionError. Must not be called after close(). */
  convert(input: { filePath: string; format: WordFormat }): Promise<ConversionResult>;
  close(): Promise<void>;
}

export function createConverter(options: {
  sofficePath?: string | null;
  workDir: string;
  log: Logger;
  concurrency?: number;
}): Converter {
  void options;
  return {
    async convert() {
      throw new ConversionError('转换功能尚未实现', 'not implemented yet', false);
    },
    async close() {},
  };
}

/** Bumped whenever the output changes, so stored previews can be regenerated. */
export const CONVERTER_VERSION = 1;
