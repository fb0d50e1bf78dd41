#!/usr/bin/env node
// After `tsc -p tsconfig.build.json`: what the compiled app reads beside its modules goes into
// dist/ too, at the same places relative to them as in the sources, so dist/ runs on its own
// (the Docker image ships only dist/ and node_modules): the migrations, public/, and every file
// under src/ that is not TypeScript (the Eta views, fonts.conf, the UNO bridge, and mupdf-pages.js,
// which `mutool run` executes as it is: tsconfig.build.json keeps tsc from rewriting it).
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
for (const dir of ['migrations', 'public']) {
  rmSync(path.join(dist, dir), { recursive: true, force: true }); // a removed file must not linger
  cpSync(path.join(root, dir), path.join(dist, dir), { recursive: true });
}
cpSync(path.join(root, 'src'), path.join(dist, 'src'), {
  recursive: true,
  filter: (source) => !source.endsWith('.ts'),
});
console.log('dist: migrations, public and src assets copied');
