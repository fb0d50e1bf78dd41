// What both entry points (web server and worker) do at start and at stop.
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config.js';

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
