// A fix for @electric-sql/pglite-socket 0.2.17 and 0.2.18 (pinned in package.json; 0.2.18 still has
// the bug: the test's unpatched case still hands connections each other's rows), applied to the
// embedded database's socket server (src/db/pool.ts). Upstream: electric-sql/pglite#1046. Remove this file
// once a release keeps each connection's extended-protocol messages together; the test
// (pglite-socket-fix.test.ts) shows the bug on the unpatched server and will say when it is gone.
//
// It replaces the library's private query loop (QueryQueueManager.processQueue), so it relies on
// private members; every one of them is checked when the server starts, and a change in an upgrade
// stops start-up with a message naming this file rather than mixing up connections' rows.

/** One protocol message waiting for PGlite (the library's QueuedQuery). */
interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve: (bytes: number) => void;
  reject: (err: unknown) => void;
  onData: (data: Uint8Array) => void;
}

/** The private parts of QueryQueueManager this file reads, writes or replaces. */
interface QueryQueue {
  /** Reassigned by clearQueueForHandler, so always read through the manager. */
  queue: QueuedMessage[];
  processing: boolean;
  /** The connection whose message ran last; an open transaction stays with it. */
  lastHandlerId: number | null;
  db: {
    isInTransaction(): boolean;
    runExclusive<T>(fn: () => Promise<T>): Promise<T>;
    execProtocolRawStream(message: Uint8Array, options: { onRawData: (data: Uint8Array) => void }): Promise<unknown>;
  };
  /** Pushes a message and calls this.processQueue() when idle. */
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>;
  processQueue(): Promise<void>;
  /** Called when a connection goes away: drops (rejects) its queued messages. */
  clearQueueForHandler(handlerId: number): void;
  /** Called next: rolls back the departed connection's open transaction, then this.processQueue(). */
  clearTransactionIfNeeded(handlerId: number): Promise<void>;
}

const HERE = 'src/db/pglite-socket-fix.ts';

/** The queue manager, after checking every private member this file relies on. */
function queryQueueOf(server: unknown): QueryQueue {
  const problems: string[] = [];
  const queue = (server as { queryQueue?: unknown } | null)?.queryQueue as Record<string, unknown> | undefined;
  if (!queue || typeof queue !== 'object') {
    problems.push('PGLiteSocketServer.queryQueue is not an object');
  } else {
    if (!Array.isArray(queue.queue)) problems.push('queryQueue.queue is not an array');
    if (typeof queue.processing !== 'boolean') problems.push('queryQueue.processing is not a boolean');
    if (queue.lastHandlerId !== null && typeof queue.lastHandlerId !== 'number') problems.push('queryQueue.lastHandlerId is not a number or null');
    for (const method of ['enqueue', 'processQueue', 'clearQueueForHandler', 'clearTransactionIfNeeded']) {
      if (typeof queue[method] !== 'function') problems.push(`queryQueue.${method} is not a function`);
    }
    const db = queue.db as Record<string, unknown> | undefined;
    if (!db || typeof db !== 'object') problems.push('queryQueue.db is not an object');
    else {
      for (const method of ['isInTransaction', 'runExclusive', 'execProtocolRawStream']) {
        if (typeof db[method] !== 'function') problems.push(`queryQueue.db.${method} is not a function`);
      }
    }
    // The replaced loop is only safe while the library's own callers reach it through `this`.
    const callers = [queue.enqueue, queue.clearTransactionIfNeeded].map(String);
    if (!callers.every((source) => source.includes('processQueue'))) problems.push('enqueue/clearTransactionIfNeeded no longer call processQueue');
  }
  if (problems.length > 0) {
    throw new Error(
      `@electric-sql/pglite-socket internals changed (${problems.join('; ')}). ` +
        `Review ${HERE}: it was written for 0.2.17 and checked against 0.2.18 (electric-sql/pglite#1046); check whether the upgrade fixed the bug and remove the file, or adapt it.`,
    );
  }
  return queue as unknown as QueryQueue;
}

