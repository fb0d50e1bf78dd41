// @ts-check
// The category an upload is filed under when the uploader picks none, suggested from the title:
// the one table of genre words, used by the server (src/documents/upload.service.ts) and by the
// upload page's script (the hint under 「分类」), so both suggest the same. Categories are the
// ones of CATEGORIES in src/documents/documents.schemas.ts (category-suggest.test.ts checks).
//
// A Chinese title names its genre last (「关于印发《管理办法》的通知」 is a notice, 「…会议上的讲话」
// a speech), so among the words found the one that ends latest wins; at the same end, the longer.

/** @type {ReadonlyArray<readonly [string, readonly string[]]>} category → the words that suggest it */
export const CATEGORY_WORDS = [
  ['讲话致辞', ['讲话', '致辞', '发言', '演讲', '贺词', '主持词', '开幕词', '闭幕词', '祝酒词', '欢迎词', '动员讲话']],
  ['合同协议', ['合同', '协议', '协议书', '契约', '补充协议', '意向书']],
  ['教育教学', ['试卷', '试题', '考试', '真题', '模拟题', '练习题', '习题', '答案', '教案', '课件', '教学设计', '说课稿', '学案', '导学案', '备课', '复习']],
  ['应用文书', ['简历', '求职信', '自荐信', '申请书', '证明', '倡议书', '邀请函', '感谢信', '请假条', '检讨书', '承诺书', '介绍信', '委托书']],
  ['工作总结', ['总结', '述职', '工作汇报', '汇报', '工作计划', '心得体会', '年终', '个人小结']],
  ['规章制度', ['制度', '规定', '管理办法', '实施细则', '细则', '章程', '守则', '规范', '岗位职责', '流程']],
  ['法律法规', ['法律', '法规', '条例', '司法解释', '民法典', '刑法', '法典']],
  ['党政公文', ['通知', '通报', '请示', '批复', '决定', '实施意见', '公文', '党课', '党建', '民主生活会', '主题教育', '纪要', '公告']],
  ['论文报告', ['论文', '调研报告', '调查报告', '研究报告', '开题报告', '文献综述', '可行性研究', '分析报告']],
  ['行业资料', ['施工方案', '施工组织设计', '标书', '招标', '投标', '技术标准', '操作规程', '产品手册', '行业标准']],
  ['生活休闲', ['菜谱', '食谱', '旅游', '攻略', '养生', '健身', '育儿']],
];

/**
 * The suggested category for a title, or null when no genre word is in it.
 * @param {string | null | undefined} title
 * @returns {string | null}
 */
export function suggestCategory(title) {
  if (!title) return null;
  let best = null;
  let bestEnd = -1;
  let bestLength = 0;
  for (const [category, words] of CATEGORY_WORDS) {
    for (const word of words) {
      const at = title.lastIndexOf(word);
      if (at < 0) continue;
      const end = at + word.length;
      if (end > bestEnd || (end === bestEnd && word.length > bestLength)) {
        best = category;
        bestEnd = end;
        bestLength = word.length;
      }
    }
  }
  return best;
}
