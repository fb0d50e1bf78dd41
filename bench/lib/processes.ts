// Child processes for benchmarks: the Wenku server, nginx, and simple baselines, each on a
// free loopback port, with their peak memory read from /proc.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function waitForHttp(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Peak and current resident memory of a process, in MiB (Linux /proc). */
export function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(status.match(new RegExp(`${key}:\\s+(\\d+)`))?.[1] ?? 0);
  return { rssMiB: kb('VmRSS') / 1024, peakMiB: kb('VmHWM') / 1024 };
}

export interface Running {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

function stopper(child: ChildProcess) {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    });
}

/** The real Wenku server (src/server.ts) with its own DATA_DIR. */
/** `ownPublicUrl`: PUBLIC_URL set to the server's own address, as a deployment sets it (absolute canonical links). */
export async function startWenku(env: Record<string, string> = {}, options: { ownPublicUrl?: boolean } = {}): Promise<Running & { dataDir: string }> {
  // A caller that needs the address beforehand (PUBLIC_URL) picks the port itself.
  const port = env.PORT ? Number(env.PORT) : await freePort();
  // It runs with NODE_ENV=production, which does not start without PUBLIC_URL: its own address unless given.
  if (options.ownPublicUrl || !env.PUBLIC_URL) env = { PUBLIC_URL: `http://127.0.0.1:${port}`, ...env };
  const dataDir = env.DATA_DIR ?? mkdtempSync(path.join(tmpdir(), 'wenku-bench-'));
  // WENKU_NODE_ARGS: extra node flags for the server only, e.g. --cpu-prof when profiling a bench.
  const nodeArgs = process.env.WENKU_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', path.join(ROOT, 'src/server.ts')], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', RATE_LIMIT_SCALE: '0', PORT: String(port), DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/readyz`, 120_000);
  return { url, port, pid: child.pid!, child, dataDir, stop: stopper(child) };
}

/** A node script from bench/baselines with PORT set. */
export async function startNodeBaseline(script: string, env: Record<string, string> = {}): Promise<Running> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/baselines', script)], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/ready`, 30_000);
  return { url, port, pid: child.pid!, child, stop: stopper(child) };
}

/**
 * nginx (Debian package) with a generated config: either a static root, or our front-end config
 * (deploy/nginx.conf) proxying to `upstream` (or balancing over `upstreams`) and serving X-Accel-Redirect downloads from `blobRoot`
 * (the app's DATA_DIR/blobs).
 */
export async function startNginx(options: { staticRoot?: string; upstream?: string; upstreams?: string[]; blobRoot?: string }): Promise<Running> {
  const port = await freePort();
  const prefix = mkdtempSync(path.join(tmpdir(), 'wenku-nginx-'));
  mkdirSync(path.join(prefix, 'logs'), { recursive: true });
  mkdirSync(path.join(prefix, 'cache'), { recursive: true });
  // nginx's workers run as an unprivileged user: they must be able to read and cache here.
  chmodSync(prefix, 0o755);
  chmodSync(path.join(prefix, 'cache'), 0o777);
  for (const dir of [options.staticRoot, options.blobRoot]) if (dir) openToWorkers(dir);
  const pid = path.join(prefix, 'nginx.pid');
  // One worker, like the one Node process it is compared with.
  const head = `worker_processes 1;\npid ${pid};\nerror_log stderr error;`;
  const ready = `location = /ready { return 200 'ok'; }`;
  let conf: string;
  const upstreams = options.upstreams ?? (options.upstream ? [options.upstream] : []);
  if (upstreams.length) {
    // The front-end config that docker-compose ships, pointed at this run's app and port.
    conf = readFileSync(path.join(ROOT, 'deploy/nginx.conf'), 'utf8')
      .replace('worker_processes auto;', head)
      .replace('server app:3000;', upstreams.map((u) => `server ${u};`).join(' '))
      .replace('listen 80;', `listen 127.0.0.1:${port};\n    ${ready}`)
      .replace('/var/cache/nginx/wenku', path.join(prefix, 'cache'))
      .replace('alias /data/blobs/;', `alias ${path.resolve(options.blobRoot ?? '/nonexistent')}/;`)
      .replace('sendfile on;', 'sendfile on;\n  access_log off;');
  } else {
    conf = `${head}
events { worker_connections 4096; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:${port};
    root ${options.staticRoot};
    ${ready}
  }
}
`;
  }
  const confPath = path.join(prefix, 'nginx.conf');
  writeFileSync(confPath, conf);
  const child = spawn('/usr/sbin/nginx', ['-p', prefix, '-c', confPath, '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/ready`, 15_000);
  return { url, port, pid: child.pid!, child, stop: stopper(child) };
}

/** Lets nginx's unprivileged workers read `dir`: a+rX on it, its contents and its parents. */
function openToWorkers(dir: string): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  for (let parent = path.dirname(path.resolve(dir)); parent !== path.dirname(parent); parent = path.dirname(parent)) {
    execFileSync('chmod', ['a+x', parent]);
  }
}
