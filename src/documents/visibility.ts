// Which documents exist for whom: "listed" (listings, search, related, saleable) and "visible to
// this actor" (the document itself, its preview, a ticket naming it). The only home of these
// rules, in both forms: TypeScript predicates for rows already read, and SQL fragments for
// queries that must filter in the database. The two are kept side by side so they cannot drift,
// and visibility.test.ts checks that they agree on every combination of states.
//
// Taken down is documents.taken_down_at alone (migration 0009); status is the conversion's
// (processing, ready, failed) and then the moderator's (migration 0070, REVIEW_MODE): a converted
// document that needs review waits as pending_review and becomes ready or rejected. Only ready is
// listed, so the two review states need no rule of their own here: like processing or failed,
// they are visible to the uploader and admins only. The contract's status "taken_down" is derived here.

/** The state stored in documents.status: the conversion's, then the moderator's. */
export type StoredStatus = 'processing' | 'pending_review' | 'ready' | 'failed' | 'rejected';
/** The older name of StoredStatus (from before review states existed). */
export type ConversionStatus = StoredStatus;
/** The status the contract shows: the stored state, or taken_down over it. */
export type ContractStatus = StoredStatus | 'taken_down';

/** Who is looking: anonymous (userId null), a user, or an admin. */
export interface Viewer {
  userId: number | null;
  isAdmin: boolean;
}

/** The columns the rules read. */
export interface VisibilityFacts {
  uploaderId: number;
  status: StoredStatus;
  deletedAt: Date | null;
  takenDownAt: Date | null;
}

/** Converted: the pages and text exist (published, waiting for review, or rejected by it). */
export const isConverted = (status: StoredStatus): boolean => status === 'ready' || status === 'pending_review' || status === 'rejected';

export const isTakenDown = (doc: Pick<VisibilityFacts, 'takenDownAt'>): boolean => doc.takenDownAt !== null;

/** Neither deleted by its uploader nor taken down. */
export const isLive = (doc: VisibilityFacts): boolean => doc.deletedAt === null && doc.takenDownAt === null;

/** Listed: ready and live. What listings, search and related show, and what may be bought. */
export const isListed = (doc: VisibilityFacts): boolean => doc.status === 'ready' && isLive(doc);

/**
 * Visible to the viewer: admins see everything; others see listed documents and their own live
 * documents in any state (processing, failed, waiting for review, rejected). A taken-down
 * document is hidden from its uploader too.
 */
export const isVisibleTo = (viewer: Viewer, doc: VisibilityFacts): boolean =>
  viewer.isAdmin || (isLive(doc) && (doc.status === 'ready' || (viewer.userId !== null && doc.uploaderId === viewer.userId)));

export const contractStatus = (doc: Pick<VisibilityFacts, 'status' | 'takenDownAt'>): ContractStatus =>
  isTakenDown(doc) ? 'taken_down' : doc.status;

// ---- The same rules in SQL, over the documents table under alias `t` ----

/** SQL: taken down. */
export const takenDownSql = (t = 'd') => `(${t}.taken_down_at IS NOT NULL)`;

/** SQL form of isLive. */
export const liveSql = (t = 'd') => `(${t}.deleted_at IS NULL AND ${t}.taken_down_at IS NULL)`;

/**
 * SQL form of isListed. Written exactly as the partial indexes' predicate
 * (documents_listed_newest_idx, documents_listed_popular_idx) so the planner can use them.
 */
export const listedSql = (t = 'd') => `(${t}.status = 'ready' AND ${t}.deleted_at IS NULL AND ${t}.taken_down_at IS NULL)`;

/** SQL form of isVisibleTo; `viewer` and `admin` are parameter placeholders such as '$2'. */
export const visibleToSql = (viewer: string, admin: string, t = 'd') =>
  `(${admin}::boolean OR (${liveSql(t)} AND (${t}.status = 'ready' OR ${t}.uploader_id = ${viewer}::bigint)))`;

/** SQL form of contractStatus, as a text expression (alias it yourself). */
export const contractStatusSql = (t = 'd') => `(CASE WHEN ${t}.taken_down_at IS NOT NULL THEN 'taken_down' ELSE ${t}.status END)`;
