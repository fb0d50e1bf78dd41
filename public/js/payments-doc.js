// The download button's confirmation step on a document page (/doc/:id).
// Markup it binds to (rendered by the document page):
//   <button data-wenku-download="<documentId>" data-price-cents="<price>" data-title="<title>">下载</button>
//   <p data-wenku-download-status role="status" hidden></p>            (optional, for messages)
// Flow: confirm → POST download-link {confirm:true} → the browser follows the signed URL.
// 402 (paid, not bought) → confirm the price → POST purchase {confirm:true} with an
// Idempotency-Key (a double click or a retry never charges twice) → then the link.
// 401 → the login page, coming back here.
(function () {
  if (!window.wenku) return;
  const yuan = (cents) => '¥' + (cents / 100).toFixed(2);

  function status(text, isError) {
    const el = document.querySelector('[data-wenku-download-status]');
    if (!el) { if (isError) window.alert(text); return; }
    el.textContent = text;
    el.className = 'alert ' + (isError ? 'alert-error' : 'alert-ok');
    el.hidden = false;
  }
  const errorText = (res, fallback) => (res.data && res.data.error && res.data.error.message) || fallback;

  async function fetchLink(docId) {
    return window.wenku.api('POST', '/api/v1/documents/' + docId + '/download-link', { confirm: true });
  }

  async function onClick(button) {
    const docId = button.getAttribute('data-wenku-download');
    const price = Number(button.getAttribute('data-price-cents') || '0');
    const title = button.getAttribute('data-title') || '该文档';
    if (!window.confirm('确认下载《' + title + '》？')) return;
    let res = await fetchLink(docId);
    if (res.status === 401) { window.location.href = '/login?next=' + encodeURIComponent(location.pathname + location.search); return; }
    if (res.status === 402) {
      if (!window.confirm('该文档需付费 ' + yuan(price) + '，确认购买吗？购买后可随时重新下载。')) return;
      const key = (window.crypto && window.crypto.randomUUID) ? window.crypto.randomUUID() : String(Date.now()) + Math.random();
      const bought = await window.wenku.api('POST', '/api/v1/documents/' + docId + '/purchase', { confirm: true }, { 'Idempotency-Key': key });
      if (bought.status === 402) { status('余额不足，请先充值。', true); setTimeout(function () { window.location.href = '/wallet'; }, 1200); return; }
      if (!bought.ok) { status(errorText(bought, '购买失败，请稍后重试'), true); return; }
      status('购买成功，余额 ' + yuan(bought.data.wallet.balanceCents) + '，正在开始下载…', false);
      res = await fetchLink(docId);
    }
    if (!res.ok) { status(errorText(res, '获取下载链接失败，请稍后重试'), true); return; }
    window.location.href = res.data.url;
  }

  document.addEventListener('click', function (event) {
    const button = event.target.closest && event.target.closest('[data-wenku-download]');
    if (!button) return;
    event.preventDefault();
    if (button.disabled) return;
    button.disabled = true;
    onClick(button).catch(function () { status('网络错误，请稍后重试', true); }).finally(function () { button.disabled = false; });
  });
})();
