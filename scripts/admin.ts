// `npm run admin -- grant EMAIL`: operator commands on accounts (see src/auth/admin.command.ts).
// Exit codes: 0 done, 1 no such account, 64 usage, 69 database unavailable, 78 bad settings.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfigOrExit } from '../src/lifecycle.js';
import { openDatabase } from '../src/db/pool.js';
import { migrate } from '../src/db/migrator.js';
import { EXIT, runAdminCommand } from '../src/auth/admin.command.js';

const config = loadConfigOrExit();
// The embedded database belongs to one process: a running server holds it (postmaster.pid).
const pidFile = path.join(config.dataDir, 'pgdata', 'postmaster.pid');
if (!config.databaseUrl && existsSync(pidFile)) {
  console.error(`The embedded database in ${path.dirname(pidFile)} is open in a running server. Stop it first (or, if none runs, delete ${pidFile}).`);
  process.exit(EXIT.unavailable);
}

let db;
try {
  db = await openDatabase(config);
  await migrate(db.pool);
} catch (err) {
  console.error(`Cannot reach the database: ${(err as Error).message}`);
  process.exit(EXIT.unavailable);
}
let code: number = EXIT.failed;
try {
  code = await runAdminCommand(process.argv.slice(2), db, { out: (l) => console.log(l), err: (l) => console.error(l) });
} catch (err) {
  console.error(`Failed: ${(err as Error).message}`);
} finally {
  await db.close();
}
process.exit(code);
