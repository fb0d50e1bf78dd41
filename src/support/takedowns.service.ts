// What the admin sees beside a takedown: the other documents with the same bytes (taken down
// with it) and the near copies (nearly the same text, other bytes) to take down too.
import type { AppDeps } from '../deps.js';
import { findNearCopies, findTextFingerprint, listSameFileCopies, saveTextSimhash, type NearCopyRow } from '../documents/near-copies.repo.js';
import { NEAR_COPY_MAX_DISTANCE, textSimhash } from '../text/simhash.js';

type Deps = Pick<AppDeps, 'db'>;

export interface DocumentCopies {
  sameFile: NearCopyRow[];
  nearText: NearCopyRow[];
}

const LIMIT = 50;

/**
 * Copies of a document: the same SHA-256, and texts within NEAR_COPY_MAX_DISTANCE bits of its
 * SimHash. A document converted before fingerprints existed is fingerprinted now from its stored text.
 */
export async function findDocumentCopies(deps: Deps, documentId: number): Promise<DocumentCopies> {
  const db = deps.db.pool;
  const print = await findTextFingerprint(db, documentId);
  if (!print) return { sameFile: [], nearText: [] };
  let simhash = print.simhash === null ? null : BigInt(print.simhash);
  if (simhash === null && print.bodyText) {
    simhash = textSimhash(print.bodyText);
    if (simhash !== null) await saveTextSimhash(db, documentId, simhash);
  }
  const [sameFile, nearText] = await Promise.all([
    listSameFileCopies(db, print.sha256, documentId, LIMIT),
    simhash === null
      ? Promise.resolve([])
      : findNearCopies(db, { simhash, sha256: print.sha256, exceptId: documentId, maxDistance: NEAR_COPY_MAX_DISTANCE, limit: LIMIT }),
  ]);
  return { sameFile, nearText };
}
