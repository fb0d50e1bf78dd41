// Kept-running LibreOffice instances, each inside its own bubblewrap sandbox, driven over UNO by
// uno/bridge.py (Debian's /usr/bin/python3 with python3-uno). The sandbox has no network and sees
// only read-only system directories plus the instance's own folder (its profile and the one job
// being converted), so a document cannot make LibreOffice fetch a URL or embed a private file.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { ChildFailure, Pool, type PoolChild } from './children.js';
import { baseSandboxArgs } from './sandbox.js';

/** Host paths: the instance copies the input into its sandbox and moves the results out. */
export interface DocxRequest {
  op?: 'convert';
  inputPath: string;
  /** Word-processing files (Kingsoft .wps is given as .doc). */
  inputExt: 'doc' | 'docx' | 'rtf' | 'odt';
  /** Where out.docx (and out.pdf when asked) are placed. */
  outDir: string;
  marker?: string;
  /** Also store the page preview's PDF from the same load, before the text view changes it. */
  pdf?: { maxPages?: number };
}
/** Extensions LibreOffice is given the file under (its type detection looks at them too). */
export type OfficeExt = 'doc' | 'docx' | 'docm' | 'dotx' | 'rtf' | 'odt' | 'ppt' | 'pptx' | 'odp' | 'xls' | 'xlsx' | 'ods' | 'txt';
export interface PdfRequest {
  op: 'pdf';
  inputPath: string;
  inputExt: OfficeExt;
  /** Where out.pdf is placed. */
  outDir: string;
  /** Export at most this many pages (spreadsheets); 0 or absent: all. */
  maxPages?: number;
}
export type BridgeRequest = DocxRequest | PdfRequest;
export interface BridgeError {
  ok: false;
  error: string;
  detail: string;
}
/** What the bridge says about a PDF it stored. */
export interface PdfFacts {
  app: 'writer' | 'calc' | 'impress' | 'draw';
  /** Pages as LibreOffice would print them, null when it could not tell. */
  totalPages: number | null;
  exportedPages: number | null;
  /** Font families the document asks for, most used first. */
  fonts: string[];
}
export type DocxReply =
  | {
      ok: true;
      pageCount: number;
      markedPages: number;
      graphicsConverted: number;
      graphicsFailed: number;
      /** Automatic list labels written into the text. */
      listLabels?: number;
      /** Paragraphs whose first-line indent was written as ideographic spaces. */
      indented?: number;
      /** When asked for: the PDF (out.pdf), or the bridge's error about it. */
      pdf?: (PdfFacts & { ok: true }) | BridgeError | null;
    }
  | BridgeError;
export type PdfReply = (PdfFacts & { ok: true }) | BridgeError;
export type BridgeReply = DocxReply | PdfReply;
export type ReplyFor<R> = R extends PdfRequest ? PdfReply : DocxReply;

export interface LibreOfficeOptions {
  sofficePath: string;
  workDir: string;
  instances: number;
  timeoutMs: number;
  /** Restart an instance after this many documents: its memory grows from ~85 to ~350 MB. */
  maxJobsPerInstance: number;
  log: Logger;
}

const PYTHON = '/usr/bin/python3';

/** Files shipped beside this module (src/conversion/…), also when running from a build. */
export function asset(name: string): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, name), path.resolve(here, '../../../src/conversion', name), path.resolve(here, '../../src/conversion', name)];
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

/** The soffice binary to use, or null: explicit path, else `soffice` on PATH. */
export function findSoffice(configured: string | null | undefined): string | null {
  if (configured === null) return null;
  const candidates = configured ? [configured] : ['/usr/bin/soffice', '/usr/local/bin/soffice', '/opt/libreoffice/program/soffice'];
  for (const c of candidates) {
    try {
      // The real program, not the shell wrapper: the bridge starts it directly.
      const real = realpathSync(c);
      if (existsSync(real)) return real;
    } catch {
      /* try the next one */
    }
  }
  return null;
}

/** Why the sandboxed converter cannot run here, or null when bwrap and python3-uno are usable. */
export function sandboxProblem(): string | null {
  const bwrap = spawnSync('bwrap', ['--ro-bind', '/', '/', '--unshare-net', 'true'], { timeout: 5000 });
  if (bwrap.error || bwrap.status !== 0) return 'bubblewrap (bwrap) is missing or cannot create a sandbox here';
  const py = spawnSync(PYTHON, ['-c', 'import uno'], { timeout: 10_000 });
  if (py.error || py.status !== 0) return `${PYTHON} cannot import uno (install python3-uno)`;
  return null;
}

