// Chinese text helpers: word segmentation (jieba with its bundled dictionary), title
// keywords, search tokens for Postgres 'simple' text search, and Word-style word counts.
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

// Abbreviations common in Chinese official documents that jieba's general dictionary
// splits into single characters (党办 → 党 / 办). Format: word frequency tag.
const DOMAIN_WORDS = [
  '党办 2000 n',
  '政办 2000 n',
  '县委办 2000 n',
  '市委办 2000 n',
  '党委办 2000 n',
  '政法委 2000 n',
  '综治办 2000 n',
  '信访办 2000 n',
  '维稳办 2000 n',
  '纪委监委 2000 n',
].join('\n');

let jieba: Jieba | null = null;
function segmenter(): Jieba {
  if (!jieba) {
    jieba = Jieba.withDict(dict);
    jieba.loadDict(new TextEncoder().encode(DOMAIN_WORDS));
  }
  return jieba;
}

// Function words that say nothing about a document's subject.
const STOP_WORDS = new Set(
  (
    '的 了 在 上 下 中 和 与 及 以及 或 是 为 对 于 把 被 将 从 向 由 等 之 其 这 那 也 都 就 而 并 且 又 ' +
    '关于 有关 对于 一个 一些 我们 你们 他们 我 你 他 她 它 本 该 此 各 个 年 月 日 第 ' +
    'a an the of and or to in on for with by at from is are be as'
  ).split(' '),
);

const WORDISH = /[\p{L}\p{N}]/u;

/** Segments text into words (jieba, HMM on for unknown words); whitespace tokens dropped. */
export function segmentWords(text: string): string[] {
  return segmenter()
    .cut(text, true)
    .filter((w) => w.trim() !== '');
}

/** Keywords of a title: segmented, stop words and punctuation removed, de-duplicated, order kept. */
export function titleKeywords(title: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of segmentWords(title.normalize('NFKC'))) {
    const word = raw.trim();
    const key = word.toLowerCase();
    if (!WORDISH.test(word) || STOP_WORDS.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push(word);
  }
  return out;
}

/**
 * Space-joined lower-cased tokens for to_tsvector('simple', …) and plainto_tsquery('simple', …).
 * Search-engine mode also emits the shorter words inside long ones (信访工作 → 信访 工作 信访工作),
 * so a query for a part of a compound still matches. Use the same function on both sides.
 */
export function searchTokens(text: string): string {
  return segmenter()
    .cutForSearch(text.normalize('NFKC'), true)
    .map((w) => w.trim().toLowerCase())
    .filter((w) => w !== '' && WORDISH.test(w))
    // Postgres' tsvector parser would split on these anyway; keep tokens plain.
    .map((w) => w.replace(/[^\p{L}\p{N}_]+/gu, ' ').trim())
    .filter((w) => w !== '')
    .join(' ');
}

// Word counts East Asian ideographs and kana one by one, and every other run of letters/digits as one word.
const WORD_UNITS = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]|[^\s\p{P}\p{S}\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+/gu;

/** Word-style count: each Han character one word, each run of Latin letters/digits one word. */
export function countWords(text: string): number {
  let n = 0;
  for (const m of text.matchAll(WORD_UNITS)) {
    if (/[\p{L}\p{N}]/u.test(m[0])) n++;
  }
  return n;
}
