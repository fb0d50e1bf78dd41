// `npm run migrate`: apply pending migrations to the configured database and exit.
import { loadConfigOrExit } from './lifecycle.js';
import { buildDeps } from './build-deps.js';
import { createLogger } from './logger.js';

const config = loadConfigOrExit();
const log = createLogger(config.logLevel);
try {
  const deps = await buildDeps(config, log, { migrate: true });
  await deps.close();
} catch (err) {
  console.error('Wenku migrations failed:', err);
  process.exit(1);
}
