// Download throughput of a 20 MB file through signed links (/dl/:token on the real server),
// at 1 and 50 concurrent downloads, against nginx (Debian package) serving the same file from
// disk, in the same run: Node streaming the file itself, and the shipped set-up where the app
// checks each request and the nginx front end sends the file (X-Accel-Redirect); plus each Node
// process's memory before and after. Needs a real
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
const SECONDS = SMOKE ? 2 : 5;
const ROUNDS = SMOKE ? 1 : 3;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
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

/** A Wenku server holding the file as a free document, and `count` signed links to it (its own secret). */
async function serveFile(databaseUrl: string, file: string, sha256: string, count: number, env: Record<string, string> = {}) {
  const app = await startWenku({ DATABASE_URL: databaseUrl, DOWNLOAD_LINK_TTL: '1h', RUN_WORKER: 'false', ...env });
  const { token, userId } = await registerBenchUser(app.url, 'dl');
  const blobKey = `benchdl${randomBytes(6).toString('hex')}`;
  const copy = path.join(path.dirname(file), `copy-${blobKey}`);
  copyFileSync(file, copy);
  await new LocalBlobStore(path.join(app.dataDir, 'blobs')).putFile(blobKey, copy);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const { rows } = await client.query<{ id: number }>(
    `INSERT INTO documents (uploader_id, title, price_cents, format, size_bytes, sha256, blob_key, original_filename, status)
     VALUES ($1, '压测大文件', 0, 'DOCX', $2, $3, $4, '压测大文件.docx', 'ready') RETURNING id`,
    [userId, SIZE, sha256, blobKey],
  );
  await client.end();
  const docId = rows[0]!.id;
  const links: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${app.url}/api/v1/documents/${docId}/download-link`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ confirm: true }),
    });
    if (res.status !== 200) throw new Error(`download-link: ${res.status} ${await res.text()}`);
    links.push(((await res.json()) as { url: string }).url);
  }
  return { app, docId, links };
}

/** Byte for byte, before measuring anything. */
async function checkBytes(url: string, sha256: string) {
  const check = createHash('sha256');
  await download(url, check);
  if (check.digest('hex') !== sha256) throw new Error(`${url}: downloaded bytes differ from the file`);
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

  const count = Math.max(...CONCURRENCY);
  // Node streaming the file itself (no front end), and the shipped set-up: nginx in front, the
  // app checking each link and handing the file to nginx (DOWNLOAD_ACCEL_PREFIX).
  const direct = await serveFile(databaseUrl, file, sha256, count);
  const offloaded = await serveFile(databaseUrl, file, sha256, count, { DOWNLOAD_ACCEL_PREFIX: '/_files/' });
  const front = await startNginx({ upstream: `127.0.0.1:${offloaded.app.port}`, blobRoot: path.join(offloaded.app.dataDir, 'blobs') });
  const nginx = await startNginx({ staticRoot: work });
  try {
    const directLinks = direct.links.map((l) => `${direct.app.url}${l}`);
    const frontLinks = offloaded.links.map((l) => `${front.url}${l}`);
    await checkBytes(directLinks[0]!, sha256);
    await checkBytes(frontLinks[0]!, sha256);

    const before = { direct: memoryOf(direct.app.pid), offloaded: memoryOf(offloaded.app.pid) };
    const rows: BenchRow[] = [];
    for (const clients of CONCURRENCY) {
      // Rounds alternate the three servers and each figure is the median of its rounds, so a
      // burst of noise on this shared machine does not land on one of them only.
      const runs = { theirs: [] as number[], ours: [] as number[], viaFront: [] as number[] };
      for (let round = 0; round < ROUNDS; round++) {
        runs.theirs.push(await throughput([`${nginx.url}/file.docx`], clients));
        runs.ours.push(await throughput(directLinks, clients));
        runs.viaFront.push(await throughput(frontLinks, clients));
      }
      const theirs = median(runs.theirs);
      const ours = median(runs.ours);
      const viaFront = median(runs.viaFront);
      console.log(
        `${clients} concurrent: nginx ${theirs.toFixed(0)} MB/s; wenku streaming ${ours.toFixed(0)} MB/s (${(ours / theirs).toFixed(2)}×); ` +
          `wenku behind nginx (X-Accel-Redirect) ${viaFront.toFixed(0)} MB/s (${(viaFront / theirs).toFixed(2)}×)`,
      );
      const baseline = { unit: 'MB/s', baseline: theirs, baselineName: 'nginx sendfile' };
      rows.push(
        ratioRow({ bench: 'downloads', case: `20 MB, ${clients} concurrent, Node streaming (no front end)`, value: ours, ...baseline }),
        ratioRow({
          bench: 'downloads',
          case: `20 MB, ${clients} concurrent, behind the nginx front end`,
          value: viaFront,
          ...baseline,
          goal: '≥ 0.8×',
          minRatio: 0.8,
          note: 'app checks the link, nginx sends the file (X-Accel-Redirect)',
        }),
      );
    }
    for (const [name, server] of [['Node streaming', direct], ['behind nginx', offloaded]] as const) {
      const was = name === 'Node streaming' ? before.direct : before.offloaded;
      const now = memoryOf(server.app.pid);
      console.log(`wenku (${name}) RSS before ${was.rssMiB.toFixed(0)} MiB, after ${now.rssMiB.toFixed(0)} MiB, peak ${now.peakMiB.toFixed(0)} MiB (20 MiB × 50 concurrent would be 1000 MiB if buffered)`);
      rows.push({
        bench: 'downloads',
        case: `wenku RSS growth, ${name}`,
        value: now.rssMiB - was.rssMiB,
        unit: 'MiB',
        note: `before ${was.rssMiB.toFixed(0)} MiB, after ${now.rssMiB.toFixed(0)} MiB, peak ${now.peakMiB.toFixed(0)} MiB`,
      });
    }
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    for (const [name, server] of [['Node streaming', direct], ['behind nginx', offloaded]] as const) {
      const events = await client.query<{ links: number; completed: number; downloads: number }>(
        `SELECT count(*)::int AS links, count(*) FILTER (WHERE completed)::int AS completed,
                (SELECT downloads FROM documents WHERE id = $1)::int AS downloads FROM download_events WHERE document_id = $1`,
        [server.docId],
      );
      const e = events.rows[0]!;
      console.log(`${name}: download_events ${e.links} links, ${e.completed} completed; documents.downloads = ${e.downloads} (one user)`);
    }
    await client.end();
    printTable(rows);
    recordRows(rows);
  } finally {
    agent.destroy();
    await Promise.all([direct.app.stop(), offloaded.app.stop(), front.stop(), nginx.stop()]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
