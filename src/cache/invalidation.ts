// Cross-node invalidation (issue 17): when a document stops being what a cached response shows
// (taken down or restored, refunded, repriced, edited, deleted), every node drops its cached
// responses for it. One function publishes (invalidateDocument), after the change committed;
// each node's response cache subscribes.
//
// Redis pub/sub, not Postgres LISTEN/NOTIFY: a LISTEN needs a session of its own, which a
// transaction-pooling pgbouncer cannot give, so every node would need a direct connection
// beside the pool just for this; Redis is already there for the rate limits. Delivery is
// at most once: a node that misses a message (Redis down, reconnecting) still stops serving the
// old copy when it expires (SHARED_TTL, at most 10 s; nginx's micro-cache ≤ 5 s).
import type { Logger } from 'pino';
import type { Redis } from './redis.js';

export const INVALIDATION_CHANNEL = 'wenku:invalidate:document';

type Listener = (documentId: number) => void;

export interface Invalidations {
  /** Tells this process at once, and every other node through Redis when configured. */
  publish(documentId: number): Promise<void>;
  /** Called for every invalidation, local or from another node; returns an unsubscribe. */
  subscribe(listener: Listener): () => void;
  close(): Promise<void>;
}

/** One machine (no REDIS_URL): listeners in this process only. */
export class LocalInvalidations implements Invalidations {
  protected listeners = new Set<Listener>();

  async publish(documentId: number): Promise<void> {
    this.deliver(documentId);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected deliver(documentId: number): void {
    for (const l of this.listeners) l(documentId);
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}

/** Many nodes: publishes on the shared connection, listens on a subscriber connection of its own. */
export class RedisInvalidations extends LocalInvalidations {
  constructor(
    private readonly publisher: Redis,
    private readonly subscriber: Redis,
    private readonly log: Logger,
  ) {
    super();
    // node-redis re-subscribes by itself after a reconnect; a subscribe that failed (Redis was
    // down at start) is retried when the connection is ready.
    let subscribed = false;
    const subscribe = () => {
      if (subscribed || !this.subscriber.isReady) return;
      subscribed = true;
      this.subscriber
        .subscribe(INVALIDATION_CHANNEL, (message) => {
          const id = Number(message);
          if (Number.isSafeInteger(id) && id > 0) this.deliver(id);
        })
        .catch((err: unknown) => {
          subscribed = false;
          log.warn({ err }, 'invalidation subscribe failed; retrying when redis is back');
        });
    };
    this.subscriber.on('ready', subscribe);
    subscribe();
  }

  override async publish(documentId: number): Promise<void> {
    this.deliver(documentId); // this node at once, whatever Redis does
    try {
      await this.publisher.publish(INVALIDATION_CHANNEL, String(documentId));
    } catch (err) {
      this.log.warn({ err, documentId }, 'invalidation not published (redis unreachable); other nodes keep their copy until it expires');
    }
  }
}

/**
 * The one place that says "these documents changed for readers": call it after the change
 * committed (a takedown or restore, with identical copies taken down alongside, a refund, a
 * price change, an edit, a delete). Never throws.
 */
export async function invalidateDocument(deps: { invalidations: Invalidations }, ...documentIds: number[]): Promise<void> {
  for (const id of new Set(documentIds)) await deps.invalidations.publish(id);
}
