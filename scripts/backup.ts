// `npm run backup -- DIR` and `npm run restore -- DIR` (see src/backup/backup.ts).
// Exit codes: 0 done, 1 failed (message says why), 64 usage, 69 database unavailable, 78 bad settings.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfigOrExit } from '../src/lifecycle.js';
import { createPool } from '../src/db/pool.js';
import { migrate } from '../src/db/migrator.js';
import { LocalBlobStore } from '../src/storage/local-blob-store.js';
import { BackupError, backupEmbedded, backupPostgres, restoreEmbedded, restorePostgres, restoreSecrets, type Manifest } from '../src/backup/backup.js';

const [command, target, ...rest] = process.argv.slice(2);
if ((command !== 'backup' && command !== 'restore') || !target || rest.length) {
  console.error('usage: npm run backup -- DIR   (DIR must be new or empty)\n       npm run restore -- DIR  (into an empty database and DATA_DIR)');
  process.exit(64);
}
const config = loadConfigOrExit();
const dir = path.resolve(target);
const blobRoot = path.join(config.dataDir, 'blobs');
const blobs = new LocalBlobStore(blobRoot);
const pgdata = path.join(config.dataDir, 'pgdata');
const secretsFile = path.join(config.dataDir, 'secrets.json');

async function run(): Promise<Manifest> {
  if (config.databaseUrl) {
    const pool = createPool(config.databaseUrl, { statementTimeoutMs: 0 });
    try {
      await pool.query('SELECT 1').catch((err: Error) => {
        console.error(`Cannot reach the database: ${err.message}`);
        process.exit(69);
      });
      if (command === 'backup') return await backupPostgres(pool, config.databaseUrl, blobs, dir, { secretsFile });
      const manifest = await restorePostgres(pool, config.databaseUrl, blobs, blobRoot, dir);
      await restoreSecrets(dir, manifest, config.dataDir);
      await migrate(pool); // a backup from an older version gets this version's schema
      return manifest;
    } finally {
      await pool.end();
    }
  }
  // The embedded database belongs to one process: a running server holds it (postmaster.pid).
  if (existsSync(path.join(pgdata, 'postmaster.pid'))) {
    console.error(`The embedded database in ${pgdata} is open in a running server: stop it first.`);
    process.exit(69);
  }
  if (command === 'restore') {
    const manifest = await restoreEmbedded(pgdata, blobs, blobRoot, dir);
    await restoreSecrets(dir, manifest, config.dataDir);
    return manifest;
  }
  if (!existsSync(pgdata)) throw new BackupError(`no embedded database in ${pgdata}`);
  const { PGlite } = await import('@electric-sql/pglite');
  const { embeddedExtensions } = await import('../src/db/pool.js');
  const lite = await PGlite.create(pgdata, { extensions: await embeddedExtensions() });
  try {
    return await backupEmbedded(lite, blobs, dir, { secretsFile });
  } finally {
    await lite.close();
  }
}

try {
  const m = await run();
  const bytes = m.blobs.reduce((s, b) => s + b.bytes, 0);
  console.log(`${command === 'backup' ? 'backed up to' : 'restored from'} ${dir}: ${m.database.kind} database (${m.database.bytes} bytes), ${m.blobs.length} files (${bytes} bytes)`);
  process.exit(0);
} catch (err) {
  console.error(err instanceof BackupError ? err.message : `${command} failed: ${(err as Error).message}`);
  process.exit(1);
}
