// Wallet page: create the top-up order through the API, then go to the payment page (the
// order's QR code, or the development payment page). Without JavaScript the form posts to
// /wallet/topups and the server does the same.
// Order page (/wallet/topup/:id): polls the order until it is paid, then says so and goes to the wallet.
import { YUAN_LIMITS, yuanToCents } from './format.js';
import { WECHAT_BROWSER_NOTICE, isWechatBrowser, topupDeviceOf } from './device.js';

(function () {
  const orderBox = document.getElementById('topup-order');
  if (orderBox && orderBox.dataset.status === 'pending' && window.wenku) {
    const statusBox = document.getElementById('topup-order-status');
    const started = Date.now();
    const poll = async function () {
      try {
        const res = await window.wenku.api('GET', '/api/v1/wallet/topups/' + orderBox.dataset.orderId);
        const order = res.ok && res.data.order;
        if (order && order.status === 'paid') {
          const after = orderBox.dataset.afterPaid || '/wallet?paid=1';
          statusBox.textContent = after.startsWith('/wallet') ? '支付成功，余额已到账，正在返回钱包…' : '支付成功，余额已到账，正在返回文档…';
          statusBox.className = 'alert alert-ok';
          const qr = orderBox.querySelector('.pay-qr');
          if (qr) qr.hidden = true;
          setTimeout(function () { window.location.href = after; }, 1200);
          return;
        }
        if (order && (order.status === 'failed' || order.status === 'cancelled')) {
          statusBox.textContent = order.status === 'failed' ? '该订单未能支付，请重新下单。' : '该订单已取消。如果取消前已经付款，款项到账后仍会计入余额。';
          statusBox.className = 'alert alert-error';
          return;
        }
      } catch {
        // a network blip: try again on the next tick
      }
      // Every 2 s for 15 minutes, then every 10 s: the buyer may still be paying.
      setTimeout(poll, Date.now() - started < 15 * 60 * 1000 ? 2000 : 10000);
    };
    setTimeout(poll, 2000);
  }

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
    // A preset button carries its amount in cents; otherwise the typed yuan.
    const preset = event.submitter && event.submitter.name === 'presetCents' ? Number(event.submitter.value) : null;
    const cents = preset !== null ? preset : yuanToCents(String(form.elements.amountYuan.value), YUAN_LIMITS.topup);
    if (cents === null) return show('请输入 0.01 到 100000 之间的金额，最多两位小数', false);
    const button = event.submitter || form.querySelector('button[type="submit"]');
    button.disabled = true;
    // The document to come back to (the server checked it is a path on this site).
    const returnInput = form.querySelector('input[name="return"]');
    const returnPath = returnInput ? returnInput.value : '';
    const withReturn = function (path) { return returnPath ? path + '?return=' + encodeURIComponent(returnPath) : path; };
    try {
      const checked = form.querySelector('input[name="method"]:checked') || form.querySelector('input[name="method"]');
      const method = checked ? checked.value : 'dev';
      // WeChat refuses its H5 pay inside its own browser: say what works instead of a dead end.
      if (method === 'wechat' && isWechatBrowser(navigator.userAgent)) return show(WECHAT_BROWSER_NOTICE, false);
      // On a phone the provider's app flow, not a QR code its own screen cannot scan.
      const body = { amountCents: cents, method: method, device: topupDeviceOf(navigator.userAgent) };
      if (returnPath) body.returnPath = returnPath;
      const res = await window.wenku.api('POST', '/api/v1/wallet/topups', body);
      if (!res.ok) return show((res.data && res.data.error && res.data.error.message) || '创建订单失败，请稍后重试', false);
      const order = res.data.order;
      if (order.method !== 'dev') {
        window.location.href = withReturn('/wallet/topup/' + order.id);
      } else if (form.dataset.devPayments === '1') {
        window.location.href = withReturn('/wallet/topup/' + order.id + '/dev-pay');
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
