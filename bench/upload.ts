// Uploads (issue 7): a 50 MB .docx through POST /api/v1/documents against a minimal Node
// server that pipes the body to disk; MB/s and the server's peak RSS for both.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { makeBigDocx } from './lib/big-docx.js';
import { freshDatabase } from './lib/database.js';
import { memoryOf, startNodeBaseline, startWenku, type Running } from './lib/processes.js';
import { printTable, recordRows, smoke, type BenchRow } from './lib/report.js';
import { registerBenchUser } from './lib/wenku-client.js';
import { createReadStream } from 'node:fs';

const SIZE = 50 * 1024 * 1024;
process.env.BENCH_DATABASE_URL ??= process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Streams one multipart upload of `file` and resolves with the status and seconds taken. */
function postMultipart(url: string, file: string, headers: Record<string, string>): Promise<{ status: number; seconds: number }> {
  const boundary = `----wenkubench${Math.random().toString(16).slice(2)}`;
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${path.basename(file)}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length = head.length + statSync(file).size + tail.length;
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { ...headers, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': length } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
    });
    req.on('error', reject);
    req.write(head);
    const body = createReadStream(file);
    body.pipe(req, { end: false });
    body.on('end', () => req.end(tail));
    body.on('error', reject);
  });
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;

export async function runUploadBench(): Promise<BenchRow[]> {
  const rounds = smoke() ? 1 : 6;
  const dir = mkdtempSync(path.join(tmpdir(), 'wenku-upload-bench-'));
  // Distinct files (one uploader may not upload the same file twice); one more for the warm-up.
  const files = Array.from({ length: rounds + 1 }, (_, i) => {
    const f = path.join(dir, `big-${i}.docx`);
    makeBigDocx(f, SIZE, i);
    return f;
  });
  const databaseUrl = await freshDatabase('wenku_bench_upload');
  const started: Running[] = [];
  try {
    // Conversion is not what is measured here: the worker is off.
    const wenku = await startWenku({ RUN_WORKER: 'false', MAX_UPLOAD_BYTES: String(SIZE + 1024 * 1024), ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
    started.push(wenku);
    const base = await startNodeBaseline('pipe-to-disk.ts');
    started.push(base);
    const { token } = await registerBenchUser(wenku.url);
    const upload = async (file: string) => {
      const res = await postMultipart(`${wenku.url}/api/v1/documents`, file, { authorization: `Bearer ${token}` });
      if (res.status !== 202) throw new Error(`upload answered ${res.status}`);
      return res.seconds;
    };
    // One upload each first (not counted): JIT warm-up and first-use allocations, so the RSS
    // growth below is what repeated uploads add.
    await upload(files[rounds]!);
    await postMultipart(`${base.url}/upload`, files[rounds]!, {});
    const rssBefore = memoryOf(wenku.pid).rssMiB;
    const baseRssBefore = memoryOf(base.pid).rssMiB;

    // Alternating, and each side's median round, so noise on this shared machine hits both.
    const ours: number[] = [];
    const theirs: number[] = [];
    for (const file of files.slice(0, rounds)) {
      ours.push(SIZE / 1e6 / (await upload(file)));
      theirs.push(SIZE / 1e6 / (await postMultipart(`${base.url}/upload`, file, {})).seconds);
    }
    const oursMem = memoryOf(wenku.pid);
    const baseMem = memoryOf(base.pid);
    const growth = oursMem.rssMiB - rssBefore;
    // The ratio is the median of each round's ratio (the two uploads of a round ran back to back).
    const ratio = median(ours.map((o, i) => o / theirs[i]!));
    return [
      {
        bench: 'upload',
        case: `50 MB .docx, MB/s (median of ${rounds} paired rounds)`,
        value: median(ours),
        unit: 'MB/s',
        baselineName: 'Node pipe to disk',
        baseline: median(theirs),
        ratio,
        goal: '≥ 0.8×',
        met: ratio >= 0.8,
      },
      {
        bench: 'upload',
        case: `server RSS growth over ${rounds} uploads after a warm-up`,
        value: growth,
        unit: 'MiB',
        note: `peak ${oursMem.peakMiB.toFixed(0)} MiB; baseline growth ${(baseMem.rssMiB - baseRssBefore).toFixed(1)} MiB, peak ${baseMem.peakMiB.toFixed(0)} MiB`,
        goal: 'flat (< 50 MiB)',
        met: growth < 50,
      },
    ];
  } finally {
    for (const p of started.reverse()) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runUploadBench();
  printTable(rows);
  recordRows(rows);
}
