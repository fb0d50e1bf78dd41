// A real S3 protocol server for tests (s3rver), in a child process on a random loopback port
// with its files in a temporary directory; `stop` ends it and removes the directory.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface TestS3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A fresh bucket name (created by the store's ready({ create: true }) or by the app at start). */
  newBucket(): string;
  /** The settings that point the app at this server and `bucket`. */
  env(bucket: string): Record<string, string>;
  stop(): Promise<void>;
}

// s3rver accepts its default credentials.
const ACCESS_KEY = 'S3RVER';
const SCRIPT = fileURLToPath(new URL('./s3rver-process.mjs', import.meta.url));

export async function startS3Server(): Promise<TestS3Server> {
  const directory = mkdtempSync(path.join(tmpdir(), 'wenku-s3-'));
  const child = spawn(process.execPath, ['--openssl-legacy-provider', SCRIPT, directory], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code} before listening`)));
    setTimeout(() => reject(new Error('s3rver did not start within 20 s')), 20_000).unref();
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    accessKeyId: ACCESS_KEY,
    secretAccessKey: ACCESS_KEY,
    newBucket: () => `wenku-${randomBytes(5).toString('hex')}`,
    env: (bucket) => ({
      BLOB_STORE: 's3',
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: ACCESS_KEY,
      S3_SECRET_ACCESS_KEY: ACCESS_KEY,
      S3_FORCE_PATH_STYLE: 'true',
    }),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
