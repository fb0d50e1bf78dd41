// SQL for share-link visits by logged-in readers.
import type { Queryable } from '../db/pool.js';

/** Remembers (or replaces) the referrer of this reader for this document. */
export async function upsertReferralVisit(db: Queryable, visit: { userId: number; documentId: number; referrerId: number }): Promise<void> {
  await db.query(
    `INSERT INTO referral_visits (user_id, document_id, referrer_id) VALUES ($1, $2, $3)
     ON CONFLICT (user_id, document_id) DO UPDATE SET referrer_id = EXCLUDED.referrer_id, created_at = now()`,
    [visit.userId, visit.documentId, visit.referrerId],
  );
}