function checkMessage(item: QueuedMessage): void {
  if (typeof item?.handlerId !== 'number' || !(item.message instanceof Uint8Array) || typeof item.resolve !== 'function' || typeof item.reject !== 'function' || typeof item.onData !== 'function') {
    throw new Error(`@electric-sql/pglite-socket changed the shape of its queued messages; review ${HERE}`);
  }
}

/** Extended-protocol messages: between the first of them and Sync, a connection keeps PGlite. */
const EXTENDED = new Set(['P', 'B', 'D', 'E', 'C', 'H', 'F']);
/** A Sync message: ends an extended-protocol sequence (and PGlite's skip-until-Sync after an error). */
const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);

/**
 * pglite-socket 0.2 runs each protocol message of each connection as it arrives, in arrival order,
 * and only keeps an open transaction's messages together. An extended-protocol query (Parse, Bind,
 * Describe, Execute … Sync) from one connection is then cut by another connection's Parse or Bind,
 * which replace the unnamed statement and portal: the first connection gets the other's rows, or
 * "bind message supplies 2 parameters, but prepared statement requires 1". This keeps every
 * connection's messages together from its first extended-protocol message up to its Sync, as a
 * server's per-connection backend would.
 *
 * A connection that goes away between Parse and Sync would hold PGlite for good (every other
 * connection waits for its Sync); its turn ends when it is cleared: a Sync is run on its behalf
 * (so PGlite leaves any skip-until-Sync state and the next connection starts clean) and the queue
 * is started again, since the others are all waiting for an answer and will not enqueue anything.
 */
export function keepExtendedQueriesTogether(server: unknown): void {
  const queue = queryQueueOf(server);
  /** The connection between its first extended-protocol message and its Sync. */
  let owner: number | null = null;
  /** A departed owner's sequence still needs its Sync. */
  let syncPending = false;

  const run = (message: Uint8Array, onData: (data: Uint8Array) => void) =>
    queue.db.runExclusive(() => queue.db.execProtocolRawStream(message, { onRawData: onData }));

  queue.processQueue = async function processQueue() {
    if (queue.processing || (queue.queue.length === 0 && !syncPending)) return;
    queue.processing = true;
    try {
      for (;;) {
        if (syncPending) {
          syncPending = false;
          await run(SYNC, () => undefined).catch(() => undefined); // its answer has nobody to go to
        }
        if (queue.queue.length === 0) break;
        const sticky = owner ?? (queue.db.isInTransaction() ? queue.lastHandlerId : null);
        let item: QueuedMessage | undefined;
        if (sticky !== null) {
          const index = queue.queue.findIndex((m) => m.handlerId === sticky);
          if (index === -1) break; // wait for that connection's next message (enqueue restarts us)
          item = queue.queue.splice(index, 1)[0];
        } else {
          item = queue.queue.shift();
        }
        if (!item) break;
        checkMessage(item);
        const current = item;
        const type = String.fromCharCode(current.message[0] ?? 0);
        if (type === 'S' || type === 'Q') owner = null;
        else if (EXTENDED.has(type)) owner = current.handlerId;
        let bytes = 0;
        try {
          await run(current.message, (data) => {
            bytes += data.length;
            current.onData(data);
          });
        } catch (err) {
          // Unlike the library's loop, one failed message does not stop the queue for everyone.
          current.reject(err);
          continue;
        }
        queue.lastHandlerId = current.handlerId;
        current.resolve(bytes);
      }
    } finally {
      queue.processing = false;
    }
  };

  const clear = queue.clearQueueForHandler.bind(queue);
  queue.clearQueueForHandler = (handlerId: number) => {
    clear(handlerId);
    if (owner === handlerId) {
      owner = null;
      syncPending = true;
    }
    // The other connections are waiting for answers, not sending: start the queue again.
    void queue.processQueue();
  };
}
