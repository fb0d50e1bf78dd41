// The form registry (issue 23, "What must hold"): every form on the site is submitted in Chromium by
// a browser test that checks what the server did. Each `<form` in src/views carries a unique
// data-form name; REGISTRY says which browser test submits it, and that test must select
// `form[data-form="NAME"]` (or through its `form('NAME')` helper). A new form without a name, or a name
// without a test, fails here.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const VIEWS = path.resolve('src/views');
const SCRIPTS = path.resolve('public/js');

/** Form name → the browser test file that submits it and checks the server's state afterwards. */
export const REGISTRY: Readonly<Record<string, string>> = {
  // The layout, home and search
  'site-search': 'test/browser/site-forms.test.ts',
  'home-search': 'test/browser/site-forms.test.ts',
  logout: 'test/browser/site-forms.test.ts',
  // Accounts
  login: 'test/browser/site-forms.test.ts',
  register: 'test/browser/site-forms.test.ts',
  'forgot-password': 'test/browser/site-forms.test.ts',
  'reset-password': 'test/browser/site-forms.test.ts',
  'verify-email': 'test/browser/site-forms.test.ts',
  // Uploading, the studio, 我的文库, notifications
  upload: 'test/browser/site-forms.test.ts',
  'studio-edit': 'test/browser/site-forms.test.ts',
  'studio-retry': 'test/browser/site-forms.test.ts',
  'studio-delete': 'test/browser/site-forms.test.ts',
  'recent-views-clear': 'test/browser/site-forms.test.ts',
  'notifications-read-all': 'test/browser/site-forms.test.ts',
  'notifications-read-routine': 'test/browser/site-forms.test.ts',
  'notification-read-one': 'test/browser/site-forms.test.ts',
  // The document page: reader, rating and comments
  'reader-jump': 'test/browser/site-forms.test.ts',
  'doc-rating': 'test/browser/site-forms.test.ts',
  'doc-comment': 'test/browser/site-forms.test.ts',
  'comment-delete': 'test/browser/site-forms.test.ts',
  // Money: the purchase dialog, the wallet, top-ups, withdrawals, VIP
  'download-confirm': 'test/browser/money.test.ts',
  'wallet-topup': 'test/browser/money.test.ts',
  'dev-pay': 'test/browser/money.test.ts',
  'wallet-payout': 'test/browser/money.test.ts',
  'admin-payout-approve': 'test/browser/money.test.ts',
  'admin-payout-reject': 'test/browser/money.test.ts',
  'vip-purchase': 'test/browser/money.test.ts',
  'vip-cancel': 'test/browser/money.test.ts',
  'cancel-topup': 'test/browser/phone.test.ts',
  'cancel-topup-order': 'test/browser/phone.test.ts',
  'admin-coupon-create': 'test/browser/admin-money.test.ts',
  'admin-vip-create': 'test/browser/admin-money.test.ts',
  'admin-vip-edit': 'test/browser/admin-money.test.ts',
  'admin-vip-retire': 'test/browser/admin-money.test.ts',
  // Support, copyright notices, takedowns and reviews
  'support-ticket': 'test/browser/notices.test.ts',
  'ticket-message': 'test/browser/notices.test.ts',
  'counter-notice': 'test/browser/notices.test.ts',
  'ticket-status': 'test/browser/notices.test.ts',
  'ticket-reply': 'test/browser/notices.test.ts',
  'ticket-resolve': 'test/browser/notices.test.ts',
  'ticket-restore': 'test/browser/notices.test.ts',
  'takedown-near-copy': 'test/browser/notices.test.ts',
  'takedown-restore': 'test/browser/notices.test.ts',
  'review-decision': 'test/browser/notices.test.ts',
  'review-requeue': 'test/browser/notices.test.ts',
  'review-appeal': 'test/browser/notices.test.ts',
};

interface FoundForm {
  file: string;
  line: number;
  name: string | null;
}

function walk(dir: string, ext: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? walk(full, ext) : e.name.endsWith(ext) ? [full] : [];
  });
}

/** Every `<form …>` opening tag in the templates, with its data-form name (null when it has none). */
function formsInTemplates(): FoundForm[] {
  return walk(VIEWS, '.eta').flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    // The opening tag up to its own `>`: Eta tags inside it (`<%= d.id %>`) are skipped whole.
    return [...text.matchAll(/<form\b(?:<%[\s\S]*?%>|[^>])*>/g)].map((m) => ({
      file: path.relative(VIEWS, file),
      line: text.slice(0, m.index).split('\n').length,
      name: /\bdata-form="([^"]*)"/.exec(m[0])?.[1] ?? null,
    }));
  });
}

/** Forms the page scripts build (a `<form` string, or createElement('form')), by file: each must set a data-form name. */
function formsInScripts(): { file: string; names: string[]; built: number }[] {
  return walk(SCRIPTS, '.js')
    .map((file) => {
      const text = readFileSync(file, 'utf8');
      const built = (text.match(/<form\b|createElement\(\s*['"]form['"]\s*\)/g) ?? []).length;
      const names = [...text.matchAll(/(?:data-form="|dataset\.form\s*=\s*['"])([a-z0-9-]+)/g)].map((m) => m[1]!);
      return { file: path.relative(SCRIPTS, file), names, built };
    })
    .filter((f) => f.built > 0);
}

describe('the form registry', () => {
  const forms = formsInTemplates();

  it('when the templates are scanned, then every form has a kebab-case data-form name, each name once', () => {
    const unnamed = forms.filter((f) => f.name === null).map((f) => `${f.file}:${f.line}`);
    expect(unnamed, 'forms without data-form="…"').toEqual([]);
    const names = forms.flatMap((f) => (f.name === null ? [] : [f.name]));
    for (const n of names) expect(n).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    const repeated = names.filter((n, i) => names.indexOf(n) !== i);
    expect(repeated, 'data-form names used twice').toEqual([]);
  });

  it('when the page scripts are scanned, then any form they build carries a registered name', () => {
    for (const f of formsInScripts()) {
      expect(f.names.length, `${f.file} builds a form without data-form`).toBeGreaterThanOrEqual(f.built);
      for (const n of f.names) expect(REGISTRY[n], `${f.file}: form ${n} has no browser test`).toBeDefined();
    }
  });

  it('when a form is named, then the registry lists it, and every registered name is a form that exists', () => {
    const named = new Set(forms.flatMap((f) => (f.name === null ? [] : [f.name])));
    const scripted = new Set(formsInScripts().flatMap((f) => f.names));
    const unregistered = [...named].filter((n) => !(n in REGISTRY));
    expect(unregistered, 'forms with no browser test in REGISTRY').toEqual([]);
    const stale = Object.keys(REGISTRY).filter((n) => !named.has(n) && !scripted.has(n));
    expect(stale, 'registered names no template or script has').toEqual([]);
  });

  it('when a form is registered, then its test file exists and selects form[data-form="NAME"]', () => {
    for (const [name, file] of Object.entries(REGISTRY)) {
      expect(existsSync(file), `${name}: ${file} does not exist`).toBe(true);
      const text = readFileSync(file, 'utf8');
      const selects = text.includes(`form[data-form="${name}"]`) || text.includes(`form('${name}')`);
      expect(selects, `${file} never selects form[data-form="${name}"]`).toBe(true);
    }
  });
});
