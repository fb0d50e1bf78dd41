// @ts-check
// Money and size for people, and yuan typed by people back to cents: the one implementation,
// used by the server's templates (imported from src/) and by the page scripts (served from
// /static/js as an ES module). Display only: amounts are integer cents everywhere else.

/** The largest single top-up (¥100,000). */
export const MAX_TOPUP_CENTS = 10_000_000;
/** The largest document price (¥1,000,000): far above any real document, below any overflow. */
export const MAX_PRICE_CENTS = 100_000_000;

/** What a typed amount may be, per form: a top-up is at least one cent, a price may be free. */
export const YUAN_LIMITS = {
  topup: { min: 1, max: MAX_TOPUP_CENTS },
  price: { min: 0, max: MAX_PRICE_CENTS },
  /** A VIP plan's price (the admin page): never free. */
  vipPrice: { min: 1, max: MAX_PRICE_CENTS },
};

/**
 * Cents → "¥2.50". Never used for arithmetic.
 * @param {number} cents
 * @returns {string}
 */
export function formatYuan(cents) {
  return '¥' + (cents / 100).toFixed(2);
}

/** @type {Map<string, Intl.DateTimeFormat>} */
const TIME_FORMATS = new Map();

/**
 * A moment → "2026-12-02 04:07" in the given IANA zone: the one way pages write a time.
 * @param {Date | string | number | null | undefined} at
 * @param {string} timeZone
 * @returns {string}
 */
export function formatDateTime(at, timeZone) {
  if (at === null || at === undefined || at === '') return '';
  const d = at instanceof Date ? at : new Date(at);
  if (Number.isNaN(d.getTime())) return '';
  let f = TIME_FORMATS.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    TIME_FORMATS.set(timeZone, f);
  }
  /** @type {Record<string, string>} */
  const p = {};
  for (const part of f.formatToParts(d)) p[part.type] = part.value;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/**
 * A moment → its calendar day "2026-12-02" in `timeZone` (TIMEZONE): the day a view, a sale or a
 * member's download quota is counted on.
 * @param {Date} at
 * @param {string} timeZone
 * @returns {string}
 */
export function calendarDay(at, timeZone) {
  return formatDateTime(at, timeZone).slice(0, 10);
}

/**
 * 23552 → "23KB", 1.5 MiB → "1.5MB", 512 → "512B" (as 文库 sites show sizes).
 * @param {number} bytes
 * @returns {string}
 */
export function humanSize(bytes) {
  if (bytes < 1024) return bytes + 'B';
  if (bytes < 1024 * 1024) return Math.max(1, Math.round(bytes / 1024)) + 'KB';
  const mb = bytes / (1024 * 1024);
  return (mb >= 100 ? String(Math.round(mb)) : mb.toFixed(1).replace(/\.0$/u, '')) + 'MB';
}

/**
 * "12.5" → 1250, by string arithmetic (a float product could be off by a cent); null when the
 * text is not a yuan amount with at most two decimals, or falls outside `limits`.
 * @param {unknown} text
 * @param {{ min: number, max: number }} limits one of YUAN_LIMITS
 * @returns {number | null}
 */
export function yuanToCents(text, limits) {
  // Nine integer digits are more than any limit allows and still far from overflow.
  const m = typeof text === 'string' ? /^(\d{1,9})(?:\.(\d{1,2}))?$/u.exec(text.trim()) : null;
  if (!m) return null;
  const cents = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  return cents >= limits.min && cents <= limits.max ? cents : null;
}

/** The fixed top-up amounts offered beside a typed one (¥10, ¥30, ¥50). */
export const TOPUP_PRESETS_CENTS = [1000, 3000, 5000];

/** Round amounts offered above a shortfall (¥10 … ¥100,000): 1, 3 and 5 times a power of ten, as the fixed ones. */
const ROUND_TOPUPS_CENTS = [1000, 3000, 5000, 10000, 30000, 50000, 100000, 300000, 500000, 1000000, 3000000, 5000000, 10000000];

/**
 * The top-up amounts to offer. Without a shortfall: the fixed ones. With one (what a purchase is
 * missing): every amount covers it: the shortfall itself, the shortfall rounded up (to ¥10, or
 * half its leading power of ten: ¥142.50 → ¥150), then the next round amounts above: at most four.
 * @param {number | null | undefined} missingCents
 * @returns {number[]}
 */
export function topupPresetsCents(missingCents) {
  const missing = typeof missingCents === 'number' && Number.isSafeInteger(missingCents) && missingCents >= YUAN_LIMITS.topup.min && missingCents <= YUAN_LIMITS.topup.max ? missingCents : null;
  if (missing === null) return [...TOPUP_PRESETS_CENTS];
  const step = Math.max(1000, 10 ** Math.floor(Math.log10(missing)) / 2);
  const rounded = Math.min(Math.ceil(missing / step) * step, YUAN_LIMITS.topup.max);
  const above = ROUND_TOPUPS_CENTS.filter((c) => c > rounded);
  return [...new Set([missing, rounded, ...above])].slice(0, 4);
}
