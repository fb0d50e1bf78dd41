// A fix for @electric-sql/pglite-socket 0.2.17 (pinned in package.json), applied to the
// embedded database's socket server. It reaches into the package's query queue, so it checks
// the internals it relies on and fails loudly if an upgrade changed them.

interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve: (bytes: number) => void;
  reject: (err: unknown) => void;
  onData: (data: Uint8Array) => void;
}

/**
 * pglite-socket 0.2 runs each protocol message of each connection as it arrives and only keeps an
 * open transaction's messages together. An extended-protocol query (Parse, Bind, Describe,
 * Execute … Sync) from one connection can then be cut by another connection's Parse, which
 * replaces the unnamed statement: "bind message supplies 2 parameters, but prepared statement
 * requires 1", "portal does not exist". This keeps every connection's messages together from
 * its first extended-protocol message up to its Sync, as a server's per-connection state would.
 */
export function keepExtendedQueriesTogether(server: unknown): void {
  const queue = (server as { queryQueue: Record<string, unknown> }).queryQueue as {
    queue: QueuedMessage[];
    processing: boolean;
    lastHandlerId: number | null;
    db: { isInTransaction(): boolean; runExclusive<T>(fn: () => Promise<T>): Promise<T>; execProtocolRawStream(m: Uint8Array, o: { onRawData: (d: Uint8Array) => void }): Promise<unknown> };
    processQueue(): Promise<void>;
    clearQueueForHandler(id: number): void;
  };
  if (!queue || typeof queue.processQueue !== 'function' || !Array.isArray(queue.queue)) {
    throw new Error('pglite-socket internals changed: review keepExtendedQueriesTogether in src/db/pool.ts');
  }
  const EXTENDED = new Set(['P', 'B', 'D', 'E', 'C', 'H', 'F']);
  let owner: number | null = null; // the connection between its first extended message and its Sync
  queue.processQueue = async function processQueue() {
    if (queue.processing || queue.queue.length === 0) return;
    queue.processing = true;
    try {
      while (queue.queue.length > 0) {
        const sticky = owner ?? (queue.db.isInTransaction() ? queue.lastHandlerId : null);
        let item: QueuedMessage | undefined;
        if (sticky !== null) {
          const index = queue.queue.findIndex((m) => m.handlerId === sticky);
          if (index === -1) break; // wait for that connection's next message
          item = queue.queue.splice(index, 1)[0];
        } else {
          item = queue.queue.shift();
        }
        if (!item) break;
        const current = item;
        const type = String.fromCharCode(current.message[0] ?? 0);
        if (type === 'S' || type === 'Q') owner = null;
        else if (EXTENDED.has(type)) owner = current.handlerId;
        let bytes = 0;
        try {
          await queue.db.runExclusive(() =>
            queue.db.execProtocolRawStream(current.message, {
              onRawData: (data) => {
                bytes += data.length;
                current.onData(data);
              },
            }),
          );
        } catch (err) {
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
  queue.clearQueueForHandler = (id: number) => {
    if (owner === id) owner = null;
    clear(id);
  };
}
