// A Postgres server of the test's own (initdb into a temporary folder, on a free loopback port), for
// fault tests that stop and restart it. The shared server on 5432 is never touched: other test
// runs use it at the same time. Debian's binaries (/usr/lib/postgresql/N/bin); initdb refuses to
// run as root, so as root the cluster belongs to the `postgres` system user.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../bench/lib/processes.js';

export interface OwnPostgres {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  url: string;
  port: number;
  stop(mode?: 'fast' | 'immediate'): void;
  start(): void;
  /** Stops the server and removes its folder. */
  destroy(): void;
}

/** The bin folder of the newest installed Postgres, or null. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin/initdb')) && existsSync(path.join(root, v, 'bin/pg_ctl')));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : null;
}

/** Why this machine cannot start its own Postgres, or null when it can. */
export function ownPostgresProblem(): string | null {
  if (!postgresBinDir()) return 'no Postgres server binaries (/usr/lib/postgresql/*/bin/initdb, pg_ctl): install the postgresql package';
  if (process.getuid?.() === 0) {
    try {
      execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    } catch {
      return 'running as root and there is no `postgres` user to own a test cluster';
    }
  }
  return null;
}

export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = postgresBinDir()!;
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(tmpdir(), 'wenku-pg-'));
  if (asRoot) execFileSync('chown', ['-R', 'postgres:', dir]);
  const run = (tool: string, args: string[], timeout = 60_000) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', path.join(bin, tool), ...args], { stdio: 'pipe', timeout })
      : execFileSync(path.join(bin, tool), args, { stdio: 'pipe', timeout });
  const data = path.join(dir, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--locale=C.UTF-8']);
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=60`;
  const pgCtl = (...args: string[]) => run('pg_ctl', ['-D', data, '-l', path.join(dir, 'log'), ...args]);
  const start = () => void pgCtl('-o', options, '-w', '-t', '60', 'start');
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    start,
    stop: (mode = 'fast') => void pgCtl('-m', mode, '-w', '-t', '60', 'stop'),
    destroy() {
      try {
        pgCtl('-m', 'immediate', 'stop');
      } catch {
        /* already stopped */
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
