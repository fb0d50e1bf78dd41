// The document page: preview frame sizing and 展开/收起, favorite, share link, the download
// confirmation dialog (buy if needed, then download), and live conversion status.
import { formatYuan, topupPresetsCents } from './format.js';

(function () {
  const root = document.getElementById('doc-page');
  if (!root) return;
  const docId = root.dataset.docId;
  const priceCents = Number(root.dataset.priceCents);
  // The server's sale decision (payments/sale-decision.ts): member_quota means the membership pays.
  const sale = root.dataset.sale;
  const loggedIn = root.dataset.loggedIn === '1';
  const loginUrl = root.dataset.loginUrl;
  const api = (method, url, body, headers) => window.wenku.api(method, url, body, headers);

  /* ---- Preview frame: sized to its content; collapsed to about a page until expanded. ---- */
  const frame = document.getElementById('preview-frame');
  const wrap = document.getElementById('preview-wrap');
  const toggle = document.querySelector('.js-preview-toggle');
  const COLLAPSED_PX = 1100;
  let expanded = false;

  function contentHeight() {
    try {
      const d = frame.contentDocument;
      if (!d || !d.body || !d.body.childElementCount) return 0;
      // The body's own box, not the document's: that one is never shorter than the frame, so a
      // short preview would keep a tall empty frame.
      const cs = frame.contentWindow.getComputedStyle(d.body);
      return Math.ceil(d.body.getBoundingClientRect().height + parseFloat(cs.marginTop) + parseFloat(cs.marginBottom));
    } catch {
      return 0;
    }
  }
  function fit() {
    // Hidden behind the 原版预览 tab the frame has no width: sized when its tab is shown.
    if (!frame || !frame.offsetWidth) return;
    const full = contentHeight();
    if (!full) return;
    const collapsible = full > COLLAPSED_PX + 150;
    if (toggle) toggle.parentElement.hidden = !collapsible;
    const shown = collapsible && !expanded ? COLLAPSED_PX : full;
    frame.style.height = shown + 'px';
    wrap.classList.toggle('is-collapsed', collapsible && !expanded);
  }
  function prepareFrame() {
    try {
      const d = frame.contentDocument;
      if (!d) return;
      // Links in the preview open outside the (sandboxed) frame; page-internal anchors stay.
      for (const a of d.querySelectorAll('a[href^="http"], a[href^="mailto:"]')) a.target = '_blank';
      if ('ResizeObserver' in window && d.body) new ResizeObserver(fit).observe(d.body);
    } catch {
      /* not same-origin: keep the fixed height and internal scrolling */
    }
    fit();
  }
  if (frame) {
    frame.addEventListener('load', prepareFrame);
    if (frame.contentDocument && frame.contentDocument.readyState === 'complete' && frame.contentDocument.body && frame.contentDocument.body.childElementCount) prepareFrame();
    window.addEventListener('resize', fit);
    // Behind the 原版预览 tab the frame loads only when its tab is first shown.
    window.addEventListener('wenku:text-preview-shown', () => {
      if (frame.dataset.src && !frame.getAttribute('src')) frame.src = frame.dataset.src;
      fit();
    });
  }
  if (toggle) {
    toggle.addEventListener('click', () => {
      expanded = !expanded;
      toggle.setAttribute('aria-expanded', String(expanded));
      toggle.textContent = expanded ? '收起预览 ▴' : '展开阅读全部预览 ▾';
      fit();
      if (!expanded) wrap.scrollIntoView({ block: 'start' });
    });
  }

  /* ---- Favorite ---- */
  const favBtn = document.querySelector('.js-favorite');
  if (favBtn) {
    favBtn.addEventListener('click', async () => {
      const on = favBtn.getAttribute('aria-pressed') === 'true';
      favBtn.disabled = true;
      const res = await api(on ? 'DELETE' : 'PUT', '/api/v1/documents/' + docId + '/favorite');
      favBtn.disabled = false;
      if (res.status === 401) { location.href = loginUrl; return; }
      if (!res.ok) { alert((res.data && res.data.error && res.data.error.message) || '操作失败，请稍后再试'); return; }
      const now = !on;
      favBtn.setAttribute('aria-pressed', String(now));
      favBtn.querySelector('.icon').textContent = now ? '★' : '☆';
      favBtn.querySelector('.fav-label').textContent = now ? '已收藏' : '收藏';
      for (const el of document.querySelectorAll('.fav-count')) {
        el.textContent = String(Math.max(0, Number(el.textContent) + (now ? 1 : -1)));
      }
    });
  }

  /* ---- Share ---- */
  const shareBtn = document.querySelector('.js-share');
  const sharePanel = document.getElementById('share-panel');
  if (shareBtn && sharePanel) {
    shareBtn.addEventListener('click', () => {
      const open = sharePanel.hidden;
      sharePanel.hidden = !open;
      shareBtn.setAttribute('aria-expanded', String(open));
      if (open) document.getElementById('share-url').select();
    });
  }
  // Without PUBLIC_URL the server writes the share link relative (never from the Host header);
  // the browser knows the real origin.
  const shareInput = document.getElementById('share-url');
  if (shareInput && shareInput.value.startsWith('/')) shareInput.value = new URL(shareInput.value, location.href).href;
  for (const btn of document.querySelectorAll('.js-copy')) {
    btn.addEventListener('click', async () => {
      const input = document.getElementById(btn.dataset.copyTarget);
      const status = document.querySelector('.js-copy-status');
      try {
        await navigator.clipboard.writeText(input.value);
        status.textContent = '链接已复制，快去分享吧。';
      } catch {
        input.select();
        status.textContent = '请按 Ctrl+C（手机上长按）复制链接。';
      }
    });
  }

  /* ---- Download confirmation ---- */
  const dialog = document.getElementById('download-dialog');
  if (dialog) {
    const check = dialog.querySelector('.js-confirm-check');
    const confirmBtn = dialog.querySelector('.js-dialog-confirm');
    const errorBox = dialog.querySelector('.js-dialog-error');
    const balanceEl = dialog.querySelector('.js-balance');
    let confirmLabel = confirmBtn ? confirmBtn.textContent : '';
    let idempotencyKey = '';

    const showError = (text, link) => window.wenku.showError(errorBox, text, link);
    // Too little balance: top-up amounts (what is missing, ¥10, ¥30, ¥50), each leading to the wallet
    // and, once paid, back here with this dialog open again (#download).
    const presetsBox = dialog.querySelector('.js-topup-presets');
    const offerTopups = (missingCents) => {
      if (!presetsBox) return;
      presetsBox.textContent = '';
      const back = encodeURIComponent(location.pathname + '#download');
      const need = missingCents > 0 ? missingCents : null;
      const title = document.createElement('span');
      title.className = 'small';
      title.textContent = '快捷充值：';
      presetsBox.append(title);
      for (const cents of topupPresetsCents(need)) {
        const a = document.createElement('a');
        a.className = 'btn btn-small preset-btn';
        a.href = '/wallet?amount=' + cents + (need ? '&need=' + need : '') + '&return=' + back;
        a.textContent = formatYuan(cents) + (cents === need ? '（差额）' : '');
        presetsBox.append(a);
      }
      presetsBox.hidden = false;
      // On a phone the dialog scrolls: bring the message and the amounts into view.
      presetsBox.scrollIntoView({ block: 'nearest' });
    };
    const open = async () => {
      errorBox.hidden = true;
      if (presetsBox) presetsBox.hidden = true;
      if (check) { check.checked = false; check.disabled = false; }
      if (confirmBtn) { confirmBtn.disabled = true; confirmBtn.textContent = confirmLabel; }
      idempotencyKey = (crypto.randomUUID && crypto.randomUUID()) || String(Date.now()) + Math.random();
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
      // Focus on the dialog's own first control (not the 充值 link: Enter there leaves the page).
      const first = check || confirmBtn || dialog.querySelector('.js-dialog-cancel');
      if (first) first.focus();
      if (loggedIn && balanceEl) {
        balanceEl.textContent = '查询中…';
        const me = await api('GET', '/api/v1/me');
        if (me.ok && me.data && me.data.wallet) {
          const balance = me.data.wallet.balanceCents;
          balanceEl.textContent = formatYuan(balance);
          balanceEl.dataset.cents = String(balance);
          // Too little to pay: say so before the reader ticks and confirms, with what is missing.
          if (dialog.dataset.owned !== '1' && priceCents > 0 && balance < priceCents) {
            if (check) check.disabled = true;
            dialog.querySelector('.js-dialog-cancel').focus();
            showError('余额不足：此文档售价 ' + formatYuan(priceCents) + '，你的余额为 ' + formatYuan(balance) + '，还差 ' + formatYuan(priceCents - balance) + '。充值后会回到本页继续购买。');
            offerTopups(priceCents - balance);
          }
        } else if (me.status === 401) {
          location.href = loginUrl + encodeURIComponent('#download');
        } else balanceEl.textContent = '暂时无法查询';
      }
    };
    const close = () => (typeof dialog.close === 'function' ? dialog.close() : dialog.removeAttribute('open'));
    for (const b of document.querySelectorAll('.js-open-download')) b.addEventListener('click', open);
    dialog.querySelector('.js-dialog-cancel').addEventListener('click', close);
    if (check) check.addEventListener('change', () => { confirmBtn.disabled = !check.checked; });

    const explain = (res) => {
      const err = (res.data && res.data.error) || {};
      if (res.status === 401) { location.href = loginUrl + encodeURIComponent('#download'); return; }
      if (res.status === 402) {
        const known = balanceEl && balanceEl.dataset.cents ? Number(balanceEl.dataset.cents) : null;
        const have = known !== null ? '，你的余额为 ' + formatYuan(known) : '';
        showError('余额不足：此文档售价 ' + formatYuan(priceCents) + have + '，请先充值。充值后会回到本页继续购买。');
        offerTopups(known !== null ? priceCents - known : null);
        return;
      }
      if (res.status === 409 && err.details && err.details.reason === 'price_changed') {
        return showError('文档价格已变更为 ' + formatYuan(Number(err.details.priceCents)) + '，未扣费。请刷新页面确认新价格后再购买。', { href: location.pathname, text: '刷新页面 ›' });
      }
      if (res.status === 404) return showError('这篇文档已不能下载（可能已被删除或下架）。如已付款，请联系客服。');
      if (res.status === 429) return showError('操作太频繁了，请稍等一会儿再试。');
      if (res.status === 403) return showError(err.message || '你没有下载此文档的权限。');
      showError((err.message || '下载失败') + '。请稍后重试；若已扣费仍无法下载，请联系客服。', { href: '/support?documentId=' + docId, text: '联系客服 ›' });
    };

    if (confirmBtn) {
      confirmBtn.addEventListener('click', async () => {
        if (check && !check.checked) return;
        errorBox.hidden = true;
        confirmBtn.disabled = true;
        confirmBtn.textContent = '处理中…';
        try {
          // Free, already bought, or the uploader: the link comes straight away. Otherwise 402 → buy once.
          let paidNow = null;
          let res = await api('POST', '/api/v1/documents/' + docId + '/download-link', { confirm: true });
          // The reader confirmed a member's free download: never turn it into a charge.
          if (res.status === 402 && sale === 'member_quota') {
            return showError('今日会员免费下载额度已用完，未扣费。请刷新页面，按价格购买。', { href: location.pathname, text: '刷新页面 ›' });
          }
          if (res.status === 402 && priceCents > 0) {
            const couponInput = dialog.querySelector('.js-coupon-code');
            const coupon = couponInput ? couponInput.value.trim() : '';
            // A coupon (下载券) pays instead of the wallet; its refusals are about the coupon. The wallet
            // purchase sends the price the reader was shown: if it changed meanwhile, nothing is charged (409).
            const bought = coupon
              ? await api('POST', '/api/v1/documents/' + docId + '/redeem-coupon', { code: coupon, confirm: true })
              : await api('POST', '/api/v1/documents/' + docId + '/purchase', { confirm: true, expectedPriceCents: priceCents }, { 'Idempotency-Key': idempotencyKey });
            if (coupon && (bought.status === 404 || bought.status === 409)) {
              return showError(bought.status === 404 ? '券码不存在，请检查后重试。' : ((bought.data && bought.data.error && bought.data.error.message) || '该下载券无法使用。'));
            }
            if (!bought.ok) return explain(bought);
            if (bought.data && bought.data.wallet) paidNow = bought.data.wallet.balanceCents;
            if (balanceEl && bought.data && bought.data.wallet) {
              balanceEl.textContent = formatYuan(bought.data.wallet.balanceCents);
              balanceEl.dataset.cents = String(bought.data.wallet.balanceCents);
            }
            res = await api('POST', '/api/v1/documents/' + docId + '/download-link', { confirm: true });
          }
          if (!res.ok || !res.data || !res.data.url) return explain(res);
          // Done: say what happened on the page, close the dialog, start the file.
          const done = document.createElement('p');
          done.className = 'alert alert-ok js-download-done';
          done.setAttribute('role', 'status');
          let memberLeft = null;
          if (sale === 'member_quota' && dialog.dataset.owned === '1' && !dialog.dataset.memberUsed) {
            dialog.dataset.memberUsed = '1';
            const me = await api('GET', '/api/v1/me');
            memberLeft = me.ok && me.data && me.data.vip ? me.data.vip.downloadsLeftToday : 0;
          }
          done.textContent = paidNow !== null
            ? '购买成功，余额 ' + formatYuan(paidNow) + '。下载已开始。'
            : memberLeft !== null ? '会员免费下载，未扣余额；今日剩余 ' + memberLeft + ' 篇。下载已开始。' : '下载已开始。';
          // Above the two-column grid, never inside it (a grid child would become a column and push
          // the document into the sidebar); a second download replaces the first notice.
          const earlier = document.querySelector('.js-download-done');
          if (earlier) earlier.remove();
          root.before(done);
          if (paidNow !== null || memberLeft !== null) {
            dialog.dataset.owned = '1';
            for (const b of document.querySelectorAll('.js-open-download')) b.textContent = b.closest('.mobile-buy') ? '下载' : '已购买 · 下载';
            const bar = document.querySelector('.mobile-buy .price');
            if (bar) bar.textContent = '已购买';
            // Now bought: a second download is free whatever the membership says.
            confirmLabel = '确认下载';
            const charge = dialog.querySelector('.js-dialog-charge');
            if (charge) charge.textContent = '不收费（已购买）';
          }
          close();
          window.location.assign(res.data.url);
        } catch {
          showError('网络异常，请检查网络后重试。');
        } finally {
          confirmBtn.disabled = !(check && check.checked);
          if (confirmBtn.textContent === '处理中…') confirmBtn.textContent = confirmLabel;
        }
      });
    }
    // Back from the login page with #download: continue where the reader left off.
    if (location.hash === '#download') {
      history.replaceState(null, '', location.pathname + location.search);
      open();
    }
  }

  /* ---- Live conversion status, and retry after a failure ---- */
  const status = root.dataset.status;
  const statusText = document.querySelector('.js-status-text');
  if (status === 'processing' && 'EventSource' in window) {
    const es = new EventSource('/api/v1/documents/' + docId + '/events');
    const onEvent = (e) => {
      let data;
      try { data = JSON.parse(e.data); } catch { return; }
      if (!data || !data.status) return;
      if (data.status === 'ready') {
        es.close();
        if (statusText) statusText.textContent = '转换完成，正在打开预览……';
        location.reload();
      } else if (data.status === 'failed' || data.status === 'taken_down' || data.status === 'pending_review') {
        es.close();
        location.reload();
      } else if (statusText && data.message) statusText.textContent = data.message;
    };
    es.addEventListener('message', onEvent);
    es.addEventListener('status', onEvent);
  }
  const retry = document.querySelector('.js-retry');
  if (retry) {
    retry.addEventListener('click', async () => {
      retry.disabled = true;
      const out = document.querySelector('.js-retry-status');
      const res = await api('POST', '/api/v1/documents/' + docId + '/retry', {});
      if (res.ok) { out.textContent = '已重新提交转换，请稍候……'; location.reload(); return; }
      retry.disabled = false;
      out.textContent = (res.data && res.data.error && res.data.error.message) || '重试失败，请稍后再试。';
    });
  }
})();
