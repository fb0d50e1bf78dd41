// Secrets the operator did not set: with DATABASE_URL they live in the database, so every node on
// it agrees (a token signed on one web node is valid on all); with the embedded database, in
// DATA_DIR/secrets.json (config.ts), as the database itself is there.
import { randomBytes } from 'node:crypto';
import type { Config, Settings } from '../config.js';
import { storedFileSecrets } from '../config.js';
import type { Queryable } from '../db/pool.js';
import { findSecret, insertSecretIfAbsent } from './generated-secrets.repo.js';

const SECRETS = [
  { key: 'jwtSecret', name: 'jwt_secret', bytes: 48 },
  { key: 'paymentWebhookSecret', name: 'payment_webhook_secret', bytes: 32 },
] as const;

/**
 * The settings with every secret filled in: a given one as it is; a missing one from the database,
 * generated once race-free (each node offers a candidate, the first insert wins, all read the
 * winner back in a statement of its own, which sees the committed row). A node upgraded from
 * secrets kept in its DATA_DIR offers those, so the first such node keeps its sessions valid.
 */
export async function withGeneratedSecrets(settings: Settings, db: Queryable): Promise<Config> {
  const resolved = { jwtSecret: settings.jwtSecret, paymentWebhookSecret: settings.paymentWebhookSecret };
  const fromFile = storedFileSecrets(settings.dataDir);
  for (const { key, name, bytes } of SECRETS) {
    if (resolved[key]) continue;
    await insertSecretIfAbsent(db, name, fromFile[key] ?? randomBytes(bytes).toString('base64url'));
    const value = await findSecret(db, name);
    if (!value) throw new Error(`generated secret ${name} could not be stored`);
    resolved[key] = value;
  }
  return { ...settings, jwtSecret: resolved.jwtSecret!, paymentWebhookSecret: resolved.paymentWebhookSecret! };
}
