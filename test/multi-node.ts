// Process management for the multi-node test: conversion workers as separate processes (each in
// its own process group, so killing one also ends its LibreOffice children), and the shared
// settings every node of one deployment gets. Web nodes and nginx come from bench/lib/processes.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { ROOT } from '../bench/lib/processes.js';

export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  dataDir: string;
  /** SIGKILL to the whole process group: the worker dies mid-work, as on a crash. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode ? resolve() : child.once('exit', () => resolve())));

/** `npm run worker` (src/worker.ts) with its own DATA_DIR; resolves once its heartbeat row is in the database. */
export async function startWorker(env: Record<string, string>, db: pg.Pool, timeoutMs = 90_000): Promise<WorkerProcess> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'wenku-worker-'));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/worker.ts')], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', PUBLIC_URL: 'http://127.0.0.1', LOG_LEVEL: 'warn', ...env, DATA_DIR: dataDir },
    stdio: ['ignore', 'inherit', 'inherit'],
    detached: true,
  });
  const pid = child.pid!;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode} before it was ready`);
    const { rows } = await db.query('SELECT 1 FROM worker_processes WHERE pid = $1 AND slots > 0', [pid]).catch(() => ({ rows: [] }));
    if (rows.length) break;
    if (Date.now() > deadline) throw new Error('worker did not register its heartbeat in time');
    await new Promise((r) => setTimeout(r, 200));
  }
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      /* already gone */
    }
  };
  return {
    pid,
    child,
    dataDir,
    kill: async () => {
      signalGroup('SIGKILL');
      await exited(child);
    },
    stop: async () => {
      if (child.exitCode === null && !child.signalCode) {
        signalGroup('SIGTERM');
        const timer = setTimeout(() => signalGroup('SIGKILL'), 15_000);
        await exited(child);
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
