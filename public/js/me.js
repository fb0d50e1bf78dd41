// "我的文库": download buttons for purchased documents (a fresh signed link each time).
(function () {
  const errorBox = document.querySelector('.js-me-error');
  for (const btn of document.querySelectorAll('.js-me-download')) {
    btn.addEventListener('click', async () => {
      btn.disabled = true;
      if (errorBox) errorBox.hidden = true;
      const res = await window.wenku.api('POST', '/api/v1/documents/' + btn.dataset.docId + '/download-link', { confirm: true });
      btn.disabled = false;
      if (res.ok && res.data && res.data.url) { window.location.assign(res.data.url); return; }
      if (res.status === 401) { location.href = '/login?next=/me'; return; }
      const msg = res.status === 404 ? '这篇文档已不能下载（可能已被下架）。' : (res.data && res.data.error && res.data.error.message) || '下载失败，请稍后重试。';
      if (errorBox) { errorBox.textContent = msg + ' 如有疑问请联系客服。'; errorBox.hidden = false; }
    });
  }
})();
