// Realistic Chinese documents in bulk for the search benchmark: titles from the patterns of
// Chinese document sites, keywords by our own segmenter, and bodies stitched from the
// sentences of the project's Chinese fixtures and the seed page. Deterministic per seed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
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
export const CATEGORIES = ['党政公文', '工作总结', '教育教学', '法律法规', '经济管理', '其他'];
/** Words planted in few documents so "rare" queries have a known, small result set. */
export const RARE_WORDS = ['碳达峰', '人工智能', '无人机', '光伏发电'];

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
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

export interface GeneratedDocument {
  title: string;
  keywords: string[];
  description: string;
  body: string;
  tokens: { title: string; keywords: string; description: string; body: string };
  category: string;
  priceCents: number;
  views: number;
  downloads: number;
  pages: number;
}

export function* generateDocuments(count: number, seed = 42): Generator<GeneratedDocument> {
  const random = rng(seed);
  const pick = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;
  const sentences = loadSentences();
  for (let i = 0; i < count; i++) {
    const topic = pick(TOPICS);
    const title =
      random() < 0.5
        ? `${pick(YEARS)}年${pick(PLACES)}${topic}${pick(GENRES)}`
        : random() < 0.5
          ? `在${pick(PLACES)}${topic}会议上的${pick(GENRES)}`
          : `关于加强${topic}的${pick(GENRES)}（${pick(YEARS)}版）${random() < 0.1 ? ` ${pick(ENGLISH)}` : ''}`;
    const parts: Sentence[] = [];
    const n = 3 + Math.floor(random() * 5);
    for (let j = 0; j < n; j++) parts.push(pick(sentences));
    let body = parts.map((p) => p.text).join('');
    let bodyTokens = parts.map((p) => p.tokens).join(' ');
    if (random() < 0.0005) {
      const rare = pick(RARE_WORDS);
      body += `${rare}。`;
      bodyTokens += ` ${searchTokens(rare)}`;
    }
    const keywords = titleKeywords(title);
    const description = parts[0]!.text.slice(0, 60);
    yield {
      title,
      keywords,
      description,
      body,
      tokens: { title: searchTokens(title), keywords: searchTokens(keywords.join(' ')), description: parts[0]!.tokens, body: bodyTokens },
      category: pick(CATEGORIES),
      priceCents: random() < 0.4 ? 0 : 100 * (1 + Math.floor(random() * 20)),
      views: Math.floor(random() ** 3 * 100000),
      downloads: Math.floor(random() ** 4 * 5000),
      pages: 1 + Math.floor(random() * 30),
    };
  }
}
