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
