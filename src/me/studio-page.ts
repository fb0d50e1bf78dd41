// The studio's data (/me/documents): each own document with its status, thumbnail, price, views,
// downloads, earnings and 30-day chart, and the values of its edit form. Composed here from
// documents (the documents, their views per day) and payments (earnings, sales per day), so
// neither imports the other.
import type { Actor, AppDeps } from '../deps.js';
import { calendarDay, formatYuan } from '../../public/js/format.js';
import { CATEGORIES } from '../documents/documents.schemas.js';
import { dailyViewsOf, listStudioDocuments, type StudioDocument } from '../documents/studio.service.js';
import { docCard } from '../documents/pages/view-models.js';
import { dailySalesOf, getEarnings } from '../payments/earnings.service.js';
import { CHART_DAYS, chartDays, documentChart } from './studio-chart.js';

type Deps = Pick<AppDeps, 'db' | 'views' | 'config' | 'clock'>;

/** Documents per studio page. */
export const STUDIO_PAGE_SIZE = 30;

/** What the edit form holds: the stored values, or what the uploader typed when it was refused. */
export interface StudioFormValues {
  title: string;
  description: string;
  category: string;
  keywords: string;
  price: string;
  freePreviewPages: string;
}

/** A refused edit, shown on its document's form. */
export interface StudioFormError {
  documentId: number;
  message: string;
  values?: StudioFormValues;
}

/** Cents as the price field shows them: "0", "2.5" → "2.50". */
const yuanField = (cents: number) => (cents === 0 ? '0' : (cents / 100).toFixed(2));

function storedValues(s: StudioDocument): StudioFormValues {
  const d = s.document;
  return {
    title: d.title,
    description: d.description,
    category: d.category,
    keywords: s.userKeywords.join(' '),
    price: yuanField(d.priceCents),
    freePreviewPages: String(d.freePreviewPages),
  };
}

/** Counts per document and day as nested maps. */
function byDocument<T extends { documentId: number; day: string }>(rows: T[], count: (r: T) => number): Map<number, Map<string, number>> {
  const out = new Map<number, Map<string, number>>();
  for (const r of rows) {
    let days = out.get(r.documentId);
    if (!days) out.set(r.documentId, (days = new Map()));
    days.set(r.day, (days.get(r.day) ?? 0) + count(r));
  }
  return out;
}

export async function buildStudioPage(
  deps: Deps,
  actor: Actor,
  options: { beforeId: number | null; error?: StudioFormError; notice?: string },
) {
  const now = deps.clock.now();
  const days = chartDays(calendarDay(now, deps.config.timezone));
  const [{ items, nextBeforeId }, earnings] = await Promise.all([
    listStudioDocuments(deps, actor, { limit: STUDIO_PAGE_SIZE, beforeId: options.beforeId }),
    getEarnings(deps, actor.userId),
  ]);
  const ids = items.map((i) => i.document.id);
  // A day more than the chart, so the first day is whole in any zone; days before it are dropped.
  const since = new Date(now.getTime() - (CHART_DAYS + 1) * 86_400_000);
  const [views, sales] = await Promise.all([dailyViewsOf(deps, ids, days[0]!), dailySalesOf(deps, ids, since)]);
  const viewsByDoc = byDocument(views, (r) => r.views);
  const salesByDoc = byDocument(sales, (r) => r.sales);
  const earned = new Map(earnings.items.map((e) => [e.documentId, e]));
  const none = new Map<string, number>();

  return {
    notice: options.notice ?? null,
    categories: CATEGORIES,
    totals: {
      documents: items.length,
      earnings: formatYuan(earnings.totalCents),
    },
    documents: items.map((s) => {
      const d = s.document;
      const e = earned.get(d.id);
      const error = options.error?.documentId === d.id ? options.error : null;
      return {
        ...docCard(d),
        anchor: `doc-${d.id}`,
        sales: e?.sales ?? 0,
        earnings: formatYuan(e ? e.earnedCents - e.refundedCents : 0),
        // A taken-down document is hidden from its uploader's edits (the API answers 404 too).
        canEdit: d.status !== 'taken_down',
        mayRetry: s.mayRetry,
        // A failure the file itself caused: say so, so nobody waits for a retry that cannot help.
        fileAtFault: d.status === 'failed' && !s.mayRetry,
        chart: documentChart(days, viewsByDoc.get(d.id) ?? none, salesByDoc.get(d.id) ?? none),
        form: error?.values ?? storedValues(s),
        error: error?.message ?? null,
      };
    }),
    nextUrl: nextBeforeId ? `/me/documents?before=${nextBeforeId}` : null,
    firstPage: options.beforeId === null,
  };
}
