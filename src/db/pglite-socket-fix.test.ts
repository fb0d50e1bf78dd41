// The embedded database's socket patch (electric-sql/pglite#1046): without it, connections that
// queue up behind a transaction get each other's rows; with it, each gets its own, and a client
// that disconnects between Parse and Sync does not stall everyone else. Runs on an embedded
// PGlite of its own whichever database the rest of the suite uses.
import net from 'node:net';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { keepExtendedQueriesTogether } from './pglite-socket-fix.js';

interface Embedded {
  url: string;
  close(): Promise<void>;
}
const opened: pg.Client[] = [];
const databases: Embedded[] = [];
let shared: Promise<Embedded> | null = null;
/** One patched database for the tests that need one (starting PGlite takes seconds). */
const patchedDb = () => (shared ??= embedded(true));

async function embedded(patched: boolean): Promise<Embedded> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const lite = await PGlite.create('memory://');
  const server = new PGLiteSocketServer({ db: lite, host: '127.0.0.1', port: 0, maxConnections: 64 });
  await server.start();
  if (patched) keepExtendedQueriesTogether(server);
  const db: Embedded = {
    url: `postgres://postgres@${server.getServerConn()}/postgres?sslmode=disable`,
    close: async () => {
      await server.stop();
      await lite.close();
    },
  };
  databases.push(db);
  await lite.exec(`CREATE TABLE markers (owner int NOT NULL, marker text NOT NULL);
    INSERT INTO markers SELECT o, 'marker-' || o || '-' || i FROM generate_series(1, 16) o, generate_series(1, 3) i;`);
  return db;
}

async function connect(db: Embedded, count: number): Promise<pg.Client[]> {
  const clients = await Promise.all(
    Array.from({ length: count }, async () => {
      const client = new pg.Client({ connectionString: db.url });
      client.on('error', () => undefined); // the unpatched server may drop a confused connection
      await client.connect();
      return client;
    }),
  );
  opened.push(...clients);
  return clients;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.end().catch(() => undefined)));
});
afterAll(async () => {
  for (const db of databases) await db.close();
});

/**
 * 16 connections each read their own three marker rows with a parameterised (extended-protocol)
 * query while a 17th holds a transaction open, so their messages queue up and then run together.
 */
async function readOwnMarkers(db: Embedded, rounds: number) {
  const clients = await connect(db, 17);
  const holder = clients[16]!;
  const tally = { own: 0, others: 0, failed: 0 };
  for (let round = 0; round < rounds; round++) {
    await holder.query('BEGIN');
    await holder.query('SELECT 1');
    const reads = Promise.all(
      clients.slice(0, 16).map(async (client, i) => {
        const owner = i + 1;
        try {
          const { rows } = await client.query<{ owner: number; marker: string }>('SELECT owner, marker FROM markers WHERE owner = $1 ORDER BY marker', [owner]);
          if (rows.length === 3 && rows.every((r) => r.owner === owner && r.marker.startsWith(`marker-${owner}-`))) tally.own++;
          else tally.others++;
        } catch {
          tally.failed++;
        }
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 30)); // let every read reach the queue
    await holder.query('COMMIT');
    await reads;
  }
  return tally;
}

/** A raw protocol client that logs in, sends one Parse and never its Sync. */
async function parseWithoutSync(db: Embedded, sql: string): Promise<net.Socket> {
  const { hostname, port } = new URL(db.url);
  const socket = net.connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
  const startup = Buffer.alloc(8);
  startup.writeInt32BE(8 + params.length, 0);
  startup.writeInt32BE(196608, 4); // protocol 3.0
  const waitFor = (byte: string) =>
    new Promise<void>((resolve) => {
      let seen = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        seen = Buffer.concat([seen, chunk]);
        if (seen.includes(byte.charCodeAt(0))) {
          socket.off('data', onData);
          resolve();
        }
      };
      socket.on('data', onData);
    });
  const ready = waitFor('Z'); // ReadyForQuery
  socket.write(Buffer.concat([startup, params]));
  await ready;
  const body = Buffer.concat([Buffer.from('\0'), Buffer.from(`${sql}\0`), Buffer.from([0, 0])]);
  const header = Buffer.alloc(5);
  header.write('P', 0);
  header.writeInt32BE(4 + body.length, 1);
  // ParseComplete ('1') or ErrorResponse ('E') says PGlite has run the Parse.
  const answered = Promise.race([waitFor('1'), waitFor('E')]);
  socket.write(Buffer.concat([header, body]));
  await answered;
  return socket;
}

describe('the pglite-socket patch', () => {
  it('when connections queue up behind a transaction without the patch, then some get other connections\' rows (the upstream bug is still there)', async () => {
    const tally = await readOwnMarkers(await embedded(false), 3);
    expect(tally.others + tally.failed).toBeGreaterThan(0);
  }, 60_000);

  it('when connections queue up behind a transaction with the patch, then every connection gets exactly its own rows', async () => {
    const tally = await readOwnMarkers(await patchedDb(), 5);
    expect(tally).toEqual({ own: 80, others: 0, failed: 0 });
  }, 60_000);

  it.each([
    ['a Parse', 'SELECT 1'],
    ['a failing Parse', 'SELEC nonsense'],
  ])('when a client disconnects after %s and before its Sync, then the other connections are answered at once with their own rows', async (_name, sql) => {
    const db = await patchedDb();
    const [other] = await connect(db, 1);
    const stalled = await parseWithoutSync(db, sql);
    // The other connection's query queues behind the half-finished sequence…
    const read = other!.query<{ owner: number }>('SELECT owner FROM markers WHERE owner = $1', [7]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // …and is answered once that client is gone, without anything else arriving.
    stalled.destroy();
    const timeout = new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('stalled')), 3_000));
    const { rows } = await Promise.race([read, timeout]);
    expect(rows.map((r) => r.owner)).toEqual([7, 7, 7]);
    // The connection keeps working afterwards.
    expect((await other!.query('SELECT count(*)::int AS n FROM markers WHERE owner = $1', [3])).rows[0].n).toBe(3);
  }, 30_000);

  it('when the library\'s internals are not what the patch relies on, then start-up stops with a message naming the file and each missing member', () => {
    const changed = { queryQueue: { queue: [], processing: false, lastHandlerId: null, processQueue: () => undefined, db: { isInTransaction: () => false } } };
    expect(() => keepExtendedQueriesTogether(changed)).toThrow(/src\/db\/pglite-socket-fix\.ts/);
    expect(() => keepExtendedQueriesTogether(changed)).toThrow(/queryQueue\.clearQueueForHandler.*queryQueue\.db\.runExclusive/);
    expect(() => keepExtendedQueriesTogether({})).toThrow(/queryQueue is not an object/);
  });
});
