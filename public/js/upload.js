// The upload page: drag and drop, a real progress bar from XHR upload events, then the live
// conversion status over Server-Sent Events until the document is ready.
import { YUAN_LIMITS, humanSize, yuanToCents } from './format.js';
import { suggestCategory } from './category-suggest.js';
import { pageMessage } from './messages.js';

(function () {
  const form = document.getElementById('upload-form');
  if (!form) return;
  const input = document.getElementById('file-input');
  const zone = document.getElementById('dropzone');
  const chosen = document.getElementById('chosen-file');
  const errorBox = document.getElementById('upload-error');
  const submit = document.getElementById('upload-submit');
  const bar = document.getElementById('progress-bar');
  const fill = document.getElementById('progress-fill');
  const label = document.getElementById('progress-label');
  const bytesLabel = document.getElementById('progress-bytes');
  const result = document.getElementById('upload-result');
  const maxBytes = Number(form.dataset.maxBytes);
  const categoryHint = document.getElementById('category-hint');
  // After a finished upload the button reads 「继续上传」 and starts a new one from an empty form.
  let finished = false;
  let chosenCategory = false;

  // 「分类」 left on 自动: say what the title (typed, else the file's name) suggests, as the server will.
  function showSuggestion() {
    const title = form.elements.title.value.trim() || form.elements.title.placeholder;
    const suggested = suggestCategory(title);
    if (form.elements.category.value) categoryHint.textContent = '';
    else categoryHint.textContent = suggested ? '推荐：' + suggested : title ? '未识别，将归入「其他」' : '不选则按标题自动推荐';
  }
  form.elements.title.addEventListener('input', showSuggestion);
  form.elements.category.addEventListener('change', showSuggestion);

  const step = (name, state) => {
    const li = document.querySelector('[data-step="' + name + '"]');
    li.classList.remove('is-active', 'is-done', 'is-failed');
    if (state) li.classList.add('is-' + state);
  };
  const showError = (text, link) => {
    window.wenku.showError(errorBox, text, link);
    errorBox.scrollIntoView({ block: 'nearest' });
  };
  const setProgress = (pct, text) => {
    fill.style.width = pct + '%';
    bar.setAttribute('aria-valuenow', String(Math.round(pct)));
    if (text) label.textContent = text;
  };

  function showChosen() {
    const f = input.files && input.files[0];
    if (finished && f) {
      // A new file after a finished upload: a new upload, the other fields kept as typed.
      finished = false;
      ['upload', 'convert', 'ready'].forEach((s) => step(s, null));
      setProgress(0, '尚未开始');
      bytesLabel.textContent = '';
      result.textContent = '';
      submit.textContent = '开始上传';
    }
    chosen.textContent = f ? '已选择：' + f.name + '（' + humanSize(f.size) + '）' : '';
    errorBox.hidden = true;
    if (f && f.size > maxBytes) showError('文件太大：' + humanSize(f.size) + '，上限为 ' + humanSize(maxBytes) + '。');
    const title = form.elements.title;
    if (f && !title.value) title.placeholder = f.name.replace(/\.(docx?|dotx?|wps|rtf|odt|pdf|pptx?|ppsx?|dps|odp|xlsx?|et|ods|txt)$/i, '');
    showSuggestion();
  }
  input.addEventListener('change', showChosen);
  ['dragenter', 'dragover'].forEach((t) =>
    zone.addEventListener(t, (e) => { e.preventDefault(); zone.classList.add('is-over'); }),
  );
  ['dragleave', 'drop'].forEach((t) => zone.addEventListener(t, () => zone.classList.remove('is-over')));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) {
      input.files = e.dataTransfer.files;
      showChosen();
    }
  });

  // The server decides the type from the bytes; this only stops a file that is obviously not a
  // document (by the magic bytes of its first 4 KB) before it is sent. Anything unsure is sent.
  const NOT_DOCUMENT = [
    [[0x4d, 0x5a], '这是可执行程序，不是文档'],
    [[0x7f, 0x45, 0x4c, 0x46], '这是可执行程序，不是文档'],
    [[0x52, 0x61, 0x72, 0x21], '这是 RAR 压缩包，不是文档'],
    [[0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], '这是 7z 压缩包，不是文档'],
    [[0x1f, 0x8b], '这是 gzip 压缩包，不是文档'],
    [[0x89, 0x50, 0x4e, 0x47], '这是图片，不是文档'],
    [[0xff, 0xd8, 0xff], '这是图片，不是文档'],
    [[0x47, 0x49, 0x46, 0x38], '这是图片，不是文档'],
    [[0x49, 0x44, 0x33], '这是音频文件，不是文档'],
    [[0x52, 0x49, 0x46, 0x46], '这是音视频或图片文件，不是文档'],
  ];
  const startsWith = (b, magic) => magic.every((x, i) => b[i] === x);
  function problemWithHead(b) {
    if (b.length === 0) return '文件为空';
    if (startsWith(b, [0xd0, 0xcf, 0x11, 0xe0]) || startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x7b, 0x5c, 0x72, 0x74, 0x66])) return null;
    for (let i = 0; i + 5 <= Math.min(b.length, 1024); i++) {
      if (b[i] === 0x25 && b[i + 1] === 0x50 && b[i + 2] === 0x44 && b[i + 3] === 0x46 && b[i + 4] === 0x2d) return null; // %PDF-
    }
    for (const [magic, why] of NOT_DOCUMENT) if (startsWith(b, magic)) return why;
    if (startsWith(b, [0xff, 0xfe]) || startsWith(b, [0xfe, 0xff])) return null; // UTF-16 text
    if (b.indexOf(0) >= 0) return '文件格式无法识别，不是支持的文档格式';
    return null;
  }
  async function checkHead(f) {
    try {
      return problemWithHead(new Uint8Array(await f.slice(0, 4096).arrayBuffer()));
    } catch {
      return null; // the browser cannot read it: let the server decide
    }
  }

  // The API may carry an English half in parentheses; pages speak Chinese only (no closing 。: a sentence follows).
  const chineseOnly = (m) => pageMessage(m || '').replace(/[。.]$/u, '');
  /** A file refused for its type, before sending or by the server: 「文件不被接受」, not 「上传未完成」. */
  function refuse(why, extra) {
    step('upload', 'failed');
    setProgress(0, '文件不被接受');
    bytesLabel.textContent = '';
    submit.disabled = false;
    submit.textContent = '开始上传';
    showError('文件不被接受：' + why + '。支持' + form.dataset.formats + '文档' + (extra ? '；' + extra : '。'));
  }

  function explain(status, body) {
    const err = (body && body.error) || {};
    if (status === 401) return showError('登录已失效，请重新登录后再上传。', { href: '/login?next=/upload', text: '去登录 ›' });
    if (status === 413) return showError('文件超过大小上限（' + humanSize(maxBytes) + '），请压缩图片或拆分文档后再上传。');
    if (err.code === 'unsupported_file') return refuse(chineseOnly(err.message) || '不是支持的文档格式', '文件不能损坏、加密或包含宏。');
    if (status === 409) {
      // details.reason 'duplicate': another user's public document has these bytes (the site has it);
      // no reason: the uploader's own earlier copy.
      const d = err.details || {};
      const id = d.documentId;
      if (d.reason === 'duplicate') return showError('本站已有相同文档，无需重复上传。', id ? { href: '/doc/' + id, text: '查看本站已有的文档 ›' } : null);
      return showError('你已经上传过同一个文件。', id ? { href: '/doc/' + id, text: '查看你已上传的文档 ›' } : null);
    }
    if (status === 403) return showError(chineseOnly(err.message) || '这个文件不能上传');
    if (status === 429) return showError('上传太频繁了，请稍后再试。');
    if (status === 400) return showError('填写有误：' + (chineseOnly(err.message) || '请检查各项内容'));
    showError('上传失败，请稍后重试。' + (err.message ? '（' + chineseOnly(err.message) + '）' : ''));
  }

  function watch(doc) {
    step('convert', 'active');
    label.textContent = '上传完成，正在转换……';
    // pending: converted, and waiting for a moderator before it is published (REVIEW_MODE).
    const done = (ok, reason, pending) => {
      step('convert', ok ? 'done' : 'failed');
      if (ok) step('ready', pending ? 'active' : 'done');
      result.textContent = '';
      const a = document.createElement('a');
      a.href = '/doc/' + doc.id;
      a.className = ok ? 'btn btn-primary' : 'btn';
      a.textContent = ok ? '转换完成，查看文档 ›' : '查看详情 ›';
      if (!ok) result.append('转换失败' + (reason ? '：' + reason : '') + '。 ');
      if (pending) result.append('文档已提交审核，审核通过后公开发布。 ');
      result.append(a);
      // The category it was filed under (perhaps suggested), and where to change it.
      const filed = document.createElement('span');
      filed.className = 'small muted upload-category';
      const manage = document.createElement('a');
      manage.href = '/me/documents#doc-' + doc.id;
      manage.textContent = '在「我的上传」中修改';
      filed.append('分类：' + doc.category + (!chosenCategory && suggestCategory(doc.title) === doc.category ? '（按标题推荐）' : '') + '，', manage);
      result.append(' ', filed);
      label.textContent = ok ? (pending ? '审核中' : '已发布') : '转换失败';
      submit.disabled = false;
      submit.textContent = '继续上传';
      finished = true;
    };
    if (!('EventSource' in window)) return done(true);
    const es = new EventSource('/api/v1/documents/' + doc.id + '/events');
    const onEvent = (e) => {
      let data;
      try { data = JSON.parse(e.data); } catch { return; }
      if (!data || !data.status) return;
      if (data.status === 'ready') { es.close(); done(true); }
      else if (data.status === 'pending_review') { es.close(); done(true, null, true); }
      else if (data.status === 'failed' || data.status === 'taken_down') { es.close(); done(false, data.failureReason); }
    };
    es.addEventListener('message', onEvent);
    es.addEventListener('status', onEvent);
  }

  function resetForm() {
    finished = false;
    form.reset();
    chosen.textContent = '';
    form.elements.title.placeholder = '';
    showSuggestion();
    errorBox.hidden = true;
    ['upload', 'convert', 'ready'].forEach((s) => step(s, null));
    setProgress(0, '尚未开始');
    bytesLabel.textContent = '';
    result.textContent = '';
    submit.textContent = '开始上传';
    zone.scrollIntoView({ block: 'nearest' });
    input.focus();
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (finished) return resetForm();
    errorBox.hidden = true;
    const f = input.files && input.files[0];
    if (!f) return showError('请先选择要上传的文档。');
    if (f.size > maxBytes) return showError('文件太大：' + humanSize(f.size) + '，上限为 ' + humanSize(maxBytes) + '。');
    const wrong = await checkHead(f);
    if (wrong) {
      ['upload', 'convert', 'ready'].forEach((s) => step(s, null));
      result.textContent = '';
      return refuse(wrong);
    }
    const cents = yuanToCents(form.elements.price.value.trim() || '0', YUAN_LIMITS.price);
    if (cents === null) return showError('价格请填写数字，最多两位小数，例如 2 或 2.50。');

    chosenCategory = form.elements.category.value !== '';
    const data = new FormData();
    for (const name of ['title', 'category', 'freePreviewPages', 'keywords', 'description']) {
      const v = form.elements[name].value.trim();
      if (v) data.append(name, v);
    }
    data.append('priceCents', String(cents));
    data.append('file', f, f.name); // last, so the fields are parsed before the file streams

    ['upload', 'convert', 'ready'].forEach((s) => step(s, null));
    step('upload', 'active');
    result.textContent = '';
    submit.disabled = true;
    submit.textContent = '上传中…';
    setProgress(0, '正在上传 0%');
    // On a phone the progress panel sits under the form: bring it into view.
    if (window.matchMedia('(max-width: 900px)').matches) bar.scrollIntoView({ behavior: 'smooth', block: 'center' });

    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/documents');
    xhr.setRequestHeader('x-csrf-token', window.wenku.csrfToken);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', (ev) => {
      if (!ev.lengthComputable) return;
      const pct = (ev.loaded / ev.total) * 100;
      setProgress(pct, '正在上传 ' + Math.floor(pct) + '%');
      bytesLabel.textContent = humanSize(ev.loaded) + ' / ' + humanSize(ev.total);
    });
    xhr.addEventListener('load', () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = null; }
      if (xhr.status === 202 || xhr.status === 201) {
        setProgress(100, '上传完成');
        step('upload', 'done');
        watch(body.document);
        return;
      }
      if (body && body.error && body.error.code === 'unsupported_file') return explain(xhr.status, body);
      step('upload', 'failed');
      setProgress(0, '上传未完成');
      submit.disabled = false;
      submit.textContent = '重新上传';
      explain(xhr.status, body);
    });
    xhr.addEventListener('error', () => {
      step('upload', 'failed');
      submit.disabled = false;
      submit.textContent = '重新上传';
      showError('网络中断，上传未完成，请检查网络后重试。');
    });
    xhr.send(data);
  });
})();
