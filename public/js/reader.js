// The page-faithful reader on /doc/:id: the pages this reader may see, one under another at their
// own proportions (boxes reserved before the images arrive), images loaded as they come near the
// screen, a transparent text layer over each image so the text can be selected and found with the
// browser's own search, a page counter, zoom (buttons, keys, pinch), full screen (swipe or tap the
// sides to turn pages), keyboard and jump to page; and the tabs
// between it and the 文字版 (the sanitised HTML preview).
// The text layer is data from the API: it is only ever put into the page with textContent.

(function () {
  const reader = document.getElementById('panel-pages');
  const tablist = document.querySelector('.preview-tabs');
  if (!reader || !tablist) return;

  /* ---- Tabs (WAI-ARIA tabs pattern, automatic activation) ---- */
  const tabs = Array.from(tablist.querySelectorAll('[role="tab"]'));
  const panelOf = (tab) => document.getElementById(tab.getAttribute('aria-controls'));
  function selectTab(tab, focus) {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      panelOf(t).hidden = !on;
    }
    if (focus) tab.focus();
    // The text frame was laid out while hidden: let doc.js size it now.
    if (tab.id === 'tab-text') window.dispatchEvent(new Event('wenku:text-preview-shown'));
    else layout(false);
  }
  for (const t of tabs) t.addEventListener('click', () => selectTab(t, false));
  tablist.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(document.activeElement);
    if (i < 0) return;
    let next = -1;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = tabs.length - 1;
    if (next < 0) return;
    e.preventDefault();
    selectTab(tabs[next], true);
  });
  /** No page images after all (an older conversion, an error): the text version alone, no tabs. */
  function textOnly() {
    selectTab(tabs[tabs.length - 1], false);
    tablist.hidden = true;
    reader.hidden = true;
  }

  /* ---- The reader ---- */
  const view = reader.querySelector('.js-reader-view');
  const pagesBox = reader.querySelector('.js-reader-pages');
  const placeholder = reader.querySelector('.js-reader-placeholder');
  const endBox = reader.querySelector('.js-reader-end');
  const nowEl = reader.querySelector('.js-page-now');
  const totalEl = reader.querySelector('.js-page-total');
  const jumpForm = reader.querySelector('.js-jump');
  const jumpInput = reader.querySelector('.js-jump-input');
  const zoomLevel = reader.querySelector('.js-zoom-level');
  const fsBtn = reader.querySelector('.js-fullscreen');
  const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];
  const EAGER_TEXT_PAGES = 50;
  let zoom = 1;
  let pages = [];
  let current = 1;

  // The toolbar sticks under the site header while that one sticks too (desktop).
  const header = document.querySelector('.site-header');
  function stickyTop() {
    const sticky = header && getComputedStyle(header).position === 'sticky' && !isFullscreen();
    reader.style.setProperty('--reader-top', (sticky ? header.offsetHeight : 0) + 'px');
  }

  /** The reader's inner width (read once per layout: reading it between writes would lay the page out again each time). */
  function readerWidth() {
    const pad = getComputedStyle(view);
    return Math.max(200, view.clientWidth - parseFloat(pad.paddingLeft) - parseFloat(pad.paddingRight));
  }
  /** The width a page is shown at: the reader's width (never wider than the image) times the zoom. */
  function pageWidth(p, avail) {
    return Math.round(Math.min(avail, p.width) * zoom);
  }
  /** Sizes every page box from its proportions; `keepPlace` brings the current page back to the top. */
  function layout(keepPlace) {
    if (reader.hidden || !pages.length) return;
    stickyTop();
    const keep = current;
    let widest = 0;
    const avail = readerWidth();
    for (const p of pages) {
      const w = pageWidth(p, avail);
      const h = Math.round((w * p.height) / p.width);
      p.el.style.width = w + 'px';
      p.el.style.height = h + 'px';
      if (p.layer) p.layer.style.transform = 'scale(' + w / p.layer.dataset.width + ')';
      widest = Math.max(widest, w);
    }
    pagesBox.style.width = widest + 'px';
    zoomLevel.textContent = Math.round(zoom * 100) + '%';
    reader.querySelector('.js-zoom-out').disabled = zoom <= ZOOMS[0];
    reader.querySelector('.js-zoom-in').disabled = zoom >= ZOOMS[ZOOMS.length - 1];
    if (keepPlace && keep > 1) goTo(keep, false);
    // Zoomed in past the reader's width: the middle of the page stays in view.
    if (keepPlace) view.scrollLeft = Math.max(0, (view.scrollWidth - view.clientWidth) / 2);
  }

  function buildPage(p) {
    // The box came with the HTML (page 1's image already loading): adopt it rather than build it again.
    const served = pagesBox.querySelector('.reader-page[data-page="' + p.number + '"]');
    if (served) {
      served.classList.remove('is-served');
      p.el = served;
      const img = served.querySelector('img');
      if (img) {
        p.img = img;
        img.addEventListener('error', () => served.classList.add('is-broken'));
        if (img.complete && img.naturalWidth === 0) served.classList.add('is-broken');
      }
      return served;
    }
    const el = document.createElement('div');
    el.className = 'reader-page';
    el.dataset.page = String(p.number);
    el.setAttribute('role', 'group');
    el.setAttribute('aria-label', '第 ' + p.number + ' 页');
    p.el = el;
    return el;
  }
  function loadImage(p) {
    if (p.img) return;
    const img = document.createElement('img');
    img.className = 'reader-img';
    img.alt = '第 ' + p.number + ' 页';
    img.width = p.width;
    img.height = p.height;
    img.decoding = 'async';
    if (p.number === 1) img.fetchPriority = 'high';
    img.addEventListener('error', () => p.el.classList.add('is-broken'));
    img.src = p.imageUrl;
    p.img = img;
    const ratio = p.el.querySelector('.page-ratio');
    if (ratio) ratio.remove();
    p.el.prepend(img);
  }
  async function loadText(p) {
    if (p.textRequested) return;
    p.textRequested = true;
    let data;
    try {
      const res = await fetch(p.textUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!res.ok) return;
      data = await res.json();
    } catch {
      return;
    }
    if (!data || !Array.isArray(data.lines)) return;
    const layer = document.createElement('div');
    layer.className = 'text-layer';
    const w = Number(data.width) || p.width;
    const h = Number(data.height) || p.height;
    layer.dataset.width = String(w);
    layer.style.width = w + 'px';
    layer.style.height = h + 'px';
    const spans = [];
    for (const line of data.lines) {
      if (typeof line.text !== 'string' || !line.text) continue;
      const span = document.createElement('span');
      span.textContent = line.text;
      span.style.left = Number(line.x) + 'px';
      span.style.top = Number(line.y) + 'px';
      span.style.fontSize = Math.max(1, Number(line.h)) + 'px';
      span.style.lineHeight = Math.max(1, Number(line.h)) + 'px';
      layer.append(span, document.createElement('br'));
      spans.push([span, Number(line.w)]);
    }
    layer.style.transform = 'scale(' + p.el.clientWidth / w + ')';
    p.layer = layer;
    p.el.append(layer);
    // Stretch each line to the width it has on the page, so a selection covers the printed words:
    // read every natural width first, then write, so the browser lays out once.
    const natural = spans.map(([span]) => span.offsetWidth);
    spans.forEach(([span, want], i) => {
      if (natural[i] > 0 && want > 0) span.style.transform = 'scaleX(' + want / natural[i] + ')';
    });
  }

  const nearScreen = 'IntersectionObserver' in window
    ? new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        const p = pages[Number(e.target.dataset.page) - 1];
        loadImage(p);
        loadText(p);
        nearScreen.unobserve(e.target);
      }
    }, { rootMargin: '800px 0px' })
    : null;

  /* ---- Counter: the page under the upper third of what is visible ---- */
  function visibleTop() {
    return isFullscreen() ? view.getBoundingClientRect().top : 0;
  }
  function updateCounter() {
    if (reader.hidden || !pages.length) return;
    const top = visibleTop();
    const bottom = isFullscreen() ? view.getBoundingClientRect().bottom : window.innerHeight;
    const line = top + (bottom - top) / 3;
    let n = 1;
    for (const p of pages) {
      if (p.el.getBoundingClientRect().top <= line) n = p.number;
      else break;
    }
    if (n !== current) {
      current = n;
      nowEl.textContent = String(n);
    }
  }
  let ticking = false;
  const onScroll = () => {
    if (ticking) return;
    ticking = true;
    requestAnimationFrame(() => { ticking = false; updateCounter(); });
  };
  window.addEventListener('scroll', onScroll, { passive: true });
  view.addEventListener('scroll', onScroll, { passive: true });

  function goTo(n, focus) {
    if (!pages.length) return;
    const p = pages[Math.min(Math.max(1, n), pages.length) - 1];
    p.el.scrollIntoView({ block: 'start' });
    current = p.number;
    nowEl.textContent = String(p.number);
    loadImage(p);
    loadText(p);
    if (focus) view.focus({ preventScroll: true });
  }
  jumpForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = Number(jumpInput.value);
    if (!Number.isInteger(n) || n < 1) return;
    // Past the pages this reader may see: the end notice says why.
    if (n > pages.length && endBox && !endBox.hidden) { endBox.scrollIntoView({ block: 'center' }); return; }
    goTo(n, true);
  });

  /* ---- Zoom ---- */
  function setZoom(z) {
    zoom = Math.min(ZOOMS[ZOOMS.length - 1], Math.max(ZOOMS[0], z));
    layout(true);
  }
  const step = (dir) => {
    const i = ZOOMS.findIndex((z) => z >= zoom - 1e-6);
    setZoom(ZOOMS[Math.min(ZOOMS.length - 1, Math.max(0, (i < 0 ? ZOOMS.length - 1 : i) + dir))]);
  };
  reader.querySelector('.js-zoom-in').addEventListener('click', () => step(1));
  reader.querySelector('.js-zoom-out').addEventListener('click', () => step(-1));
  reader.querySelector('.js-zoom-fit').addEventListener('click', () => setZoom(1));

  /* ---- Full screen: the Fullscreen API, or a fixed overlay where there is none (iPhone) ---- */
  const hasFullscreenApi = typeof reader.requestFullscreen === 'function' && document.fullscreenEnabled !== false;
  function isFullscreen() {
    return document.fullscreenElement === reader || reader.classList.contains('is-overlay');
  }
  function fullscreenChanged() {
    const on = isFullscreen();
    reader.classList.toggle('is-fullscreen', on);
    fsBtn.setAttribute('aria-pressed', String(on));
    fsBtn.textContent = on ? '退出全屏' : '全屏';
    layout(true);
  }
  function exitFullscreen() {
    if (document.fullscreenElement === reader) document.exitFullscreen();
    else if (reader.classList.contains('is-overlay')) { reader.classList.remove('is-overlay'); fullscreenChanged(); }
  }
  fsBtn.addEventListener('click', () => {
    if (isFullscreen()) return exitFullscreen();
    const keep = current;
    if (hasFullscreenApi) reader.requestFullscreen().then(() => goTo(keep, true), () => { reader.classList.add('is-overlay'); fullscreenChanged(); goTo(keep, true); });
    else { reader.classList.add('is-overlay'); fullscreenChanged(); goTo(keep, true); }
  });
  document.addEventListener('fullscreenchange', fullscreenChanged);
  // The buy button opens a modal dialog: leave full screen first so it is seen.
  for (const b of reader.querySelectorAll('.js-open-download')) b.addEventListener('click', exitFullscreen);

  /* ---- Touch: pinch to zoom the pages (not the site), swipe or tap to turn pages in full screen ---- */
  // During a pinch only a transform scales the pages (no layout, nothing else moves); when the
  // fingers lift, the zoom is applied once with the current page kept in place.
  let pinch = null;
  let swipe = null;
  const distance = (t) => Math.hypot(t[0].clientX - t[1].clientX, t[0].clientY - t[1].clientY);
  view.addEventListener('touchstart', (e) => {
    if (e.touches.length === 2) {
      const box = pagesBox.getBoundingClientRect();
      const cx = (e.touches[0].clientX + e.touches[1].clientX) / 2 - box.left;
      const cy = (e.touches[0].clientY + e.touches[1].clientY) / 2 - box.top;
      pinch = { start: distance(e.touches), scale: 1 };
      swipe = null;
      pagesBox.style.transformOrigin = cx + 'px ' + cy + 'px';
    } else if (e.touches.length === 1 && isFullscreen()) {
      swipe = { x: e.touches[0].clientX, y: e.touches[0].clientY };
    }
  }, { passive: true });
  view.addEventListener('touchmove', (e) => {
    if (!pinch || e.touches.length !== 2) return;
    e.preventDefault(); // the reader zooms its pages; the site stays as it is
    const target = Math.min(ZOOMS[ZOOMS.length - 1], Math.max(ZOOMS[0], zoom * (distance(e.touches) / pinch.start)));
    pinch.scale = target / zoom;
    pagesBox.style.transform = 'scale(' + pinch.scale + ')';
  }, { passive: false });
  view.addEventListener('touchend', (e) => {
    if (pinch && e.touches.length < 2) {
      const scale = pinch.scale;
      pinch = null;
      pagesBox.style.transform = '';
      pagesBox.style.transformOrigin = '';
      if (Math.abs(scale - 1) > 0.02) setZoom(zoom * scale);
      return;
    }
    if (!swipe || e.changedTouches.length !== 1) return;
    const t = e.changedTouches[0];
    const dx = t.clientX - swipe.x;
    const dy = t.clientY - swipe.y;
    swipe = null;
    // Zoomed past the width, a sideways move pans the page: only at fit width does it turn pages
    // (there is nothing to pan sideways then, so a slow drag counts as well as a flick).
    if (zoom <= 1 && Math.abs(dx) > 50 && Math.abs(dx) > 2 * Math.abs(dy)) {
      goTo(current + (dx < 0 ? 1 : -1), false);
    } else if (Math.abs(dx) < 10 && Math.abs(dy) < 10 && !window.getSelection().toString()) {
      // A tap on the outer thirds turns the page (the middle is left for selecting text).
      const box = view.getBoundingClientRect();
      const x = (t.clientX - box.left) / box.width;
      if (x > 2 / 3) goTo(current + 1, false);
      else if (x < 1 / 3) goTo(current - 1, false);
    }
  });
  view.addEventListener('touchcancel', () => {
    pinch = null;
    swipe = null;
    pagesBox.style.transform = '';
  });

  /* ---- Keyboard: PgUp/PgDn a page, +/− zoom, Esc leaves full screen ---- */
  document.addEventListener('keydown', (e) => {
    if (reader.hidden || e.ctrlKey || e.metaKey || e.altKey || document.querySelector('dialog[open]')) return;
    const inReader = reader.contains(document.activeElement);
    if (!inReader && document.activeElement !== document.body) return;
    const typing = /^(INPUT|TEXTAREA|SELECT)$/u.test(document.activeElement.tagName);
    if (e.key === 'Escape') { if (reader.classList.contains('is-overlay')) { e.preventDefault(); exitFullscreen(); } return; }
    if (typing) return;
    if (e.key === 'PageDown') { e.preventDefault(); goTo(current + 1, false); }
    else if (e.key === 'PageUp') { e.preventDefault(); goTo(current - 1, false); }
    else if (e.key === '+' || e.key === '=') { e.preventDefault(); step(1); }
    else if (e.key === '-' || e.key === '_') { e.preventDefault(); step(-1); }
  });

  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => layout(false), 100);
  });

  /* ---- Load the list of pages this reader may see ---- */
  /** The page list: in the HTML as data when the server put it there, else from the API. */
  async function pageList() {
    const inline = document.getElementById('reader-pages-data');
    if (inline) {
      try { return JSON.parse(inline.textContent); } catch { /* fall back to the API */ }
    }
    const res = await fetch(reader.dataset.pagesUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
    return res.ok ? res.json() : null;
  }
  async function start() {
    let data;
    try {
      data = await pageList();
    } catch {
      return textOnly();
    }
    if (!data || !Array.isArray(data.pages) || data.pages.length === 0) return textOnly();
    pages = data.pages.map((p) => ({ number: p.number, width: p.width, height: p.height, imageUrl: p.imageUrl, textUrl: p.textUrl }));
    const total = Number(data.totalPages) || pages.length;
    totalEl.textContent = String(total);
    jumpInput.max = String(total);
    const frag = document.createDocumentFragment();
    for (const p of pages) { const el = buildPage(p); if (!el.isConnected) frag.append(el); }
    if (placeholder) placeholder.remove();
    pagesBox.append(frag);
    if (endBox) {
      endBox.querySelector('.js-remaining').textContent = String(Math.max(0, total - pages.length));
      endBox.hidden = !data.truncated;
    }
    layout(false);
    loadImage(pages[0]);
    for (const p of pages) if (nearScreen) nearScreen.observe(p.el); else loadImage(p);
    // The text of every page is in the page from the start (small), so the browser's own search
    // finds words on pages not scrolled to yet; very long documents get theirs as they scroll.
    const eager = pages.slice(0, EAGER_TEXT_PAGES);
    let next = 0;
    const worker = async () => { while (next < eager.length) await loadText(eager[next++]); };
    await Promise.all([worker(), worker(), worker()]);
    reader.dataset.textReady = '1';
    updateCounter();
  }
  start();
})();
