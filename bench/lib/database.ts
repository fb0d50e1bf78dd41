// A fresh database for a benchmark on the real server (BENCH_DATABASE_URL or DATABASE_URL),
// or undefined to let the app use its embedded default.
import pg from 'pg';

export function serverUrl(): string | undefined {
  return process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
}

export async function freshDatabase(name: string): Promise<string | undefined> {
  const base = serverUrl();
  if (!base) return undefined;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a benchmark's database again (its connections are ended first). */
export async function dropDatabase(name: string): Promise<void> {
  const base = serverUrl();
  if (!base) return;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}

/** The URL of database `name` if it exists and its table holds exactly `rows` rows (a kept benchmark database), else undefined. */
export async function loadedDatabase(name: string, table: string, rows: number): Promise<string | undefined> {
  const base = serverUrl();
  if (!base) return undefined;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  await admin.end();
  if (!exists) return undefined;
  const url = new URL(base);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rows: found } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    return Number(found[0]!.n) === rows ? url.toString() : undefined;
  } catch {
    return undefined;
  } finally {
    await client.end();
  }
}
