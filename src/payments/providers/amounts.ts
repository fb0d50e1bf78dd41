// Alipay states amounts in yuan with two decimals ("12.30"); we keep integer cents. String
// arithmetic both ways, never floats.

/** 1230 → "12.30". */
export function formatYuanAmount(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** "12.3" / "12.30" / "12" → 1230; null when not a plain non-negative amount. */
export function parseYuanAmount(value: string | undefined): number | null {
  const m = value?.match(/^(\d{1,9})(?:\.(\d{1,2}))?$/);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
}
