// SQL for the conversion of a document: claiming it (fairly between uploaders), saving the result,
// failing it, sweeping and reclaiming dead workers' claims.
import type { DocumentFormat } from '../conversion/formats.js';
import type { Queryable } from '../db/pool.js';
import { searchVectorSql, type SearchTokens } from './documents.repo.js';
import { liveSql } from './visibility.js';

// A deleted or taken-down document is not converted (its result would be discarded anyway).
const liveProcessing = (t: string) => `${t}.status = 'processing' AND ${liveSql(t)}`;
const LIVE_PROCESSING = liveProcessing('documents');

export interface ClaimedConversion {
  id: number;
  blobKey: string;
  format: DocumentFormat;
  originalFilename: string;
  freePreviewPages: number;
  priceCents: number;
  attempts: number;
}

// Conversions running right now, per uploader (a live claim on a processing document).
const RUNNING_PER_UPLOADER = `SELECT uploader_id, count(*)::int AS n FROM documents
  WHERE ${LIVE_PROCESSING} AND conversion_claimed_until >= now() GROUP BY uploader_id`;
const waiting = (t: string) =>
  `${liveProcessing(t)} AND (${t}.conversion_claim IS NULL OR ${t}.conversion_claimed_until < now())`;

/**
 * Serialises conversion claims until the transaction ends, so the next claim's statement sees
 * every earlier claim and the running counts it orders by are exact (a claim takes milliseconds).
 */
export async function lockConversionClaims(db: Queryable): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('conversion-claims', 0))`);
}

/**
 * Claims a waiting document for one conversion attempt of process `bootId` until the lease ends
 * (or that process dies), on behalf of the job for document `jobDocumentId`. The fair share, in
 * one statement: uploaders are ordered by how many conversions they have running now (fewest
 * first), then the job's own document, then the oldest; an uploader already running `share`
 * takes nothing. While the job's document waits, another uploader's is taken only when that
 * uploader has fewer running than the job's; while another attempt converts the job's document,
 * any waiting one is; once it is done or gone, none (the job is stale). Null when nothing may
 * be claimed.
 */
export async function claimNextConversion(
  db: Queryable,
  input: { jobDocumentId: number; claim: string; leaseSeconds: number; bootId: string; share: number },
): Promise<ClaimedConversion | null> {
  const { rows } = await db.query<ClaimedConversion>(
    `WITH running AS (${RUNNING_PER_UPLOADER})
     UPDATE documents SET conversion_claim = $2, conversion_claimed_until = now() + make_interval(secs => $3),
       conversion_boot_id = $4, conversion_attempts = conversion_attempts + 1
     WHERE id = (
       SELECT c.id FROM documents c LEFT JOIN running r ON r.uploader_id = c.uploader_id
       WHERE ${waiting('c')} AND coalesce(r.n, 0) < $5
         AND (c.id = $1 OR coalesce(r.n, 0) < (
           SELECT CASE WHEN j.conversion_claimed_until >= now() THEN $5 ELSE coalesce(rj.n, 0) END
           FROM documents j LEFT JOIN running rj ON rj.uploader_id = j.uploader_id
           WHERE j.id = $1 AND ${liveProcessing('j')}))
       ORDER BY coalesce(r.n, 0), c.id = $1 DESC, c.id
       LIMIT 1
       FOR UPDATE OF c SKIP LOCKED)
     RETURNING id, blob_key AS "blobKey", format, original_filename AS "originalFilename",
       free_preview_pages AS "freePreviewPages", price_cents AS "priceCents", conversion_attempts AS attempts`,
    [input.jobDocumentId, input.claim, input.leaseSeconds, input.bootId, input.share],
  );
  return rows[0] ?? null;
}

/** Where a document stands for conversion: waiting, claimed by a live attempt, or neither (done, gone). */
export async function conversionStateOf(db: Queryable, id: number): Promise<'waiting' | 'claimed' | null> {
  const { rows } = await db.query<{ claimed: boolean }>(
    `SELECT conversion_claimed_until IS NOT NULL AND conversion_claimed_until >= now() AS claimed
     FROM documents WHERE id = $1 AND ${LIVE_PROCESSING}`,
    [id],
  );
  if (!rows[0]) return null;
  return rows[0].claimed ? 'claimed' : 'waiting';
}

/** Live claims with the process that holds each (the reclaim checks those processes' liveness). */
export async function findHeldConversions(db: Queryable): Promise<Array<{ id: number; claim: string; bootId: string; attempts: number }>> {
  const { rows } = await db.query<{ id: number; claim: string; bootId: string; attempts: number }>(
    `SELECT id, conversion_claim AS claim, conversion_boot_id AS "bootId", conversion_attempts AS attempts FROM documents
     WHERE ${LIVE_PROCESSING} AND conversion_claimed_until >= now() AND conversion_boot_id IS NOT NULL
     ORDER BY id LIMIT 1000`,
  );
  return rows;
}

export interface ConversionTarget {
  title: string;
  titleSource: 'uploader' | 'properties' | 'file';
  description: string;
  userKeywords: string[];
}

/** Locks the document for saving a result, if this attempt still holds it. */
export async function lockClaimedDocument(db: Queryable, id: number, claim: string): Promise<ConversionTarget | null> {
  const { rows } = await db.query<ConversionTarget>(
    `SELECT title, title_source AS "titleSource", description, user_keywords AS "userKeywords"
     FROM documents WHERE id = $1 AND conversion_claim = $2 AND ${LIVE_PROCESSING} FOR UPDATE`,
    [id, claim],
  );
  return rows[0] ?? null;
}

export interface ConversionOutput {
  title: string;
  titleSource: 'uploader' | 'properties' | 'file';
  keywords: string[];
  pages: number;
  wordCount: number;
  bodyText: string;
  docTitle: string | null;
  docAuthor: string | null;
  previewSimplified: boolean;
  converterVersion: number;
  search: SearchTokens;
  /** ready (published), or pending_review when a moderator must look first (REVIEW_MODE). */
  status: 'ready' | 'pending_review';
}

/** Marks the document converted with its metadata and search vector (the caller holds the lock). */
export async function saveConversionResult(db: Queryable, id: number, out: ConversionOutput): Promise<void> {
  await db.query(
    `UPDATE documents SET status = $16, review_queued_at = CASE WHEN $16 = 'pending_review' THEN now() END, failure_reason = NULL, title = $2, title_source = $3, keywords = $4,
       pages = $5, word_count = $6, body_text = $7, doc_title = $8, doc_author = $9, preview_simplified = $10,
       converter_version = $11, search_vector = ${searchVectorSql(12)},
       converted_at = now(), updated_at = now(), conversion_claim = NULL, conversion_claimed_until = NULL,
       conversion_boot_id = NULL
     WHERE id = $1`,
    [
      id, out.title, out.titleSource, out.keywords, out.pages, out.wordCount, out.bodyText, out.docTitle, out.docAuthor,
      out.previewSimplified, out.converterVersion, out.search.title, out.search.keywords, out.search.description, out.search.body,
      out.status,
    ],
  );
}

/** Replaces the stored preview pages with `pages` (page 1 first). */
export async function replaceDocumentPages(db: Queryable, id: number, pages: string[]): Promise<void> {
  await db.query('DELETE FROM document_pages WHERE document_id = $1', [id]);
  await db.query(
    `INSERT INTO document_pages (document_id, page_no, html)
     SELECT $1, p.ordinality, p.html FROM unnest($2::text[]) WITH ORDINALITY AS p(html, ordinality)`,
    [id, pages],
  );
}

/** Why a conversion failed, for the uploader, and whether trying the same file again may succeed. */
export interface ConversionFailure {
  reason: string;
  /** false for the file's own fault (a zip bomb, a corrupt file, a timeout): the studio offers no retry. */
  retriable: boolean;
}

/**
 * Fails the document with a reason a person understands: if attempt `claim` still holds it, or
 * (claim null) if no attempt holds a live claim.
 */
export async function markConversionFailed(db: Queryable, id: number, claim: string | null, failure: ConversionFailure): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE documents SET status = 'failed', failure_reason = $3, failure_retriable = $4, updated_at = now(),
       conversion_claim = NULL, conversion_claimed_until = NULL, conversion_boot_id = NULL
     WHERE id = $1 AND ${LIVE_PROCESSING}
       AND (conversion_claim = $2::uuid
            OR ($2::uuid IS NULL AND (conversion_claim IS NULL OR conversion_claimed_until < now())))`,
    [id, claim, failure.reason, failure.retriable],
  );
  return (rowCount ?? 0) > 0;
}

