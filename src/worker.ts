// Entry point of `npm run worker`: only the conversion worker, for running conversions on other
// processes or machines than the web server (start the web server with RUN_WORKER=0 then).
import { exitGracefully, loadConfigOrExit, startBackground } from './lifecycle.js';
import { createLogger } from './logger.js';

async function main() {
  const config = loadConfigOrExit();
  const log = createLogger(config.logLevel).child({ process: 'worker' });
  if (!config.databaseUrl) {
    // The embedded database belongs to one process; there the worker runs inside `npm start`.
    console.error('npm run worker needs DATABASE_URL (a Postgres server). With the embedded database, `npm start` runs the worker itself.');
    process.exit(78);
  }
  const background = await startBackground(config, log, { conversions: true });
  exitGracefully(log, 30_000, () => background.stop(20_000));
}

main().catch((err) => {
  console.error('Wenku worker failed to start:', err);
  process.exit(1);
});
