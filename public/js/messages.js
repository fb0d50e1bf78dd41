// @ts-check
// Errors carry "中文 (English)" for API clients; pages speak Chinese only. The one rule, used by
// the server's form pages and error page (src/http/forms.ts) and by the page scripts (site.js).

/**
 * A message as pages show it: the parenthesised halves without any Chinese in them are dropped
 * ("支付渠道暂时不可用，请稍后重试 (payment provider unavailable)" → "支付渠道暂时不可用，请稍后重试").
 * A message with nothing else is kept whole.
 * @param {string} message
 * @returns {string}
 */
export function pageMessage(message) {
  const chinese = message.replace(/\s*\([^()\u3400-\u9fff]*\)/gu, '').trim();
  return chinese === '' ? message : chinese;
}

/**
 * Whether a text holds any Chinese (a field's message written for people, not a machine's English).
 * @param {string} text
 */
export function hasChinese(text) {
  return /[\u3400-\u9fff]/u.test(text);
}
