// The category suggested from a title at upload (public/js/category-suggest.js): the one table,
// shared by the server and the upload page's script.
import { describe, expect, it } from 'vitest';
import { CATEGORY_WORDS, suggestCategory } from '../../public/js/category-suggest.js';
import { CATEGORIES } from './documents.schemas.js';

describe('suggestCategory', () => {
  it('when the table is read, then every category in it is one of the contract\'s categories, and no word is listed twice', () => {
    for (const [category] of CATEGORY_WORDS) expect(CATEGORIES as readonly string[]).toContain(category);
    const words = CATEGORY_WORDS.flatMap(([, w]) => w);
    expect(new Set(words).size).toBe(words.length);
  });

  it.each([
    ['党办:在全县政法稳定工作推进会议上的讲话', '讲话致辞'],
    ['在2024年新春团拜会上的致辞', '讲话致辞'],
    ['县委书记在表彰大会上的表态发言', '讲话致辞'],
    ['房屋租赁合同范本（2024版）', '合同协议'],
    ['股权转让协议书', '合同协议'],
    ['2023年高考数学全国卷试题及答案', '教育教学'],
    ['七年级上册语文期末考试试卷', '教育教学'],
    ['《背影》教案', '教育教学'],
    ['小学科学课件：植物的一生', '教育教学'],
    ['个人求职简历模板', '应用文书'],
    ['2023年度个人工作总结', '工作总结'],
    ['乡镇党委书记述职报告', '工作总结'],
    ['公司员工考勤管理办法', '规章制度'],
    ['中华人民共和国民法典', '法律法规'],
    ['关于印发《安全生产管理办法》的通知', '党政公文'],
    ['关于农村电商发展的调研报告', '论文报告'],
    ['办公楼施工组织设计', '行业资料'],
    ['云南七日游攻略', '生活休闲'],
  ])('when the title is 「%s」, then it suggests %s', (title, category) => {
    expect(suggestCategory(title)).toBe(category);
  });

  it('when the genre word comes last, then it wins over words earlier in the title', () => {
    // 总结 (工作总结) comes before 讲话 (讲话致辞): a speech at a review meeting is a speech.
    expect(suggestCategory('在工作总结大会上的讲话')).toBe('讲话致辞');
    // The speech's text published as a notice: the notice names the document.
    expect(suggestCategory('关于转发县长讲话的通知')).toBe('党政公文');
  });

  it('when the title names no genre (or is empty), then there is no suggestion', () => {
    expect(suggestCategory('随便写写')).toBeNull();
    expect(suggestCategory('')).toBeNull();
    expect(suggestCategory(undefined)).toBeNull();
  });
});
