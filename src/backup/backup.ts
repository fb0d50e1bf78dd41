// `npm run backup -- DIR` / `npm run restore -- DIR`: the database and the blob store, consistent
// with each other. On a Postgres server the dump runs inside an exported snapshot and the blob
// keys the dump references are read in that same snapshot, then the files are copied: a file is
// stored before its row commits, so every referenced file exists when the snapshot is taken;
// one deleted before it was copied fails the backup (run it again) instead of leaving a hole.
// The embedded database (PGlite 18, which Debian's pg_dump 15 refuses) is saved as its data
// directory while no server has it open. The manifest, written last, lists every file with its
// SHA-256; restore checks them all, and only restores into an empty database and blob store.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile, copyFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { promisify } from 'node:util';
import type pg from 'pg';
import type { BlobStore } from '../storage/blob-store.js';
import { inTransactionOn } from '../db/transaction.js';
import { embeddedExtensions } from '../db/pool.js';

const exec = promisify(execFile);
export const MANIFEST = 'manifest.json';

export interface Manifest {
  format: 'wenku-backup';
  version: 1;
  createdAt: string;
  database: { kind: 'postgres' | 'embedded'; file: string; bytes: number; sha256: string };
  blobs: Array<{ key: string; bytes: number; sha256: string }>;
  /** Blob keys the database rows point to (all present in `blobs`). */
  referencedBlobs: number;
  /** DATA_DIR/secrets.json (generated JWT and webhook secrets), when there was one. */
  secrets: { file: string; bytes: number; sha256: string } | null;
}

export interface BackupOptions {
  /** The generated secrets, kept so sessions, download links and the webhook survive a restore. */
  secretsFile?: string;
}

export class BackupError extends Error {}

/** Keys of every stored file a row points to. */
async function referencedBlobKeys(db: pg.ClientBase): Promise<Set<string>> {
  const { rows } = await db.query<{ key: string }>('SELECT blob_key AS key FROM documents');
  return new Set(rows.map((r) => r.key));
}

