// The one money/size formatter and yuan parser, shared by the server and the page scripts.
import { describe, expect, it } from 'vitest';
import { MAX_PRICE_CENTS, MAX_TOPUP_CENTS, YUAN_LIMITS, formatYuan, humanSize, yuanToCents } from '../public/js/format.js';

describe('public/js/format.js', () => {
  it('when cents are shown, then they read as yuan with two decimals', () => {
    expect(formatYuan(0)).toBe('¥0.00');
    expect(formatYuan(5)).toBe('¥0.05');
    expect(formatYuan(123456)).toBe('¥1234.56');
    expect(formatYuan(-250)).toBe('¥-2.50');
  });

  it('when sizes are shown, then they read like 文库 sites', () => {
    expect(humanSize(0)).toBe('0B');
    expect(humanSize(1023)).toBe('1023B');
    expect(humanSize(1024)).toBe('1KB');
    expect(humanSize(23552)).toBe('23KB');
    expect(humanSize(50 * 1024 * 1024)).toBe('50MB');
    expect(humanSize(150.4 * 1024 * 1024)).toBe('150MB');
  });

  it('when a typed amount is parsed, then it becomes exact cents by string arithmetic', () => {
    expect(yuanToCents('12.5', YUAN_LIMITS.topup)).toBe(1250);
    expect(yuanToCents(' 0.07 ', YUAN_LIMITS.topup)).toBe(7);
    expect(yuanToCents('19.99', YUAN_LIMITS.price)).toBe(1999); // 19.99 * 100 is 1998.9999999999998 in floats
    expect(yuanToCents('0', YUAN_LIMITS.price)).toBe(0);
  });

  it('when a typed amount is malformed or outside the form’s limits, then it is refused', () => {
    for (const bad of ['', 'abc', '1.234', '-1', '1e3', '1,000', '.5', '5.', undefined, 12]) {
      expect(yuanToCents(bad, YUAN_LIMITS.price)).toBeNull();
    }
    expect(yuanToCents('0', YUAN_LIMITS.topup)).toBeNull();
    expect(yuanToCents('100000', YUAN_LIMITS.topup)).toBe(MAX_TOPUP_CENTS);
    expect(yuanToCents('100000.01', YUAN_LIMITS.topup)).toBeNull();
    expect(yuanToCents('1000000', YUAN_LIMITS.price)).toBe(MAX_PRICE_CENTS);
    expect(yuanToCents('1000000.01', YUAN_LIMITS.price)).toBeNull();
    expect(yuanToCents('9999999999', YUAN_LIMITS.price)).toBeNull();
  });
});
