// Provider settings: offered only when complete; keys checked at start-up.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../config.js';
import { rsaPair } from './provider-test-keys.js';

const key = rsaPair();
const base = { NODE_ENV: 'test', DATA_DIR: '/tmp/wenku-config-test', PUBLIC_URL: 'https://wenku.example' } as const;

describe('payment provider settings', () => {
  it('when no provider is configured, then both are null and the VIP plans are the defaults', () => {
    const config = parseConfig({ ...base });
    expect(config.payments).toEqual({ alipay: null, wechat: null });
    expect(config.vipPlans.map((p) => p.id)).toEqual(['month', 'quarter', 'year']);
    expect(config.timezone).toBe('Asia/Shanghai');
  });

  it('when Alipay is half configured, then start-up names each missing setting', () => {
    expect(() => parseConfig({ ...base, ALIPAY_APP_ID: '2021000123456789' })).toThrow(/ALIPAY_PRIVATE_KEY: is required[\s\S]*ALIPAY_PUBLIC_KEY: is required/);
  });

  it('when a key is not an RSA key, or PUBLIC_URL is missing, then start-up stops naming the setting', () => {
    const alipay = { ALIPAY_APP_ID: '2021000123456789', ALIPAY_PRIVATE_KEY: key.privatePem, ALIPAY_PUBLIC_KEY: 'not a key' };
    expect(() => parseConfig({ ...base, ...alipay })).toThrow(/ALIPAY_PUBLIC_KEY: is not an RSA public key/);
    const { PUBLIC_URL: _, ...noUrl } = base;
    expect(() => parseConfig({ ...noUrl, ...alipay, ALIPAY_PUBLIC_KEY: key.publicPem })).toThrow(/PUBLIC_URL: is required for alipay/);
  });

  it('when keys come as bare base64 DER (as the Alipay key tool writes them), then they are accepted', () => {
    const der = (pem: string) => pem.replace(/-----[^-]+-----|\s/g, '');
    const config = parseConfig({ ...base, ALIPAY_APP_ID: '2021000123456789', ALIPAY_PRIVATE_KEY: der(key.privatePem), ALIPAY_PUBLIC_KEY: der(key.publicPem) });
    expect(config.payments.alipay?.appId).toBe('2021000123456789');
  });

  it('when VIP_PLANS or TIMEZONE are malformed, then start-up stops', () => {
    expect(() => parseConfig({ ...base, VIP_PLANS: '[{"id":"x"}]' })).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, TIMEZONE: 'Mars/Olympus' })).toThrow(/TIMEZONE/);
    expect(() => parseConfig({ ...base, WECHAT_API_V3_KEY: 'short' })).toThrow(/WECHAT_API_V3_KEY/);
  });
});
