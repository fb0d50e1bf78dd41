// The app, vitest and tsx run on the Node that package.json pins, not on the machine's: npm puts
// node_modules/.bin first on PATH for `npm start` / `npm test` / `npx`, and the platform package
// (an optional dependency) puts its `node` there. README, "The runtime".
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  optionalDependencies: Record<string, string>;
};

function versionNumber(version: string): number {
  const [major = 0, minor = 0, patch = 0] = version.replace(/^v/u, '').split('.').map(Number);
  return major * 1_000_000 + minor * 1_000 + patch;
}

describe(`the runtime (${process.version} at ${process.execPath})`, () => {
  it('when the tests run, then the Node running them satisfies engines', () => {
    const floor = /^>=(\d+\.\d+(?:\.\d+)?)$/u.exec(pkg.engines.node)?.[1];
    expect(floor, `engines.node is a plain floor: ${pkg.engines.node}`).toBeDefined();
    expect(versionNumber(process.version)).toBeGreaterThanOrEqual(versionNumber(floor!));
  });

  it("when this platform's Node package is installed, then it is the Node running the tests", (ctx) => {
    const name = `node-${process.platform}-${process.arch}`;
    const binary = path.join(ROOT, 'node_modules', name, 'bin', 'node');
    if (!(name in pkg.optionalDependencies) || !existsSync(binary)) {
      ctx.skip(`${name} is not a dependency here: the machine's own Node runs the tests`);
    }
    expect(process.version).toBe(`v${pkg.optionalDependencies[name]}`);
    expect(realpathSync(process.execPath)).toBe(realpathSync(binary));
  });
});
