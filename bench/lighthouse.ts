// Lighthouse on the document page (issue 12: Largest Contentful Paint under 1.0 s on a warm
// cache): the real server with the seed uploaded as a paid document (2 free pages), Debian's
// Chromium driven by chrome-launcher, an anonymous reader. One cold run fills the cache; then
// desktop and mobile runs on the warm cache (storage not reset), without throttling (local) and
// with Lighthouse's simulated throttling (its standard figure). Prints LCP, FCP, CLS, TBT and the
// category scores.
import path from 'node:path';
import { readdirSync } from 'node:fs';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse, { desktopConfig, type Flags, type Config } from 'lighthouse';
import { freshDatabase } from './lib/database.js';
import { ROOT, startWenku } from './lib/processes.js';
import { registerBenchUser, uploadFile, waitReady } from './lib/wenku-client.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const LCP_GOAL_MS = 1000;

interface Row { shifts: string[]; complaints: string[]; run: string; lcpMs: number; fcpMs: number; cls: number; tbtMs: number; scores: Record<string, number>; failing: string[]; lcpElement: string }

async function audit(url: string, port: number, run: string, flags: Flags, config?: Config): Promise<Row> {
  const result = await lighthouse(url, { port, output: 'json', logLevel: 'error', onlyCategories: ['performance', 'accessibility', 'best-practices', 'seo'], ...flags }, config);
  if (!result) throw new Error('lighthouse returned nothing');
  const { audits, categories } = result.lhr;
  const num = (id: string) => Number(audits[id]?.numericValue ?? NaN);
  const scores = Object.fromEntries(Object.entries(categories).map(([k, c]) => [k, Math.round((c.score ?? 0) * 100)]));
  // What keeps a category below 100 (accessibility, best practices, SEO): the failing audits' ids.
  const failing = Object.entries(categories)
    .filter(([k]) => k !== 'performance')
    .flatMap(([k, c]) => c.auditRefs.filter((ref) => ref.weight > 0 && audits[ref.id]?.score !== null && (audits[ref.id]?.score ?? 1) < 1).map((ref) => `${k}: ${ref.id}`));
  // Lighthouse 13 names the LCP element in the LCP breakdown insight (a list: the phases table, then the node).
  const lcpDetails = audits['lcp-breakdown-insight']?.details as { items?: Array<{ type?: string; snippet?: string }> } | undefined;
  const lcpElement = lcpDetails?.items?.find((item) => item.type === 'node')?.snippet ?? '?';
  // What moved (CLS) and what the console/SEO audits complain about, so a regression names its cause.
  const itemsOf = (id: string) => ((audits[id]?.details as { items?: Array<Record<string, unknown>> } | undefined)?.items ?? []);
  const shifts = itemsOf('layout-shifts').slice(0, 3).map((i) => `${Number(i.score ?? 0).toFixed(3)} ${String((i.node as { snippet?: string } | undefined)?.snippet ?? '?').slice(0, 120)}`);
  const complaints = ['errors-in-console', 'canonical'].flatMap((id) =>
    (audits[id]?.score ?? 1) < 1 ? [`${id}: ${audits[id]?.explanation ?? ''} ${JSON.stringify(itemsOf(id).slice(0, 2)).slice(0, 300)}`] : []);
  return { shifts, complaints, run, lcpMs: num('largest-contentful-paint'), fcpMs: num('first-contentful-paint'), cls: num('cumulative-layout-shift'), tbtMs: num('total-blocking-time'), scores, failing, lcpElement };
}

async function main(): Promise<void> {
  const databaseUrl = await freshDatabase('wenku_bench_lighthouse');
  const wenku = await startWenku(databaseUrl ? { DATABASE_URL: databaseUrl } : {}, { ownPublicUrl: true });
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const { token } = await registerBenchUser(wenku.url, 'lighthouse');
    const seedDir = path.join(ROOT, '../shared/corpus/seed');
    const seed = path.join(seedDir, readdirSync(seedDir).find((f) => f.endsWith('.doc'))!);
    const up = await uploadFile(wenku.url, token, seed, { priceCents: '250', freePreviewPages: '2', category: '讲话致辞' });
    const id = (up.body as { document: { id: number } }).document.id;
    await waitReady(wenku.url, id);
    const url = `${wenku.url}/doc/${id}`;
    const local: Flags = { throttlingMethod: 'provided' };
    const warm: Flags = { disableStorageReset: true };
    const rows: Row[] = [];
    rows.push(await audit(url, chrome.port, 'desktop, cold cache, local', local, desktopConfig));
    rows.push(await audit(url, chrome.port, 'desktop, warm cache, local', { ...local, ...warm }, desktopConfig));
    rows.push(await audit(url, chrome.port, 'desktop, warm cache, simulated throttling', warm, desktopConfig));
    rows.push(await audit(url, chrome.port, 'mobile, warm cache, local', { ...local, ...warm }));
    rows.push(await audit(url, chrome.port, 'mobile, warm cache, simulated throttling', warm));
    console.log(`\nLighthouse on ${url.replace(wenku.url, '')} (anonymous reader, seed .doc, 2 free pages)\n`);
    console.table(rows.map((r) => ({
      run: r.run,
      'LCP ms': Math.round(r.lcpMs),
      'FCP ms': Math.round(r.fcpMs),
      CLS: Number(r.cls.toFixed(3)),
      'TBT ms': Math.round(r.tbtMs),
      performance: r.scores.performance,
      accessibility: r.scores.accessibility,
      'best-practices': r.scores['best-practices'],
      seo: r.scores.seo,
    })));
    const warmLocal = rows[1]!;
    console.log(`LCP element (desktop, warm): ${warmLocal.lcpElement}`);
    for (const r of rows) if (r.cls > 0.05) console.log(`Layout shifts (${r.run}): ${r.shifts.join(' | ')}`);
    for (const c of new Set(rows.flatMap((r) => r.complaints))) console.log(`  ${c}`);
    const failing = [...new Set(rows.flatMap((r) => r.failing))];
    if (failing.length) console.log(`Audits below 100: ${failing.join(', ')}`);
    console.log(`LCP on a warm cache (desktop, local): ${Math.round(warmLocal.lcpMs)} ms — goal < ${LCP_GOAL_MS} ms: ${warmLocal.lcpMs < LCP_GOAL_MS ? 'met' : 'NOT met'}`);
  } finally {
    await chrome.kill();
    await wenku.stop();
  }
}

await main();