/** Gives the claim back (a failed attempt that will be retried, or a dead worker's). False if it was not held. */
export async function releaseConversionClaim(db: Queryable, id: number, claim: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE documents SET conversion_claim = NULL, conversion_claimed_until = NULL, conversion_boot_id = NULL
     WHERE id = $1 AND conversion_claim = $2`,
    [id, claim],
  );
  return (rowCount ?? 0) > 0;
}

/** Processing documents that no attempt holds right now (the sweep checks them against the queue). */
export async function findUnclaimedProcessingDocuments(db: Queryable): Promise<Array<{ id: number; attempts: number }>> {
  const { rows } = await db.query<{ id: number; attempts: number }>(
    `SELECT id, conversion_attempts AS attempts FROM documents
     WHERE ${LIVE_PROCESSING} AND (conversion_claimed_until IS NULL OR conversion_claimed_until < now())
     ORDER BY id LIMIT 1000`,
  );
  return rows;
}

/** Which of these blob keys a document row points to (deleted documents included: buyers keep them). */
export async function findReferencedBlobKeys(db: Queryable, keys: string[]): Promise<Set<string>> {
  // The original, the page preview's PDF and thumbnail, and every rendered page image.
  const { rows } = await db.query<{ key: string }>(
    `SELECT blob_key AS key FROM documents WHERE blob_key = ANY($1::text[])
     UNION SELECT pdf_key FROM documents WHERE pdf_key = ANY($1::text[])
     UNION SELECT thumbnail_key FROM documents WHERE thumbnail_key = ANY($1::text[])
     UNION SELECT image_key FROM document_page_images WHERE image_key = ANY($1::text[])`,
    [keys],
  );
  return new Set(rows.map((r) => r.key));
}
