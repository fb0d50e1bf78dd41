// Known items for the search benchmark (issue 26): new documents (popularity 0, created now)
// with titles no generated document has, searched by their exact title, by the title minus one
// word, and — titles made only of the library's common words — exactly. Each search records
// where the item came (top 3, top 10). Inserted the way a converted upload is indexed: the
// app's own tokens and weights (title A, keywords B, body D).
import type pg from 'pg';
import { documentSearchTokens, mergeKeywords, searchQuery } from '../../src/documents/document-text.js';
import { searchVectorSql } from '../../src/documents/documents.repo.js';
import { CATEGORIES } from './corpus-generator.js';

export interface KnownItem {
  id: number;
  title: string;
}

export interface KnownQuery {
  q: string;
  /** The document the search is for. */
  id: number;
}

const PLACES = ['全县', '全市', '全区', '街道', '学校', '医院'];
// Topics the generator uses (common words), paired so no generated title is the same.
const PAIRS = [['安全生产', '乡村振兴'], ['信访工作', '营商环境'], ['疫情防控', '基层治理'], ['科技创新', '人才培养'], ['食品安全', '医疗卫生']];
const GENRES = ['工作总结', '实施方案', '调研报告', '工作计划', '会议纪要', '自查报告'];
// Titles with words of their own, as uploads have.
const OWN = ['关于开展老旧小区加装电梯试点的请示', '高三物理第一轮复习电磁感应专题讲义', '某某乡镇垃圾分类积分兑换管理办法', '小学语文统编教材单元整体教学设计案例', '企业劳动合同解除协议书范本（含经济补偿）',
  '2025年度住房公积金缴存基数调整说明', '校园足球联赛秩序册及竞赛规程', '建设工程竣工验收备案表填写指南', '社区居家养老服务中心运营方案', '医院门诊预约挂号系统需求说明书'];

/** Titles by class: only common words (each a pair of the library's topics), and titles of their own. */
export function knownTitles(): { common: string[]; own: string[] } {
  const common = PAIRS.flatMap(([a, b], i) => [`2025年${PLACES[i]}${a}和${b}${GENRES[i]}`, `${PLACES[i + 1]}关于${b}与${a}的${GENRES[i + 1]}`]);
  return { common, own: OWN };
}

export async function removeKnownItems(pool: pg.Pool): Promise<void> {
  await pool.query(`DELETE FROM documents WHERE blob_key LIKE 'known-%'`);
}

/** Inserts the known items (again: earlier ones of a kept database are deleted first). */
export async function insertKnownItems(pool: pg.Pool, uploaderId: number): Promise<KnownItem[]> {
  await removeKnownItems(pool);
  const { common, own } = knownTitles();
  const items: KnownItem[] = [];
  for (const [i, title] of [...common, ...own].entries()) {
    const keywords = mergeKeywords(title, []);
    const body = `${title}。本文档为新上传的资料，内容涉及相关工作的具体安排和要求。`;
    const t = documentSearchTokens({ title, keywords, description: '', body });
    const { rows } = await pool.query<{ id: string }>(
      `INSERT INTO documents (uploader_id, title, description, category, price_cents, free_preview_pages, keywords, format, size_bytes,
         sha256, blob_key, original_filename, status, pages, word_count, body_text, search_vector, views, downloads, created_at, converted_at)
       VALUES ($1, $2, '', $3, 0, 3, $4, 'DOCX', 20000, encode(sha256(convert_to('known-' || $2, 'UTF8')), 'hex'), 'known-' || $5::text,
               $2 || '.docx', 'ready', 3, 100, $6, ${searchVectorSql(7)}, 0, 0, now(), now())
       RETURNING id`,
      [uploaderId, title, CATEGORIES[i % CATEGORIES.length], keywords, i, body, t.title, t.keywords, t.description, t.body],
    );
    items.push({ id: Number(rows[0]!.id), title });
  }
  return items;
}

/** The searches per class: exact titles (their own words), exact titles of common words, and either minus one word. */
export function knownQueries(items: KnownItem[]): Record<string, KnownQuery[]> {
  const { common } = knownTitles();
  const isCommon = (it: KnownItem) => common.includes(it.title);
  // Minus one word: the query's words without the one in the middle.
  const minusOne = (it: KnownItem): KnownQuery => {
    const words = searchQuery(it.title).tokens.split(' ');
    words.splice(Math.floor(words.length / 2), 1);
    return { q: words.join(' '), id: it.id };
  };
  return {
    'known item: exact title, own words': items.filter((it) => !isCommon(it)).map((it) => ({ q: it.title, id: it.id })),
    'known item: exact title, common words only': items.filter(isCommon).map((it) => ({ q: it.title, id: it.id })),
    'known item: title minus one word': items.map(minusOne),
  };
}
