// Wallet page: create the top-up order through the API, then go to the payment page.
// Without JavaScript the form posts to /wallet/topups and the server does the same.
import { YUAN_LIMITS, yuanToCents } from './format.js';

(function () {
  const form = document.getElementById('topup-form');
  const message = document.getElementById('topup-message');
  if (!form || !window.wenku) return;

  function show(text, ok) {
    message.textContent = text;
    message.className = 'alert ' + (ok ? 'alert-ok' : 'alert-error');
    message.hidden = false;
  }

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    const cents = yuanToCents(String(form.elements.amountYuan.value), YUAN_LIMITS.topup);
    if (cents === null) return show('请输入 0.01 到 100000 之间的金额，最多两位小数', false);
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      const res = await window.wenku.api('POST', '/api/v1/wallet/topups', { amountCents: cents });
      if (!res.ok) return show((res.data && res.data.error && res.data.error.message) || '创建订单失败，请稍后重试', false);
      const order = res.data.order;
      if (form.dataset.devPayments === '1') {
        window.location.href = '/wallet/topup/' + order.id + '/dev-pay';
      } else {
        show('充值订单 #' + order.id + ' 已创建，等待支付完成。', true);
      }
    } catch {
      show('网络错误，请稍后重试', false);
    } finally {
      button.disabled = false;
    }
  });
})();
