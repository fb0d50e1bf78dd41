// The studio's small chart of one document's last 30 days: views and sales per day as two rows of
// bars, drawn on the server as SVG (no chart script, no CDN). Only numbers and geometry here; the
// template (views/me/studio-chart.eta) writes the markup, escaped.

/** Days shown, ending today. */
export const CHART_DAYS = 30;

const BAR_STEP = 10;
const BAR_WIDTH = 7;
const ROW_HEIGHT = 34;
/** The two rows' baselines: views above, sales below. */
const VIEWS_BASE = 40;
const SALES_BASE = 88;

export interface ChartBar {
  day: string;
  count: number;
  x: number;
  y: number;
  height: number;
  /** 「05-01 浏览 3」: the bar's tooltip. */
  label: string;
}

export interface DocumentChart {
  width: number;
  height: number;
  barWidth: number;
  views: { bars: ChartBar[]; total: number; max: number; baseline: number };
  sales: { bars: ChartBar[]; total: number; max: number; baseline: number };
  firstDay: string;
  lastDay: string;
  summary: string;
}

/** The CHART_DAYS calendar days ending with `today` ("YYYY-MM-DD"), oldest first. */
export function chartDays(today: string): string[] {
  const end = Date.parse(`${today}T00:00:00Z`);
  return Array.from({ length: CHART_DAYS }, (_, i) => new Date(end - (CHART_DAYS - 1 - i) * 86_400_000).toISOString().slice(0, 10));
}

function row(days: string[], counts: ReadonlyMap<string, number>, baseline: number, what: string) {
  const values = days.map((d) => counts.get(d) ?? 0);
  const max = Math.max(0, ...values);
  const bars = days.map((day, i) => {
    const count = values[i]!;
    // A day without any still shows a hairline, so the 30 days read as a scale.
    const height = count === 0 ? 1 : Math.max(2, Math.round((count / max) * ROW_HEIGHT));
    return { day, count, x: i * BAR_STEP, y: baseline - height, height, label: `${day.slice(5)} ${what} ${count}` };
  });
  return { bars, total: values.reduce((a, b) => a + b, 0), max, baseline };
}

/** The chart of one document from its counts per day (days missing from the maps count 0). */
export function documentChart(days: string[], views: ReadonlyMap<string, number>, sales: ReadonlyMap<string, number>): DocumentChart {
  const v = row(days, views, VIEWS_BASE, '浏览');
  const s = row(days, sales, SALES_BASE, '售出');
  return {
    width: days.length * BAR_STEP,
    height: SALES_BASE + 2,
    barWidth: BAR_WIDTH,
    views: v,
    sales: s,
    firstDay: days[0] ?? '',
    lastDay: days[days.length - 1] ?? '',
    summary: `近${days.length}天：浏览 ${v.total} 次，售出 ${s.total} 份`,
  };
}
