// What both entry points (web server and worker) do at start and at stop.
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';
import { buildDeps } from './build-deps.js';
import { startConversions } from './documents/conversion.worker.js';

/** Settings, or exit 78 (EX_CONFIG) with the message naming each bad setting. */
export function loadConfigOrExit(): Config {
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

/**
 * On SIGTERM or SIGINT, runs `stop` once (draining work, closing the database) and exits 0;
 * exits 1 if it takes longer than `timeoutMs`.
 */
export function exitGracefully(log: Logger, timeoutMs: number, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
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
export async function startBackground(config: Config, log: Logger, options: { conversions: boolean }) {
  const deps = await buildDeps(config, log, { migrate: true, jobs: { supervise: options.conversions } });
  const conversions = options.conversions ? await startConversions(deps) : null;
  return {
    async stop(timeoutMs = 20_000) {
      await conversions?.stop(timeoutMs); // running conversions finish or go back to the queue
      await deps.close();
    },
  };
}
