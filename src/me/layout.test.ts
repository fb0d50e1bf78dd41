// Where things live (issue 11.7), checked so a change that puts them back fails here: documents/
// imports neither payments nor support (我的文库 composes them in me/), one login redirect for
// every page, the actor next to auth, and the download link visible in app.ts.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

describe('the layout of the pages', () => {
  // The pages only: the start-up sweep (documents/sweep.service.ts) also sweeps payments' idempotency keys.
  it('when a documents/ page module is read, then it imports nothing from payments/ or support/', () => {
    const pages = [...sources(path.join(SRC, 'documents', 'pages')), path.join(SRC, 'documents', 'documents.pages.ts')];
    const offenders = pages.filter((file) => /from '(\.\.\/)+(payments|support)\//.test(readFileSync(file, 'utf8')));
    expect(offenders.map((f) => path.relative(SRC, f))).toEqual([]);
  });

  it('when the sources are read, then loginRedirect is defined once (http/forms.ts) and actorMiddleware lives in auth/', () => {
    const all = sources(SRC);
    const defining = (pattern: RegExp) => all.filter((f) => pattern.test(readFileSync(f, 'utf8'))).map((f) => path.relative(SRC, f));
    expect(defining(/function loginRedirect\b/)).toEqual([path.join('http', 'forms.ts')]);
    expect(defining(/function actorMiddleware\b/)).toEqual([path.join('auth', 'actor.ts')]);
  });

  it('when app.ts is read, then the download link and 我的文库 are mounted there', () => {
    const app = readFileSync(path.join(SRC, 'app.ts'), 'utf8');
    expect(app).toContain("app.get('/dl/:token'");
    expect(app).toContain('mePagesRouter(deps, render)');
  });
});
