// SQL for copies of a document: the same bytes (SHA-256) and nearly the same text (SimHash of the
// text, migration 0013).
import type { Queryable } from '../db/pool.js';

/** Stores the text fingerprint written at conversion (null: too little text to tell). */
export async function saveTextSimhash(db: Queryable, id: number, simhash: bigint | null): Promise<void> {
  await db.query('UPDATE documents SET text_simhash = $2 WHERE id = $1', [id, simhash === null ? null : simhash.toString()]);
}

/** The oldest public (ready, live, not taken down) document with these bytes, if any. */
export async function findPublicDocumentIdByHash(db: Queryable, sha256: string): Promise<number | null> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM documents
      WHERE sha256 = $1 AND status = 'ready' AND deleted_at IS NULL AND taken_down_at IS NULL
      ORDER BY id LIMIT 1`,
    [sha256],
  );
  return rows[0]?.id ?? null;
}

/** Every other document with these bytes, whatever its state (a takedown applies to all of them). */
export async function listDocumentIdsByHash(db: Queryable, sha256: string, exceptId: number): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>('SELECT id FROM documents WHERE sha256 = $1 AND id <> $2 ORDER BY id', [sha256, exceptId]);
  return rows.map((r) => r.id);
}

export interface NearCopyRow {
  id: number;
  title: string;
  uploaderId: number;
  uploaderName: string;
  status: string;
  takenDown: boolean;
  deleted: boolean;
  /** Held for review as a copy of another document itself (not an original). */
  heldAsCopy: boolean;
  /** Bits in which the fingerprints differ (0: the same text after normalising). */
  distance: number;
}

/**
 * Documents whose text fingerprint is within `maxDistance` (≤ 3) bits of `simhash`, other bytes
 * than `sha256`, nearest first. Candidates come from the four 16-bit band indexes (copies within
 * 3 bits share at least one band), then the exact distance decides.
 */
export async function findNearCopies(
  db: Queryable,
  q: { simhash: bigint; sha256: string; exceptId: number; maxDistance: number; limit: number },
): Promise<NearCopyRow[]> {
  const { rows } = await db.query<NearCopyRow>(
    `SELECT d.id, d.title, d.uploader_id AS "uploaderId", u.display_name AS "uploaderName", d.status,
            d.taken_down_at IS NOT NULL AS "takenDown", d.deleted_at IS NOT NULL AS "deleted",
            d.review_hold IS NOT NULL AS "heldAsCopy",
            bit_count((d.text_simhash # $1::bigint)::bit(64))::int AS distance
       FROM documents d JOIN users u ON u.id = d.uploader_id
      WHERE d.text_simhash IS NOT NULL
        AND ((d.text_simhash & 65535) = ($1::bigint & 65535)
          OR ((d.text_simhash >> 16) & 65535) = (($1::bigint >> 16) & 65535)
          OR ((d.text_simhash >> 32) & 65535) = (($1::bigint >> 32) & 65535)
          OR ((d.text_simhash >> 48) & 65535) = (($1::bigint >> 48) & 65535))
        AND bit_count((d.text_simhash # $1::bigint)::bit(64)) <= $4
        AND d.id <> $3 AND d.sha256 <> $2
      ORDER BY distance, d.id LIMIT $5`,
    [q.simhash.toString(), q.sha256, q.exceptId, q.maxDistance, q.limit],
  );
  return rows;
}

/** The stored fingerprint and text of a document (to fingerprint one converted before 0013). */
export async function findTextFingerprint(db: Queryable, id: number): Promise<{ simhash: string | null; bodyText: string | null; sha256: string } | null> {
  const { rows } = await db.query<{ simhash: string | null; bodyText: string | null; sha256: string }>(
    'SELECT text_simhash::text AS simhash, body_text AS "bodyText", sha256 FROM documents WHERE id = $1',
    [id],
  );
  return rows[0] ?? null;
}

/** The other documents with these bytes, in the near-copy row shape (distance 0). */
export async function listSameFileCopies(db: Queryable, sha256: string, exceptId: number, limit: number): Promise<NearCopyRow[]> {
  const { rows } = await db.query<NearCopyRow>(
    `SELECT d.id, d.title, d.uploader_id AS "uploaderId", u.display_name AS "uploaderName", d.status,
            d.taken_down_at IS NOT NULL AS "takenDown", d.deleted_at IS NOT NULL AS "deleted",
            d.review_hold IS NOT NULL AS "heldAsCopy", 0 AS distance
       FROM documents d JOIN users u ON u.id = d.uploader_id
      WHERE d.sha256 = $1 AND d.id <> $2 ORDER BY d.id LIMIT $3`,
    [sha256, exceptId, limit],
  );
  return rows;
}