function sandboxArgs(sofficePath: string, instanceDir: string): string[] {
  const args = [
    ...baseSandboxArgs(),
    '--ro-bind-try', '/etc/libreoffice', '/etc/libreoffice',
    '--bind', instanceDir, '/wk',
    '--ro-bind', asset('uno/bridge.py'), '/opt/wk/bridge.py',
    '--ro-bind', asset('fonts.conf'), '/opt/wk/fonts.conf',
    '--setenv', 'HOME', '/wk/home',
    '--setenv', 'SAL_USE_VCLPLUGIN', 'svp',
    '--setenv', 'FONTCONFIG_FILE', '/opt/wk/fonts.conf',
    '--chdir', '/wk',
  ];
  // A LibreOffice installed outside /usr (e.g. /opt/libreoffice) must be visible too.
  if (!sofficePath.startsWith('/usr/')) {
    const root = path.resolve(path.dirname(sofficePath), '..');
    args.push('--ro-bind', root, root);
  }
  return args;
}

let seq = 0;

class Instance implements PoolChild<BridgeRequest, BridgeReply> {
  jobsDone = 0;
  lastRss = 0;
  process: ReturnType<typeof spawn> | null = null;
  private pending: { id: number; resolve: (r: BridgeReply) => void; reject: (e: Error) => void } | null = null;
  private exited = false;
  private stderr = '';

  constructor(
    readonly dir: string,
    private readonly log: Logger,
  ) {}

  start(sofficePath: string, startTimeoutMs: number): Promise<this> {
    mkdirSync(path.join(this.dir, 'home'), { recursive: true });
    mkdirSync(path.join(this.dir, 'jobs'), { recursive: true });
    const args = [
      ...sandboxArgs(sofficePath, this.dir),
      PYTHON, '/opt/wk/bridge.py', sofficePath, 'file:///wk/profile', `wk${process.pid}_${++seq}`,
    ];
    // Own process group, so a timeout can kill bwrap and everything in the sandbox at once.
    const proc = spawn('bwrap', args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    this.process = proc;
    // A write after the sandbox died (killed at a timeout, or crashed while idle) fails with
    // EPIPE: without a listener that would end this whole process. The exit handler answers
    // the pending job.
    proc.stdin.on('error', (err) => this.log.debug({ err: err.message }, 'LibreOffice input closed'));
    proc.stderr.on('data', (c: Buffer) => {
      this.stderr = (this.stderr + c.toString()).slice(-4000);
    });
    const lines = createInterface({ input: proc.stdout });
    return new Promise<this>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill();
        reject(new Error(`LibreOffice did not start within ${startTimeoutMs} ms`));
      }, startTimeoutMs);
      let ready = false;
      lines.on('line', (line) => {
        let msg: { id: number; ready?: boolean } & BridgeReply;
        try {
          msg = JSON.parse(line);
        } catch {
          return;
        }
        if (!ready) {
          clearTimeout(timer);
          ready = true;
          if (msg.ok && msg.ready) resolve(this);
          else {
            this.kill();
            reject(new Error(`LibreOffice bridge failed to start: ${'detail' in msg ? msg.detail : line}`));
          }
          return;
        }
        if (this.pending && msg.id === this.pending.id) {
          const p = this.pending;
          this.pending = null;
          p.resolve(msg);
        }
      });
      proc.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      proc.on('exit', (code, signal) => {
        this.exited = true;
        clearTimeout(timer);
        if (!ready) reject(new Error(`LibreOffice sandbox exited during start-up (${signal ?? code}): ${this.stderr.slice(-500)}`));
        if (this.pending) {
          this.log.warn({ code, signal, stderr: this.stderr.slice(-1000) }, 'LibreOffice exited during a conversion');
          this.pending.reject(new ChildFailure('crashed', `LibreOffice exited (${signal ?? code})`));
          this.pending = null;
        }
      });
    });
  }

  async run(req: BridgeRequest): Promise<BridgeReply> {
    const id = ++seq;
    // One job at a time per instance: the sandbox sees only this job's folder besides its profile.
    const hostJob = path.join(this.dir, 'jobs', String(id));
    const box = `/wk/jobs/${id}`;
    await mkdir(hostJob, { recursive: true });
    try {
      await copyFile(req.inputPath, path.join(hostJob, `in.${req.inputExt}`));
      const out = req.op === 'pdf' ? 'out.pdf' : 'out.docx';
      const reply = await new Promise<BridgeReply>((resolve, reject) => {
        if (this.exited || !this.process?.stdin) {
          reject(new ChildFailure('crashed', 'LibreOffice is not running'));
          return;
        }
        this.pending = { id, resolve, reject };
        const msg =
          req.op === 'pdf'
            ? { id, op: 'pdf', input: `${box}/in.${req.inputExt}`, output: `${box}/${out}`, kind: req.inputExt, maxPages: req.maxPages ?? 0 }
            : {
                id,
                op: 'convert',
                input: `${box}/in.${req.inputExt}`,
                output: `${box}/${out}`,
                marker: req.marker,
                ...(req.pdf ? { pdf: `${box}/out.pdf`, kind: req.inputExt, maxPages: req.pdf.maxPages ?? 0 } : {}),
              };
        this.process.stdin.write(`${JSON.stringify(msg)}\n`);
      });
      if (reply.ok) {
        // soffice can report success without writing anything: check the output exists.
        const st = await stat(path.join(hostJob, out)).catch(() => null);
        if (!st || st.size === 0) return { ok: false, error: 'no_output', detail: 'LibreOffice wrote no output' };
        await rename(path.join(hostJob, out), path.join(req.outDir, out));
        if (req.op !== 'pdf' && req.pdf) await rename(path.join(hostJob, 'out.pdf'), path.join(req.outDir, 'out.pdf')).catch(() => undefined);
      }
      return reply;
    } finally {
      await rm(hostJob, { recursive: true, force: true });
    }
  }

  kill(): void {
    if (this.exited || !this.process?.pid) return;
    try {
      process.kill(-this.process.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }

  async shutdown(): Promise<void> {
    if (this.exited || !this.process) return;
    const proc = this.process;
    proc.stdin?.write(`${JSON.stringify({ op: 'quit' })}\n`);
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.kill();
        resolve();
      }, 5000);
      proc.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Resident memory of everything in this sandbox (Linux /proc), for the benchmark. */
  rssBytes(): number {
    return this.process?.pid ? groupRss(this.process.pid) : 0;
  }
}

