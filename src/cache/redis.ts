// The Redis connection (REDIS_URL): rate-limit counts shared by every node, and the channel
// that tells every node to drop a document's cached responses. Redis is a helper, never a
// dependency a request waits on: commands fail at once while it is unreachable (no offline
// queue), the client reconnects by itself, and each user decides what an outage means (rate
// limits fail open, invalidations fall back to the caches' short TTLs).
import { createClient } from 'redis';
import type { Logger } from 'pino';

export type Redis = ReturnType<typeof createClient>;

/** Opens a connection without waiting for it: the app starts (and serves) with Redis down. */
export function openRedis(url: string, log: Logger, role: string): Redis {
  const client: Redis = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 2_000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2_000) },
  });
  let down = false;
  // One warning per outage, not one per reconnect attempt.
  client.on('error', (err: unknown) => {
    if (!down) log.warn({ err, role }, 'redis unreachable; retrying in the background');
    down = true;
  });
  client.on('ready', () => {
    if (down) log.info({ role }, 'redis reachable again');
    down = false;
  });
  client.connect().catch((err: unknown) => {
    if (!down) log.warn({ err, role }, 'redis unreachable at start; retrying in the background');
    down = true;
  });
  return client;
}

export async function closeRedis(client: Redis): Promise<void> {
  if (client.isOpen) await client.close().catch(() => client.destroy());
  else client.destroy();
}
