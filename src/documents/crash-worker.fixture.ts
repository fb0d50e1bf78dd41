// Test fixture (run as its own process by conversion.test.ts): a real conversion worker whose
// converter never finishes, so the test can kill the process with SIGKILL mid-conversion and
// check that another worker takes the job over once the lease runs out.
// Usage: node --import tsx crash-worker.fixture.ts <connectionString> <dataDir> <leaseSeconds>
import path from 'node:path';
import { pino } from 'pino';
import { parseConfig, type Config } from '../config.js';
import { createPool, type Database } from '../db/pool.js';
import { systemClock } from '../deps.js';
import type { Converter } from '../conversion/index.js';
import { JobQueue } from '../jobs/queue.js';
import { LocalBlobStore } from '../storage/local-blob-store.js';
import { startConversionWorker } from './conversion.worker.js';

const [connectionString, dataDir, leaseSeconds] = process.argv.slice(2);
if (!connectionString || !dataDir || !leaseSeconds) throw new Error('usage: <connectionString> <dataDir> <leaseSeconds>');

const parsed = parseConfig({ NODE_ENV: 'test', DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
const config: Config = { ...parsed, jwtSecret: 'unused-in-the-worker', paymentWebhookSecret: 'unused-in-the-worker' };
const pool = createPool(connectionString, { max: 2 });
const db: Database = { pool, connectionString, kind: 'postgres', close: () => pool.end() };
const log = pino({ level: 'silent' });
const jobs = new JobQueue(pool, log, { leaseSeconds: Number(leaseSeconds), pollingIntervalSeconds: 0.5 });
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
process.stdout.write('started\n');
