// Shared page helpers: every fetch() the pages make sends the CSRF token from the meta tag, and
// every error message a page script shows is Chinese only (pageMessage).
import { pageMessage } from './messages.js';

(function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  window.wenku = {
    csrfToken: meta ? meta.getAttribute('content') : '',
    /** Shows a message in an error box, with an optional follow-up link ({href, text}). */
    showError(box, text, link) {
      box.textContent = text;
      if (link) {
        box.append(' ');
        const a = document.createElement('a');
        a.href = link.href;
        a.textContent = link.text;
        box.append(a);
      }
      box.hidden = false;
    },
    async api(method, url, body, headers) {
      const res = await fetch(url, {
        method,
        credentials: 'same-origin',
        headers: Object.assign({ 'Accept': 'application/json', 'x-csrf-token': this.csrfToken }, body !== undefined ? { 'Content-Type': 'application/json' } : {}, headers || {}),
        body: body !== undefined ? JSON.stringify(body) : undefined,
      });
      let data = null;
      if (res.status !== 204) { try { data = await res.json(); } catch { data = null; } }
      if (data && data.error && typeof data.error.message === 'string') data.error.message = pageMessage(data.error.message);
      return { ok: res.ok, status: res.status, data };
    },
  };
})();
