// Shared page helpers: every fetch() the pages make sends the CSRF token from the meta tag.
(function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  window.wenku = {
    csrfToken: meta ? meta.getAttribute('content') : '',
    async api(method, url, body, headers) {
      const res = await fetch(url, {
        method,
        credentials: 'same-origin',
        headers: Object.assign({ 'Accept': 'application/json', 'x-csrf-token': this.csrfToken }, body !== undefined ? { 'Content-Type': 'application/json' } : {}, headers || {}),
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      let data = null;
      if (res.status !== 204) { try { data = await res.json(); } catch { data = null; } }
      return { ok: res.ok, status: res.status, data };
    },
  };
})();
