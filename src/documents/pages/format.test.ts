import { describe, expect, it } from 'vitest';
import { humanSize } from '../../../public/js/format.js';
import { highlight, metaDescription, priceLabel, snippet, ymd } from './format.js';

describe('display helpers of the reader pages', () => {
  it('when sizes are shown, then they read like 文库 sites (23KB, 1.5MB)', () => {
    expect(humanSize(23552)).toBe('23KB');
    expect(humanSize(512)).toBe('512B');
    expect(humanSize(1.5 * 1024 * 1024)).toBe('1.5MB');
    expect(humanSize(2 * 1024 * 1024)).toBe('2MB');
  });

  it('when a time late in the UTC day is shown, then the date is the day in China', () => {
    expect(ymd('2023-05-04T17:30:00Z')).toBe('2023-05-05');
    expect(ymd('2023-05-05T01:00:00Z')).toBe('2023-05-05');
  });

  it('when a price is shown, then cents become yuan with two decimals, and 0 is 免费', () => {
    expect(priceLabel(250)).toBe('¥2.50');
    expect(priceLabel(0)).toBe('免费');
  });

  it('when terms overlap or repeat, then matches are merged and the text is kept whole', () => {
    const segs = highlight('政法稳定工作，政法综治', ['政法', '政法稳定', '综治']);
    expect(segs.map((s) => s.text).join('')).toBe('政法稳定工作，政法综治');
    expect(segs.filter((s) => s.mark).map((s) => s.text)).toEqual(['政法稳定', '政法综治']);
  });

  it('when the text holds markup, then highlighting keeps it as text for the template to escape', () => {
    const segs = highlight('<script>alert(1)</script> amp', ['amp', 'script']);
    expect(segs.map((s) => s.text).join('')).toBe('<script>alert(1)</script> amp');
    expect(segs.filter((s) => s.mark).map((s) => s.text)).toEqual(['script', 'script', 'amp']);
  });

  it('when a match is deep in a long text, then the snippet is cut around it with ellipses', () => {
    const text = `${'甲'.repeat(300)}信访工作${'乙'.repeat(300)}`;
    const s = snippet(text, ['信访工作'], 60);
    expect(s).toContain('信访工作');
    expect(s.startsWith('…')).toBe(true);
    expect(s.endsWith('…')).toBe(true);
    expect(s.length).toBeLessThanOrEqual(62);
  });

  it('when a match is deep in a long text, then it sits in the middle of the snippet', () => {
    const text = `${'甲'.repeat(300)}信访工作${'乙'.repeat(300)}`;
    const s = snippet(text, ['信访工作'], 60).replace(/…/gu, '');
    const before = s.indexOf('信访工作');
    const after = s.length - before - '信访工作'.length;
    expect(Math.abs(before - after)).toBeLessThanOrEqual(1);
  });

  it('when a description is built, then blanks are dropped and it is capped', () => {
    expect(metaDescription([null, ' 标题 ', '', '正文\n第二行'])).toBe('标题 正文 第二行');
    expect(metaDescription(['字'.repeat(200)], 150)).toHaveLength(150);
  });
});
