// Wallet page: create the top-up order through the API, then go to the payment page.
// Without JavaScript the form posts to /wallet/topups and the server does the same.
(function () {
  const form = document.getElementById('topup-form');
  const message = document.getElementById('topup-message');
  if (!form || !window.wenku) return;

  function show(text, ok) {
    message.textContent = text;
    message.className = 'alert ' + (ok ? 'alert-ok' : 'alert-error');
    message.hidden = false;
  }

  // Yuan → cents by string arithmetic, never by float multiplication.
  function toCents(value) {
    const m = String(value).trim().match(/^(\d{1,6})(?:\.(\d{1,2}))?$/);
    if (!m) return null;
    const cents = Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
    return cents >= 1 && cents <= 10000000 ? cents : null;
  }

  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    const cents = toCents(form.elements.amountYuan.value);
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
