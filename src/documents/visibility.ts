// Which documents exist for whom: "listed" (listings, search, related, saleable) and "visible to
// this actor" (the document itself, its preview, a ticket naming it). The only home of these
// rules, in both forms: TypeScript predicates for rows already read, and SQL fragments for
// queries that must filter in the database. The two are kept side by side so they cannot drift,
// and visibility.test.ts checks that they agree on every combination of states.
//
// Taken down is documents.taken_down_at alone (migration 0009); status is the conversion's
// (processing, ready, failed). The contract's status "taken_down" is derived here.

/** The conversion state stored in documents.status. */
export type ConversionStatus = 'processing' | 'ready' | 'failed';
/** The status the contract shows: the conversion state, or taken_down over it. */
export type ContractStatus = ConversionStatus | 'taken_down';

/** Who is looking: anonymous (userId null), a user, or an admin. */
export interface Viewer {
  userId: number | null;
  isAdmin: boolean;
}

/** The columns the rules read. */
export interface VisibilityFacts {
  uploaderId: number;
  status: ConversionStatus;
  deletedAt: Date | null;
  takenDownAt: Date | null;
}

export const isTakenDown = (doc: Pick<VisibilityFacts, 'takenDownAt'>): boolean => doc.takenDownAt !== null;

/** Neither deleted by its uploader nor taken down. */
export const isLive = (doc: VisibilityFacts): boolean => doc.deletedAt === null && doc.takenDownAt === null;

/** Listed: ready and live. What listings, search and related show, and what may be bought. */
export const isListed = (doc: VisibilityFacts): boolean => doc.status === 'ready' && isLive(doc);

/**
 * Visible to the viewer: admins see everything; others see listed documents and their own live
 * documents in any conversion state. A taken-down document is hidden from its uploader too.
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
