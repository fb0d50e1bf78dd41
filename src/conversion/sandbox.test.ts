import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSandboxed, sandboxAvailable } from './sandbox.js';

const dir = mkdtempSync(path.join(tmpdir(), 'wk-sandbox-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!sandboxAvailable())('runSandboxed', () => {
  it('when a command writes into /job, then the file appears in the job folder and the exit code is returned', async () => {
    const r = await runSandboxed({ jobDir: dir, command: ['sh', '-c', 'echo hi > /job/a.txt; echo out; echo err >&2; exit 3'], timeoutMs: 10_000 });
    expect(r).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n', timedOut: false });
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('hi\n');
  });

  it('when a command writes outside /job or reads home folders, then it cannot', async () => {
    const marker = path.join(tmpdir(), `wk-sandbox-outside-${process.pid}`);
    const r = await runSandboxed({ jobDir: dir, command: ['sh', '-c', `echo x > /usr/wk-test; echo y > ${marker}; ls /work /root /home 2>&1; true`], timeoutMs: 10_000 });
    expect(r.code).toBe(0);
    expect(existsSync('/usr/wk-test')).toBe(false);
    expect(existsSync(marker)).toBe(false); // /tmp inside is a private tmpfs
    expect(r.stdout).toMatch(/No such file/u);
  });

  it('when a command tries the network, then there is none', async () => {
    const r = await runSandboxed({ jobDir: dir, command: ['sh', '-c', 'cat /proc/net/dev | tail -n +3 | cut -d: -f1'], timeoutMs: 10_000 });
    expect(r.stdout.trim()).toBe('lo');
  });

  it('when a command runs past the timeout, then its process group is killed and timedOut is set', async () => {
    const t0 = Date.now();
    const r = await runSandboxed({ jobDir: dir, command: ['sh', '-c', 'sleep 30 & sleep 30'], timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('when a command allocates beyond the memory limit, then it fails', async () => {
    writeFileSync(path.join(dir, 'big.py'), 'b = bytearray(400 * 1024 * 1024)\nprint("allocated")\n');
    const r = await runSandboxed({ jobDir: dir, command: ['python3', '/job/big.py'], timeoutMs: 20_000, memoryBytes: 200 * 1024 * 1024 });
    expect(r.code).not.toBe(0);
    expect(r.stdout).not.toContain('allocated');
    expect(r.stderr).toMatch(/MemoryError/u);
  });
});
