// How many table cells an OpenDocument file holds once its repeat counts are expanded. ODF writes
// runs of like rows and cells once with table:number-rows-repeated / number-columns-repeated, so
// an 814-byte .ods can stand for a billion filled cells, which LibreOffice then builds and lays
// out until it times out. Counted before LibreOffice sees the file (index.ts refuses it).
import { readZipEntry } from './zip.js';

/** Most cells with content a table document may expand to (a 100,000 × 20 sheet is 2 million). */
export const MAX_EXPANDED_CELLS = 2_000_000;

const TAG = /<(\/?)table:(table-row|table-cell|covered-table-cell)\b([^>]*?)(\/?)>/gu;
const repeat = (attrs: string, name: string): number => {
  const m = new RegExp(`table:${name}="(\\d+)"`, 'u').exec(attrs);
  return m ? Math.max(1, Number(m[1])) : 1;
};

/**
 * Cells with content in content.xml's tables, rows and columns repeated: a cell counts when it
 * carries a value type or a formula or has children (text); empty cells, however many, are free
 * (LibreOffice writes every sheet's unused rest as one such run). Stops counting past `stopAt`.
 */
export function countExpandedCells(contentXml: string, stopAt = Number.POSITIVE_INFINITY): number {
  let total = 0;
  let rowRepeat = 1;
  let rowCells = 0;
  for (const m of contentXml.matchAll(TAG)) {
    const [, closing, kind, attrs = '', selfClosing] = m;
    if (kind === 'table-row') {
      if (closing) {
        total += rowRepeat * rowCells;
        if (total > stopAt) return total;
        rowRepeat = 1;
        rowCells = 0;
      } else {
        rowRepeat = repeat(attrs, 'number-rows-repeated');
        rowCells = 0;
      }
      continue;
    }
    if (closing) continue;
    const filled = !selfClosing || /office:value-type=|table:formula=/u.test(attrs);
    if (filled) rowCells += repeat(attrs, 'number-columns-repeated');
  }
  return total;
}

/** The expanded cell count of an ODF package's content.xml (0 when it has none). */
export async function expandedCellsOf(filePath: string, maxXmlBytes: number): Promise<number> {
  const xml = await readZipEntry(filePath, 'content.xml', maxXmlBytes);
  return xml ? countExpandedCells(xml.toString('utf8'), MAX_EXPANDED_CELLS) : 0;
}
