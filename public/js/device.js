// @ts-check
// Which payment flow a browser can use, from its User-Agent: the one rule, used by the server (the
// wallet form without JavaScript) and by the page script (served from /static/js as an ES module).

/**
 * 'mobile' for a phone or tablet's browser (the provider's app can be opened from it; a QR code on
 * its own screen cannot be scanned), else 'desktop'.
 * @param {string | undefined | null} userAgent
 * @returns {'mobile' | 'desktop'}
 */
export function topupDeviceOf(userAgent) {
  return /Android|iPhone|iPad|iPod|Mobile|HarmonyOS|MicroMessenger/i.test(userAgent ?? '') ? 'mobile' : 'desktop';
}

/**
 * WeChat's own browser (微信内置浏览器): WeChat refuses H5 pay there, and Alipay's pages are
 * blocked there too.
 * @param {string | undefined | null} userAgent
 * @returns {boolean}
 */
export function isWechatBrowser(userAgent) {
  return /MicroMessenger/i.test(userAgent ?? '');
}

/** What the wallet says inside WeChat's browser, where neither WeChat Pay H5 nor Alipay's pages work. */
export const WECHAT_BROWSER_NOTICE =
  '您正在微信内打开本页：微信不允许在其内置浏览器中使用微信 H5 支付，也不能打开支付宝。' +
  '请点击右上角「···」，选择「在浏览器打开」，在手机浏览器中充值；或在电脑上打开本页扫码付款。';
