// Benchmark rows: a figure, the baseline measured in the same run, their ratio and the goal.
import { appendFileSync } from 'node:fs';

export interface BenchRow {
  bench: string;
  case: string;
  value: number;
  unit: string;
  baselineName?: string;
  baseline?: number;
  /** value / baseline, or baseline / value when lower is better. */
  ratio?: number;
  goal?: string;
  met?: boolean;
  note?: string;
}

const fmt = (n: number | undefined, digits = 1) =>
  n === undefined || Number.isNaN(n) ? '' : Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(digits);

/** Higher-is-better ratio against a baseline, with an optional goal such as ≥ 0.8. */
export function ratioRow(row: Omit<BenchRow, 'ratio' | 'met'> & { minRatio?: number; lowerIsBetter?: boolean }): BenchRow {
  const { minRatio, lowerIsBetter, ...rest } = row;
  const ratio =
    row.baseline === undefined || row.baseline === 0
      ? undefined
      : lowerIsBetter
        ? row.baseline / row.value
        : row.value / row.baseline;
  return { ...rest, ratio, met: minRatio === undefined || ratio === undefined ? undefined : ratio >= minRatio };
}

export function printTable(rows: BenchRow[]): void {
  const header = ['bench', 'case', 'value', 'baseline', 'ratio', 'goal', 'met'];
  const lines = rows.map((r) => [
    r.bench,
    r.case,
    `${fmt(r.value, 2)} ${r.unit}`,
    r.baseline === undefined ? '' : `${fmt(r.baseline, 2)} ${r.unit} (${r.baselineName ?? 'baseline'})`,
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
    r.goal ?? '',
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const l of lines) console.log(line(l));
}

/** When BENCH_RESULTS names a file, rows are appended to it as JSON lines (bench/run.ts reads them). */
export function recordRows(rows: BenchRow[]): void {
  const file = process.env.BENCH_RESULTS;
  if (!file) return;
  for (const r of rows) appendFileSync(file, `${JSON.stringify(r)}\n`);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export const smoke = () => process.env.BENCH_SMOKE === '1' || process.argv.includes('--smoke');
