#!/usr/bin/env node
// `npm ci` refuses to install when a locked package depends on a dist-tag ("latest") whose
// target moved since the lock was written: a new release upstream breaks CI with no change
// here. Every such edge must be pinned in package.json "overrides". Runs before `npm ci`.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const lock = JSON.parse(readFileSync(new URL('../package-lock.json', import.meta.url), 'utf8'));
const pinned = new Set(Object.keys(pkg.overrides ?? {}));
const isDistTag = (spec) => /^[a-z][\w.-]*$/i.test(spec) && !/^(npm|file|git|link|workspace):/.test(spec);

const unpinned = [];
for (const [path, entry] of Object.entries(lock.packages ?? {})) {
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
    for (const [name, spec] of Object.entries(entry[field] ?? {})) {
      if (isDistTag(spec) && !pinned.has(name)) unpinned.push(`${path || '(root)'} → ${name}@${spec}`);
    }
  }
}
if (unpinned.length > 0) {
  console.error('package-lock.json has dependencies on dist-tags; pin each in package.json "overrides":');
  for (const line of unpinned) console.error(`  ${line}`);
  process.exit(1);
}
console.log('lockfile: no unpinned dist-tag dependencies');
