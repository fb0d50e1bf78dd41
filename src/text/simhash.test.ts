import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hammingDistance, NEAR_COPY_MAX_DISTANCE, normalizeForFingerprint, textSimhash } from './simhash.js';

const SPEECH = [
  '同志们：今天我们召开全县政法稳定工作推进会议，主要任务是总结前一阶段工作，分析当前形势，部署下一步任务。',
  '一、充分肯定成绩，进一步增强做好政法稳定工作的责任感。今年以来，全县政法各部门围绕中心、服务大局，扎实推进平安建设。',
  '二、认清形势，突出重点，全力维护社会大局持续稳定。要坚持把矛盾纠纷排查化解作为基础性工作，做到早发现、早报告、早处置。',
  '三、加强领导，落实责任，确保各项工作任务落到实处。各乡镇、各部门要切实履行维护稳定第一责任，层层传导压力。',
].join('\n');

describe('near-copy fingerprints', () => {
  it('when only whitespace, punctuation and width differ, then the text normalises the same and the fingerprints are equal', () => {
    const reformatted = SPEECH.replace(/[，。：、]/g, ' ').replace(/\n/g, '\n\n   ').replace(/一/g, '一');
    expect(normalizeForFingerprint(reformatted)).toBe(normalizeForFingerprint(SPEECH));
    expect(textSimhash(reformatted)).toBe(textSimhash(SPEECH));
    expect(textSimhash('ＡＢＣ' + SPEECH)).toBe(textSimhash('abc' + SPEECH));
  });

  it('when a few words are edited, then the fingerprints stay within the near-copy distance; unrelated texts are far apart', () => {
    // A document of some length (40 sections), with one phrase changed.
    const long = Array.from({ length: 40 }, (_, i) => `第${i + 1}部分 ${SPEECH.split('\n')[i % 4]} 第${i + 1}部分完`).join('\n');
    const edited = long.replace('今年以来', '近年来');
    const a = textSimhash(long)!;
    expect(hammingDistance(a, textSimhash(edited)!)).toBeLessThanOrEqual(NEAR_COPY_MAX_DISTANCE);
    const other = textSimhash(
      'Quarterly budget tables for the finance office. Revenue and spending by month, compared with the plan and the previous year, with notes on the largest differences and what caused them.',
    )!;
    expect(hammingDistance(a, other)).toBeGreaterThan(16);
  });

  it('when the text is too short, then there is no fingerprint; fingerprints fit a signed bigint', () => {
    expect(textSimhash('短文')).toBeNull();
    const h = textSimhash(readFileSync(new URL(import.meta.url), 'utf8'))!;
    expect(h).toBeGreaterThanOrEqual(-(2n ** 63n));
    expect(h).toBeLessThan(2n ** 63n);
  });
});