/** Sum of RSS over a process and all its descendants. */
export function groupRss(rootPid: number): number {
  const out = spawnSync('ps', ['-e', '-o', 'pid=,ppid=,rss='], { encoding: 'utf8' });
  if (out.status !== 0) return 0;
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const line of out.stdout.split('\n')) {
    const [pid, ppid, kb] = line.trim().split(/\s+/u).map(Number);
    if (!pid || ppid === undefined || kb === undefined) continue;
    rss.set(pid, kb * 1024);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  let total = 0;
  const stack = [rootPid];
  while (stack.length) {
    const p = stack.pop()!;
    total += rss.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total;
}

export class LibreOfficePool {
  private readonly pool: Pool<BridgeRequest, BridgeReply>;
  private readonly live = new Set<Instance>();
  private slot = 0;

  constructor(private readonly opts: LibreOfficeOptions) {
    this.pool = new Pool<BridgeRequest, BridgeReply>(
      'libreoffice',
      opts.instances,
      async () => {
        // Profiles are kept per slot: creating one costs seconds, reusing it is fast.
        const dir = path.join(opts.workDir, `lo-${this.slot++ % opts.instances}`);
        const inst = new Instance(dir, opts.log);
        const t0 = Date.now();
        await inst.start(opts.sofficePath, 90_000);
        opts.log.info({ ms: Date.now() - t0, dir }, 'LibreOffice started (sandboxed, UNO bridge)');
        this.live.add(inst);
        inst.process?.once('exit', () => this.live.delete(inst));
        return inst;
      },
      (c) => c.jobsDone >= opts.maxJobsPerInstance,
      opts.log,
    );
  }

  /** Runs one conversion; rejects with ChildFailure on timeout or crash (the instance is replaced). */
  run<R extends BridgeRequest>(req: R): Promise<ReplyFor<R>> {
    return this.pool.run(req, this.opts.timeoutMs) as Promise<ReplyFor<R>>;
  }

  rssBytes(): number {
    let total = 0;
    for (const i of this.live) total += i.rssBytes();
    return total;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
