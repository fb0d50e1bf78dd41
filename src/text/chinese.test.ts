import { describe, expect, it } from 'vitest';
import { countWords, searchTokens, segmentWords, titleKeywords } from './chinese.js';

describe('chinese text helpers', () => {
  it('when the seed title is segmented, then the keywords are exactly the eight content words', () => {
    expect(titleKeywords('党办:在全县政法稳定工作推进会议上的讲话')).toEqual([
      '党办', '全县', '政法', '稳定', '工作', '推进', '会议', '讲话',
    ]);
  });

  it('when a title repeats words and mixes English, then keywords are de-duplicated in order', () => {
    expect(titleKeywords('Word 文档：工作总结，工作计划 word')).toEqual(['Word', '文档', '工作', '总结', '计划']);
  });

  it('when body text is tokenised, then compounds and their parts are both searchable', () => {
    const tokens = searchTokens('进一步加强信访工作，维护政法队伍稳定。Hello World').split(' ');
    expect(tokens).toEqual(expect.arrayContaining(['信访', '工作', '信访工作', '政法', 'hello', 'world']));
    expect(tokens).not.toContain('，');
    // A query is tokenised the same way, so every query token is in the body's tokens.
    for (const q of searchTokens('信访工作').split(' ')) expect(tokens).toContain(q);
  });

  it('when words are counted, then each Han character counts once and each Latin run once', () => {
    expect(countWords('')).toBe(0);
    expect(countWords('政法工作')).toBe(4);
    expect(countWords('Hello, world 2025年！')).toBe(4);
    expect(countWords('“信访”——ABC123def')).toBe(3);
  });

  it('when text is segmented, then whitespace is dropped and words are kept', () => {
    expect(segmentWords('全县 政法')).toEqual(['全县', '政法']);
  });
});
