// The vocabulary of the search benchmark's generated Chinese library: every title the patterns
// of Chinese document sites give (year, place, topic, genre), segmented by our own tokenizer, and
// paragraphs stitched from the sentences of the project's Chinese fixtures and the seed page.
// bench/lib/search-load.ts turns these few thousand rows into a million documents inside
// Postgres. Deterministic per seed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CATEGORIES as SCHEMA_CATEGORIES } from '../../src/documents/documents.schemas.js';
import { searchTokens, titleKeywords } from '../../src/text/chinese.js';
import { ROOT } from './processes.js';

const SOURCES = [
  '../shared/corpus/generated/src/zh-speech.txt',
  '../shared/corpus/generated/src/zh-notice.txt',
  '../shared/corpus/generated/src/zh-minutes.txt',
  '../shared/reference/seed-page.txt',
];

const TOPICS = ['政法稳定', '信访工作', '安全生产', '乡村振兴', '数字政府', '营商环境', '生态环境保护', '教育教学', '疫情防控', '党风廉政建设', '基层治理', '招商引资', '财务管理', '人才培养', '科技创新', '医疗卫生', '食品安全', '防汛抗旱', '城市管理', '社会保障'];
const GENRES = ['讲话', '工作总结', '实施方案', '工作计划', '心得体会', '调研报告', '通知', '会议纪要', '述职报告', '汇报材料', '整改报告', '自查报告'];
const PLACES = ['全县', '全市', '全区', '全省', '镇', '街道', '学校', '医院', '公司', '局'];
const YEARS = ['2019', '2020', '2021', '2022', '2023', '2024', '2025'];
const ENGLISH = ['report', 'plan', 'summary', 'meeting', 'policy', 'digital', 'project'];
export const CATEGORIES: readonly string[] = SCHEMA_CATEGORIES;
/** Words planted in few documents (RARE_SHARE of them) so "rare" queries have a known, small result set. */
export const RARE_WORDS = ['碳达峰', '人工智能', '无人机', '光伏发电'];
export const RARE_SHARE = 0.0005;

export function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

export interface TitleEntry {
  /** The title pattern; each group is picked with its GROUP_SHARES share, then a title uniformly within it. */
  group: number;
  title: string;
  keywords: string[];
  tokens: string;
  keywordTokens: string;
}

/** Shares of the four title patterns (sums to 1): 「2021年全县…总结」, 「在…会议上的讲话」, 「关于加强…（2021版）」, the same with an English word. */
export const GROUP_SHARES = [0.5, 0.25, 0.225, 0.025];

export function titleVocabulary(): TitleEntry[] {
  const groups: string[][] = [[], [], [], []];
  for (const topic of TOPICS)
    for (const genre of GENRES) {
      for (const place of PLACES) {
        for (const year of YEARS) groups[0]!.push(`${year}年${place}${topic}${genre}`);
        groups[1]!.push(`在${place}${topic}会议上的${genre}`);
      }
      for (const year of YEARS) {
        groups[2]!.push(`关于加强${topic}的${genre}（${year}版）`);
        for (const word of ENGLISH) groups[3]!.push(`关于加强${topic}的${genre}（${year}版） ${word}`);
      }
    }
  return groups.flatMap((titles, group) =>
    titles.map((title) => {
      const keywords = titleKeywords(title);
      return { group, title, keywords, tokens: searchTokens(title), keywordTokens: searchTokens(keywords.join(' ')) };
    }),
  );
}

interface Sentence {
  text: string;
  tokens: string;
}

function loadSentences(): Sentence[] {
  const text = SOURCES.map((f) => readFileSync(path.resolve(ROOT, f), 'utf8')).join('\n');
  return text
    .replace(/^[#@]+.*$/gm, '')
    .split(/(?<=[。！？；])/u)
    .map((s) => s.replace(/\s+/g, '').trim())
    .filter((s) => s.length >= 12 && s.length <= 200)
    .map((s) => ({ text: s, tokens: searchTokens(s) }));
}

export interface Paragraph {
  text: string;
  tokens: string;
  /** The first sentence's opening (a document's description when the paragraph opens its body). */
  lead: string;
  leadTokens: string;
}

/** `count` paragraphs of `min`–`max` random sentences; a document's body is two of them (3–7 sentences). */
export function paragraphs(count: number, min: number, max: number, seed = 42): Paragraph[] {
  const random = rng(seed);
  const sentences = loadSentences();
  const out: Paragraph[] = [];
  for (let i = 0; i < count; i++) {
    const n = min + Math.floor(random() * (max - min + 1));
    const parts = Array.from({ length: n }, () => sentences[Math.floor(random() * sentences.length)]!);
    out.push({
      text: parts.map((p) => p.text).join(''),
      tokens: parts.map((p) => p.tokens).join(' '),
      lead: parts[0]!.text.slice(0, 60),
      leadTokens: parts[0]!.tokens,
    });
  }
  return out;
}

export const rareTokens = () => RARE_WORDS.map((w) => searchTokens(w));
