// Minimal types for word-extractor 1.x (the package ships none).
declare module 'word-extractor' {
  interface TextOptions {
    /** true by default: turns “” and —— into ASCII. */
    filterUnicode?: boolean;
  }
  export interface ExtractedDocument {
    getBody(options?: TextOptions): string;
    getFootnotes(options?: TextOptions): string;
    getEndnotes(options?: TextOptions): string;
  }
  export default class WordExtractor {
    extract(source: string | Buffer): Promise<ExtractedDocument>;
  }
}
