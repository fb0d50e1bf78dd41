// Near-copy fingerprints (issue 14 item 13): a 64-bit SimHash over a document's text, so two
// uploads with the same text, reformatted, re-punctuated or lightly edited, land a few bits apart
// while unrelated texts differ in about half. Features are overlapping 4-character shingles of the
// text with whitespace and punctuation removed (Chinese has no word gaps, so characters, not words).

/** Below this many characters after normalising, a fingerprint says nothing reliable: none. */
export const MIN_FINGERPRINT_CHARS = 50;
/** Only the start of very long texts is read (enough to tell copies apart, bounded cost). */
const MAX_CHARS = 200_000;
const SHINGLE = 4;
/** Fingerprints this many bits apart or fewer are near copies (the usual bound for 64-bit SimHash). */
export const NEAR_COPY_MAX_DISTANCE = 3;

/** The text as compared: NFKC, lower case, no whitespace, punctuation or symbols. */
export function normalizeForFingerprint(text: string): string {
  return text.slice(0, MAX_CHARS * 2).normalize('NFKC').toLowerCase().replace(/[\s\p{P}\p{S}\p{C}]+/gu, '').slice(0, MAX_CHARS);
}

/** Two independent 32-bit FNV-1a style hashes of the shingle → 64 bits as [hi, lo]. */
function hash64(chars: string[], start: number): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = start; i < start + SHINGLE; i++) {
    const c = chars[i]!.codePointAt(0)!;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  // Final avalanche so neighbouring shingles spread over all bits.
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b ^= b >>> 16;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 16;
  return [a >>> 0, b >>> 0];
}

/**
 * The SimHash of the text as a signed 64-bit integer (the form Postgres' bigint stores), or null
 * when the text is too short to fingerprint.
 */
export function textSimhash(text: string): bigint | null {
  const chars = Array.from(normalizeForFingerprint(text));
  if (chars.length < MIN_FINGERPRINT_CHARS) return null;
  const weights = new Int32Array(64);
  for (let i = 0; i + SHINGLE <= chars.length; i++) {
    const [hi, lo] = hash64(chars, i);
    for (let bit = 0; bit < 32; bit++) {
      weights[bit] = weights[bit]! + ((lo >>> bit) & 1 ? 1 : -1);
      weights[bit + 32] = weights[bit + 32]! + ((hi >>> bit) & 1 ? 1 : -1);
    }
  }
  let value = 0n;
  for (let bit = 63; bit >= 0; bit--) value = (value << 1n) | (weights[bit]! > 0 ? 1n : 0n);
  return BigInt.asIntN(64, value);
}

/** Bits in which two fingerprints differ. */
export function hammingDistance(a: bigint, b: bigint): number {
  let x = BigInt.asUintN(64, a ^ b);
  let n = 0;
  while (x) {
    x &= x - 1n;
    n++;
  }
  return n;
}
