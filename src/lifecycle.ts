// What both entry points (web server and worker) do at start and at stop.
import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Settings } from './config.js';
import { buildDeps } from './build-deps.js';
import { startConversions } from './documents/conversion.worker.js';

/** Settings, or exit 78 (EX_CONFIG) with the message naming each bad setting. */
export function loadConfigOrExit(): Settings {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(78);
    }
    throw err;
  }
}

/** How long a stopping process may take (draining, closing) before it is made to exit. */
export const SHUTDOWN_DEADLINE_MS = 20_000;

/** How long past the deadline the outside watchdog waits before it kills the process. */
const WATCHDOG_GRACE_MS = 2_000;

/**
 * A deadline that holds whatever this process does: a child `sh` that kills it with SIGKILL when
 * `ms` have passed, unless this process is gone first (its stdin, a pipe from us, then closes).
 * The in-process timer below cannot help when the main thread is stuck (a synchronous write, a
 * thread-pool call process.exit waits for); this runs outside it. Never a reused pid: while we
 * hold the pipe open we are alive, and the kill is sent only then.
 */
export function startShutdownWatchdog(ms: number, pid = process.pid): void {
  const child = spawn('sh', ['-c', 'timeout "$0" cat >/dev/null; [ "$?" = 124 ] && kill -KILL "$1"', String(Math.ceil(ms / 1000)), String(pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  child.on('error', () => undefined); // no sh here: the in-process timer still holds
  child.unref();
  (child.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null)?.unref?.();
}

/**
 * On SIGTERM or SIGINT, runs `stop` once (draining work, closing the database) and exits 0;
 * exits 1 if it takes longer than `timeoutMs`, and is killed by the watchdog if even that exit hangs.
 */
export function exitGracefully(log: Logger, timeoutMs: number, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    startShutdownWatchdog(timeoutMs + WATCHDOG_GRACE_MS);
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), timeoutMs).unref();
    try {
      await stop();
    } catch (err) {
      log.error({ err }, 'error while shutting down');
    } finally {
      clearTimeout(force);
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/**
 * A process that is not (only) a web server: the database, migrated; the job queue; and, when
 * `conversions`, the conversion worker with the queue's maintenance. `stop` undoes all three.
 * Used by `npm run worker` and by a WEB_CONCURRENCY cluster's primary.
 */
export async function startBackground(config: Settings, log: Logger, options: { conversions: boolean }) {
  const deps = await buildDeps(config, log, { migrate: true, jobs: { supervise: options.conversions } });
  const conversions = options.conversions ? await startConversions(deps) : null;
  return {
    async stop(timeoutMs = 20_000) {
      await conversions?.stop(timeoutMs); // running conversions finish or go back to the queue
      await deps.close();
    },
  };
}
