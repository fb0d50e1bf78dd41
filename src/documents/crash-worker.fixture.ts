// Test fixture (run as its own process by conversion.test.ts): a real worker process that the
// test kills with SIGKILL. It registers its heartbeat, leaves a partial upload in DATA_DIR/tmp
// named by its owner (as an upload in flight would be), and with mode `convert` runs a
// conversion worker whose converter never finishes.
// Usage: node --import tsx crash-worker.fixture.ts <connectionString> <dataDir> <leaseSeconds> <convert|idle>
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { pino } from 'pino';
import { parseConfig, type Config } from '../config.js';
import { createPool, type Database } from '../db/pool.js';
import { systemClock } from '../deps.js';
import type { Converter } from '../conversion/index.js';
import { ownedName } from '../jobs/liveness.js';
import { JobQueue } from '../jobs/queue.js';
import { LocalBlobStore } from '../storage/local-blob-store.js';
import { startConversionWorker } from './conversion.worker.js';
import { uploadTempDir } from './upload-storage.js';

const [connectionString, dataDir, leaseSeconds, mode = 'convert'] = process.argv.slice(2);
if (!connectionString || !dataDir || !leaseSeconds) throw new Error('usage: <connectionString> <dataDir> <leaseSeconds> <convert|idle>');

const parsed = parseConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
const config: Config = { ...parsed, jwtSecret: 'unused-in-the-worker', paymentWebhookSecret: 'unused-in-the-worker' };
const pool = createPool(connectionString, { max: 2 });
const db: Database = { pool, connectionString, kind: 'postgres', close: () => pool.end() };
const log = pino({ level: 'silent' });
const jobs = new JobQueue(pool, log, { leaseSeconds: Number(leaseSeconds), pollingIntervalSeconds: 0.5 });
await jobs.start(); // the heartbeat row: from now on this process counts as alive

// An upload in flight: half written, the stream still open.
const tmp = uploadTempDir(config);
await mkdir(tmp, { recursive: true });
const partial = path.join(tmp, ownedName('upload', jobs.identity));
const stream = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
// On disk before the test hears of it (a kill before the open would leave nothing to sweep).
await new Promise<void>((resolve, reject) => stream.write(Buffer.alloc(64 * 1024, 1), (err) => (err ? reject(err) : resolve())));
process.stdout.write(`partial ${partial}\n`);

if (mode === 'convert') {
  const hanging: Converter = {
    convert: () => {
      process.stdout.write('converting\n');
      return new Promise(() => {}); // a LibreOffice that never answers
    },
    close: async () => {},
  };
  await startConversionWorker(
    { config, db, log, jobs, clock: systemClock, blobs: new LocalBlobStore(path.join(dataDir, 'blobs')) },
    { converter: hanging, concurrency: 1 },
  );
}
process.stdout.write('started\n');
