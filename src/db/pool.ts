// One pool per process. A real server when DATABASE_URL is set; otherwise an embedded
// PGlite kept in DATA_DIR, served over a local socket so the same `pg` code runs on both.
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import type { Logger } from 'pino';
import { keepExtendedQueriesTogether } from './pglite-socket-fix.js';

export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export interface Database {
  pool: pg.Pool;
  /** Connection string other clients (pg-boss, bench tools) can use. */
  connectionString: string;
  kind: 'postgres' | 'embedded';
  /**
   * A connection string with a session of its own (LISTEN, session advisory locks): the server
   * itself when `connectionString` is a transaction pooler. Unset on the embedded database.
   */
  directConnectionString?: string;
  close(): Promise<void>;
}

// int8 (bigint) comes back as a JS number: money is cents and counts are small, far below
// 2^53. A value beyond that would be a bug, so it throws instead of silently losing precision.
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${value} exceeds the safe integer range`);
  return n;
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === pg.types.builtins.INT8 && format !== 'binary') return parseInt8;
    return pg.types.getTypeParser(oid, format as 'text');
  }) as typeof pg.types.getTypeParser,
};

export interface PoolOptions {
  max?: number;
  statementTimeoutMs?: number;
  log?: Logger;
  /** Every connection is the same database session (PGlite): statements are never prepared by name. */
  sharedSession?: boolean;
  /**
   * Behind a transaction-pooling pooler (pgbouncer 1.18): consecutive transactions may run on
   * different server sessions, so statements are never prepared by name, and no session settings
   * go in the startup packet (pgbouncer refuses unknown startup parameters; the timeouts are the
   * pooler's connect_query or the role's settings there).
   */
  transactionPooler?: boolean;
}

/**
 * A client that sends named (prepared) statements unnamed. Under PGlite every socket connection
 * is one session, so a statement prepared by name on one connection already exists when another
 * connection's client, which has not seen it, prepares it again: "prepared statement already exists".
 */
class UnnamedStatementClient extends pg.Client {}
const preparedQuery = pg.Client.prototype.query as (this: pg.Client, ...args: unknown[]) => unknown;
UnnamedStatementClient.prototype.query = function (this: pg.Client, config: unknown, ...rest: unknown[]) {
  const named = typeof config === 'object' && config !== null && 'name' in config && !('submit' in config);
  return preparedQuery.call(this, named ? { ...config, name: undefined } : config, ...rest);
} as typeof pg.Client.prototype.query;

export function createPool(connectionString: string, options: PoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    types,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    ...(options.transactionPooler
      ? {}
      : {
          statement_timeout: options.statementTimeoutMs ?? 15_000,
          idle_in_transaction_session_timeout: 60_000,
          application_name: 'wenku',
        }),
    ...(options.sharedSession || options.transactionPooler ? { Client: UnnamedStatementClient } : {}),
  });
  // A client losing its connection (a restart, a failover, pg_terminate_backend) emits 'error':
  // idle in the pool, or checked out, even after the query it was running got the same error. An
  // 'error' event nobody listens to ends the process, so every client gets a listener when the pool
  // creates it; the query in flight, or the next one, fails with the error (503 to its request) and
  // withTransaction does not hand the broken client back.
  pool.on('connect', (client) => {
    client.on('error', (err) => options.log?.warn({ err }, 'database connection lost'));
  });
  // The pool re-emits an idle client's error; the client's own listener above has logged it.
  pool.on('error', () => undefined);
  return pool;
}

/** Opens the configured database. With no URL, starts embedded PGlite in `${dataDir}/pgdata`. */
export async function openDatabase(
  settings: { databaseUrl?: string; databaseDirectUrl?: string; databasePooler?: 'none' | 'transaction'; dataDir: string },
  log?: Logger,
  options: { embeddedDir?: string | null } = {},
): Promise<Database> {
  if (settings.databaseUrl) {
    const pool = createPool(settings.databaseUrl, { log, transactionPooler: settings.databasePooler === 'transaction' });
    return {
      pool,
      connectionString: settings.databaseUrl,
      directConnectionString: settings.databaseDirectUrl ?? settings.databaseUrl,
      kind: 'postgres',
      close: () => pool.end(),
    };
  }
  return openEmbedded(options.embeddedDir === undefined ? path.join(settings.dataDir, 'pgdata') : options.embeddedDir, log);
}

/**
 * Runs `work` on a pool with sessions of their own (the migrator's advisory lock): `db.pool`
 * itself unless it goes through a transaction pooler.
 */
export async function withDirectPool<T>(db: Database, work: (pool: pg.Pool) => Promise<T>, log?: Logger): Promise<T> {
  if (!db.directConnectionString || db.directConnectionString === db.connectionString) return work(db.pool);
  const direct = createPool(db.directConnectionString, { max: 2, log });
  try {
    return await work(direct);
  } finally {
    await direct.end();
  }
}

/**
 * The contrib extensions the migrations create, in PGlite's build (a server has them in its
 * contrib package): btree_gin for the search index of migrations 0077 and 0078.
 */
export async function embeddedExtensions() {
  const { btree_gin } = await import('@electric-sql/pglite/contrib/btree_gin');
  return { btree_gin };
}

/** Embedded PGlite behind pglite-socket. `dir` null keeps the database in memory (tests). */
export async function openEmbedded(dir: string | null, log?: Logger): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  if (dir) mkdirSync(dir, { recursive: true });
  const lite = await PGlite.create(dir ?? 'memory://', { extensions: await embeddedExtensions() });
  // The socket server multiplexes many client connections onto PGlite's single session and
  // keeps an open transaction's statements together, so row locks serialise as on a server;
  // keepExtendedQueriesTogether does the same for each Parse…Sync sequence.
  const server = new PGLiteSocketServer({ db: lite, host: '127.0.0.1', port: 0, maxConnections: 64 });
  await server.start();
  keepExtendedQueriesTogether(server);
  const connectionString = `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`;
  const pool = createPool(connectionString, { log, max: 8, statementTimeoutMs: 60_000, sharedSession: true });
  return {
    pool,
    connectionString,
    kind: 'embedded',
    close: async () => {
      await pool.end();
      await server.stop();
      await lite.close();
    },
  };
}