async function sha256File(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function copyBlobs(blobs: BlobStore, outDir: string, referenced: Set<string>): Promise<Manifest['blobs']> {
  const entries: Manifest['blobs'] = [];
  await mkdir(path.join(outDir, 'blobs'), { recursive: true });
  for await (const key of blobs.listKeys()) {
    const hash = createHash('sha256');
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(blobs.createReadStream(key), count, createWriteStream(path.join(outDir, 'blobs', key)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !referenced.has(key)) continue; // an orphan swept meanwhile
      throw err;
    }
    entries.push({ key, bytes, sha256: hash.digest('hex') });
  }
  const copied = new Set(entries.map((e) => e.key));
  const missing = [...referenced].filter((k) => !copied.has(k));
  if (missing.length) {
    throw new BackupError(`${missing.length} stored file(s) the database refers to are missing (${missing.slice(0, 3).join(', ')}): deleted while the backup ran, or lost; run the backup again`);
  }
  return entries;
}

async function assertEmptyDir(dir: string, what: string): Promise<void> {
  const names = existsSync(dir) ? await readdir(dir) : [];
  if (names.length) throw new BackupError(`${what} ${dir} is not empty: restore only into an empty one`);
}

/** Backup of a Postgres server: pg_dump inside an exported snapshot, then the files. */
export async function backupPostgres(pool: pg.Pool, connectionString: string, blobs: BlobStore, outDir: string, options: BackupOptions = {}): Promise<Manifest> {
  await assertEmptyDir(outDir, 'backup folder');
  await mkdir(outDir, { recursive: true });
  const client = await pool.connect();
  try {
    return await inTransactionOn(client, async (tx) => {
      await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const { rows } = await tx.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
      const dumpFile = path.join(outDir, 'database.dump');
      await runTool('pg_dump', ['--format=custom', '--no-owner', '--no-privileges', `--snapshot=${rows[0]!.snapshot}`, `--file=${dumpFile}`], connectionString);
      const referenced = await referencedBlobKeys(tx);
      const files = await copyBlobs(blobs, outDir, referenced);
      return writeManifest(outDir, { kind: 'postgres', file: 'database.dump' }, files, referenced.size, options);
    });
  } finally {
    client.release();
  }
}

/** Backup of the embedded database (no server may have it open): its data directory, then the files. */
export async function backupEmbedded(
  lite: { dumpDataDir(c?: 'gzip'): Promise<Blob>; query<T>(sql: string): Promise<{ rows: T[] }> },
  blobs: BlobStore,
  outDir: string,
  options: BackupOptions = {},
): Promise<Manifest> {
  await assertEmptyDir(outDir, 'backup folder');
  await mkdir(outDir, { recursive: true });
  const { rows } = await lite.query<{ key: string }>('SELECT blob_key AS key FROM documents');
  const referenced = new Set(rows.map((r) => r.key));
  const tarball = await lite.dumpDataDir('gzip');
  await writeFile(path.join(outDir, 'pgdata.tar.gz'), Buffer.from(await tarball.arrayBuffer()));
  const files = await copyBlobs(blobs, outDir, referenced);
  return writeManifest(outDir, { kind: 'embedded', file: 'pgdata.tar.gz' }, files, referenced.size, options);
}

async function writeManifest(
  outDir: string,
  db: { kind: 'postgres' | 'embedded'; file: string },
  blobs: Manifest['blobs'],
  referenced: number,
  options: BackupOptions,
): Promise<Manifest> {
  let secrets: Manifest['secrets'] = null;
  if (options.secretsFile && existsSync(options.secretsFile)) {
    await copyFile(options.secretsFile, path.join(outDir, 'secrets.json'));
    await chmod(path.join(outDir, 'secrets.json'), 0o600);
    secrets = { file: 'secrets.json', ...(await sha256File(path.join(outDir, 'secrets.json'))) };
  }
  const manifest: Manifest = {
    format: 'wenku-backup',
    version: 1,
    createdAt: new Date().toISOString(),
    database: { ...db, ...(await sha256File(path.join(outDir, db.file))) },
    blobs,
    referencedBlobs: referenced,
    secrets,
  };
  await writeFile(path.join(outDir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Reads the manifest and checks every file against it; throws BackupError naming the first bad one. */
export async function readVerifiedManifest(dir: string): Promise<Manifest> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch {
    throw new BackupError(`${path.join(dir, MANIFEST)} is missing or unreadable: not a complete backup`);
  }
  if (manifest.format !== 'wenku-backup' || manifest.version !== 1) throw new BackupError('not a Wenku backup (format/version)');
  const checks = [{ ...manifest.database }, ...(manifest.secrets ? [manifest.secrets] : []), ...manifest.blobs.map((b) => ({ ...b, file: path.join('blobs', b.key) }))];
  for (const c of checks) {
    if (path.isAbsolute(c.file) || c.file.split(path.sep).includes('..')) throw new BackupError(`bad path in manifest: ${c.file}`);
    const actual = await sha256File(path.join(dir, c.file)).catch(() => null);
    if (!actual || actual.sha256 !== c.sha256 || actual.bytes !== c.bytes) throw new BackupError(`${c.file} is missing or differs from the manifest`);
  }
  return manifest;
}

/** Restores a Postgres backup into an empty database, then its files into an empty blob store. */
export async function restorePostgres(pool: pg.Pool, connectionString: string, blobs: BlobStore, blobRoot: string, dir: string): Promise<Manifest> {
  const manifest = await readVerifiedManifest(dir);
  if (manifest.database.kind !== 'postgres') throw new BackupError('this backup is of the embedded database: restore it without DATABASE_URL');
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'`,
  );
  if (rows[0]!.n > 0) throw new BackupError('the target database is not empty: restore only into an empty database');
  await assertEmptyDir(blobRoot, 'blob store');
  await runTool('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', path.join(dir, manifest.database.file)], connectionString);
  await putBlobs(blobs, dir, manifest);
  return manifest;
}

/** Restores an embedded backup into an empty DATA_DIR/pgdata, then its files. */
export async function restoreEmbedded(pgdataDir: string, blobs: BlobStore, blobRoot: string, dir: string): Promise<Manifest> {
  const manifest = await readVerifiedManifest(dir);
  if (manifest.database.kind !== 'embedded') throw new BackupError('this backup is of a Postgres server: restore it with DATABASE_URL');
  await assertEmptyDir(pgdataDir, 'embedded database folder');
  await assertEmptyDir(blobRoot, 'blob store');
  const { PGlite } = await import('@electric-sql/pglite');
  const tarball = new Blob([await readFile(path.join(dir, manifest.database.file))]);
  const lite = await PGlite.create(pgdataDir, { loadDataDir: tarball, extensions: await embeddedExtensions() });
  await lite.query('SELECT 1');
  await lite.close();
  await putBlobs(blobs, dir, manifest);
  return manifest;
}

async function putBlobs(blobs: BlobStore, dir: string, manifest: Manifest): Promise<void> {
  const staging = path.join(dir, '.restore-staging');
  await mkdir(staging, { recursive: true });
  try {
    for (const b of manifest.blobs) {
      const copy = path.join(staging, b.key);
      await copyFile(path.join(dir, 'blobs', b.key), copy); // putFile moves its input; the backup stays whole
      await blobs.putFile(b.key, copy);
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Runs pg_dump / pg_restore on the database; its password goes in the environment, not in `ps`. */
async function runTool(tool: string, args: string[], connectionString: string): Promise<void> {
  const url = new URL(connectionString);
  const password = decodeURIComponent(url.password);
  url.password = '';
  const env = { ...process.env, ...(password ? { PGPASSWORD: password } : {}) };
  try {
    await exec(tool, [...args, `--dbname=${url.toString()}`], { maxBuffer: 16 * 1024 * 1024, env });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new BackupError(`${tool} is not installed (Debian: postgresql-client)`);
    throw new BackupError(`${tool} failed: ${(e.stderr ?? e.message).trim().split('\n').slice(0, 3).join(' ')}`);
  }
}

/** Puts the backup's secrets.json (if any) into DATA_DIR, replacing the one this run generated. */
export async function restoreSecrets(dir: string, manifest: Manifest, dataDir: string): Promise<void> {
  if (!manifest.secrets) return;
  await copyFile(path.join(dir, manifest.secrets.file), path.join(dataDir, 'secrets.json'));
  await chmod(path.join(dataDir, 'secrets.json'), 0o600);
}
