// One command inside a bubblewrap sandbox: no network (all namespaces unshared), read-only system
// directories and fonts, a fresh /tmp, and only the job's folder writable (mounted at /job). The
// command runs under prlimit (address-space and CPU-time limits) and a wall-clock timeout that
// kills the whole process group. Used for the one-shot tools that read hostile files (qpdf,
// pdftoppm, pdftotext, mutool); the kept-warm LibreOffice instances use the same mount list.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

/** Inside the sandbox the job's folder is always here. */
export const JOB_DIR = '/job';

export interface SandboxOptions {
  /** Host folder mounted read-write at /job; nothing else is writable (besides a private /tmp). */
  jobDir: string;
  /** argv inside the sandbox; programs are looked up on PATH=/usr/bin:/bin. */
  command: string[];
  /** Wall-clock limit; on expiry the process group is SIGKILLed and `timedOut` is true. */
  timeoutMs: number;
  /** RLIMIT_AS in bytes (prlimit --as); omit for none. */
  memoryBytes?: number;
  /** RLIMIT_CPU in seconds; defaults to the timeout rounded up. */
  cpuSeconds?: number;
  /** Extra read-only mounts: [hostPath, sandboxPath]. */
  roBinds?: Array<[string, string]>;
  env?: Record<string, string>;
  /** Working directory inside the sandbox (default /job). */
  cwd?: string;
  stdin?: string | Buffer;
  /** Output beyond this many bytes per stream is dropped (default 16 MiB). */
  maxOutputBytes?: number;
}

export interface SandboxResult {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** True when stdout or stderr were cut at maxOutputBytes. */
  truncated: boolean;
}

/**
 * The mount list shared by every sandbox: read-only /usr (with the merged-/usr symlinks), fonts
 * and their caches, fresh /proc, /dev and /tmp. No network and no host /home, /etc beyond these.
 */
export function baseSandboxArgs(): string[] {
  return [
    '--unshare-all', // no network, own pid/ipc/uts/user namespaces
    '--die-with-parent',
    '--new-session',
    '--clearenv',
    '--ro-bind', '/usr', '/usr',
    '--symlink', 'usr/bin', '/bin',
    '--symlink', 'usr/lib', '/lib',
    '--symlink', 'usr/lib64', '/lib64',
    '--symlink', 'usr/sbin', '/sbin',
    '--ro-bind', '/etc/fonts', '/etc/fonts',
    '--ro-bind-try', '/etc/ld.so.cache', '/etc/ld.so.cache',
    '--ro-bind-try', '/etc/alternatives', '/etc/alternatives',
    '--ro-bind-try', '/var/cache/fontconfig', '/var/cache/fontconfig',
    '--proc', '/proc',
    '--dev', '/dev',
    '--tmpfs', '/tmp',
    '--setenv', 'PATH', '/usr/bin:/bin',
    '--setenv', 'LANG', 'C.UTF-8',
  ];
}

/** Whether bwrap can create a sandbox here (containers without user namespaces cannot). */
export function sandboxAvailable(): boolean {
  const r = spawnSync('bwrap', ['--ro-bind', '/', '/', '--unshare-net', 'true'], { timeout: 5000 });
  return !r.error && r.status === 0;
}

/** Kills a detached child's whole process group (bwrap and everything below it). */
export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

export function runSandboxed(opts: SandboxOptions): Promise<SandboxResult> {
  const max = opts.maxOutputBytes ?? 16 * 1024 * 1024;
  const cpu = opts.cpuSeconds ?? Math.max(1, Math.ceil(opts.timeoutMs / 1000));
  const limits = ['prlimit', `--cpu=${cpu}`, '--core=0'];
  if (opts.memoryBytes) limits.push(`--as=${Math.floor(opts.memoryBytes)}`);
  const args = [...baseSandboxArgs(), '--bind', path.resolve(opts.jobDir), JOB_DIR];
  for (const [host, box] of opts.roBinds ?? []) args.push('--ro-bind', host, box);
  for (const [k, v] of Object.entries(opts.env ?? {})) args.push('--setenv', k, v);
  args.push('--chdir', opts.cwd ?? JOB_DIR, '--', ...limits, '--', ...opts.command);

  return new Promise<SandboxResult>((resolve, reject) => {
    // Own process group, so the timeout reaches every process the command started.
    const proc = spawn('bwrap', args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLen = 0;
    let errLen = 0;
    let truncated = false;
    let timedOut = false;
    proc.stdout.on('data', (c: Buffer) => {
      if (outLen + c.length > max) truncated = true;
      if (outLen < max) out.push(c.subarray(0, max - outLen));
      outLen += c.length;
    });
    proc.stderr.on('data', (c: Buffer) => {
      if (errLen + c.length > max) truncated = true;
      if (errLen < max) err.push(c.subarray(0, max - errLen));
      errLen += c.length;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(proc.pid);
    }, opts.timeoutMs);
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      // A command that left children behind (it cannot outlive bwrap's pid namespace, but be sure).
      killGroup(proc.pid);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
        truncated,
      });
    });
    proc.stdin.on('error', () => undefined); // the command may exit without reading its input
    proc.stdin.end(opts.stdin ?? '');
  });
}
