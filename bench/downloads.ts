// Download throughput of a 20 MB file through signed links (/dl/:token on the real server),
// at 1 and 50 concurrent downloads, against nginx (Debian package) serving the same file from
// disk, in the same run; plus the Node process's memory before and after. Needs a real
// Postgres (BENCH_DATABASE_URL / DATABASE_URL, else 127.0.0.1:5432) to place the document row.
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, createWriteStream, mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { LocalBlobStore } from '../src/storage/local-blob-store.js';
import { freshDatabase } from './lib/database.js';
import { memoryOf, startNginx, startWenku } from './lib/processes.js';
import { printTable, ratioRow, recordRows, type BenchRow } from './lib/report.js';
import { registerBenchUser } from './lib/wenku-client.js';

const SMOKE = process.argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';
const SECONDS = SMOKE ? 3 : 10;
const SIZE = 20 * 1024 * 1024;
const CONCURRENCY = [1, 50];
process.env.BENCH_DATABASE_URL ??= process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function writeRandomFile(file: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(file);
  for (let left = size; left > 0; left -= 1 << 20) {
    const chunk = randomBytes(Math.min(left, 1 << 20));
    hash.update(chunk);
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
  return hash.digest('hex');
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

/** GETs the URL, counting (and optionally hashing) the body; resolves with the byte count. */
function download(url: string, hash?: ReturnType<typeof createHash>): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`${url} → ${res.statusCode}`));
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          hash?.update(c);
        });
        res.on('end', () => resolve(bytes));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** `clients` loops downloading whole files until the deadline; MB/s over completed bytes. */
async function throughput(urls: string[], clients: number): Promise<number> {
  const started = Date.now();
  const deadline = started + SECONDS * 1000;
  let bytes = 0;
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      while (Date.now() < deadline) {
        const n = await download(urls[i % urls.length]!);
        bytes += n; // not `bytes += await …`, which would read `bytes` before the await
      }
    }),
  );
  return bytes / 1e6 / ((Date.now() - started) / 1000);
}

async function main() {
  const databaseUrl = await freshDatabase('wenku_bench_downloads');
  if (!databaseUrl) throw new Error('bench/downloads.ts needs a Postgres server');
  const work = mkdtempSync(path.join(tmpdir(), 'wenku-bench-dl-'));
  const file = path.join(work, 'file.docx');
  const sha256 = await writeRandomFile(file, SIZE);
  // nginx's worker runs as an unprivileged user when started as root.
  chmodSync(work, 0o755);
  chmodSync(file, 0o644);

  const app = await startWenku({ DATABASE_URL: databaseUrl, DOWNLOAD_LINK_TTL: '1h', RUN_WORKER: 'false' });
  const nginx = await startNginx({ staticRoot: work });
  try {
    const { token, userId } = await registerBenchUser(app.url, 'dl');
    const blobKey = `benchdl${randomBytes(6).toString('hex')}`;
    const copy = path.join(work, 'copy');
    copyFileSync(file, copy);
    await new LocalBlobStore(path.join(app.dataDir, 'blobs')).putFile(blobKey, copy);
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO documents (uploader_id, title, price_cents, format, size_bytes, sha256, blob_key, original_filename, status)
       VALUES ($1, '压测大文件', 0, 'DOCX', $2, $3, $4, '压测大文件.docx', 'ready') RETURNING id`,
      [userId, SIZE, sha256, blobKey],
    );
    const docId = rows[0]!.id;
    const links: string[] = [];
    for (let i = 0; i < Math.max(...CONCURRENCY); i++) {
      const res = await fetch(`${app.url}/api/v1/documents/${docId}/download-link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ confirm: true }),
      });
      if (res.status !== 200) throw new Error(`download-link: ${res.status} ${await res.text()}`);
      links.push(`${app.url}${((await res.json()) as { url: string }).url}`);
    }
    // Byte for byte, before measuring anything.
    const check = createHash('sha256');
    await download(links[0]!, check);
    if (check.digest('hex') !== sha256) throw new Error('downloaded bytes differ from the file');

    const before = memoryOf(app.pid);
    const rows2: BenchRow[] = [];
    for (const clients of CONCURRENCY) {
      const ours = await throughput(links, clients);
      const theirs = await throughput([`${nginx.url}/file.docx`], clients);
      const mem = memoryOf(app.pid);
      console.log(`${clients} concurrent: wenku ${ours.toFixed(0)} MB/s, nginx ${theirs.toFixed(0)} MB/s → ${(ours / theirs).toFixed(2)}×; wenku RSS ${mem.rssMiB.toFixed(0)} MiB (peak ${mem.peakMiB.toFixed(0)})`);
      rows2.push(ratioRow({ bench: 'downloads', case: `20 MB, ${clients} concurrent`, value: ours, unit: 'MB/s', baseline: theirs, baselineName: 'nginx sendfile' }));
    }
    const after = memoryOf(app.pid);
    console.log(`wenku RSS before ${before.rssMiB.toFixed(0)} MiB, after ${after.rssMiB.toFixed(0)} MiB, peak ${after.peakMiB.toFixed(0)} MiB (file 20 MiB × 50 concurrent would be 1000 MiB if buffered)`);
    rows2.push({ bench: 'downloads', case: 'wenku RSS before → after', value: after.rssMiB, unit: 'MiB', note: `before ${before.rssMiB.toFixed(0)} MiB, peak ${after.peakMiB.toFixed(0)} MiB` });
    const events = await client.query<{ links: number; completed: number; downloads: number }>(
      `SELECT count(*)::int AS links, count(*) FILTER (WHERE completed)::int AS completed,
              (SELECT downloads FROM documents WHERE id = $1)::int AS downloads FROM download_events WHERE document_id = $1`,
      [docId],
    );
    console.log(`download_events: ${events.rows[0]!.links} links, ${events.rows[0]!.completed} completed; documents.downloads = ${events.rows[0]!.downloads} (one user)`);
    await client.end();
    printTable(rows2);
    recordRows(rows2);
  } finally {
    agent.destroy();
    await app.stop();
    await nginx.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
