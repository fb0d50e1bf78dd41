// The corpus outcome tables (docs/conversion-corpus.md): several test files each own one section
// of the same document, delimited by HTML comments, so one can rewrite its part without the others.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where a corpus test writes: docs/ when UPDATE_CORPUS_TABLE=1 (the copy kept in git), else test-artifacts/. */
export function corpusTablePath(): string {
  const root = path.resolve(import.meta.dirname, '../..');
  return process.env.UPDATE_CORPUS_TABLE === '1' ? path.join(root, 'docs/conversion-corpus.md') : path.join(root, 'test-artifacts/conversion-corpus.md');
}

/** Replaces (or appends) the section `name` of the file with `markdown`, keeping the other sections. */
export function writeCorpusSection(file: string, name: string, markdown: string): void {
  const start = `<!-- section:${name} -->`;
  const end = `<!-- /section:${name} -->`;
  const block = `${start}\n${markdown.trimEnd()}\n${end}`;
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) text = text.slice(0, a) + block + text.slice(b + end.length);
  else text = `${text.trimEnd()}${text.trim() ? '\n\n' : ''}${block}`;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${text.trimEnd()}\n`);
}
