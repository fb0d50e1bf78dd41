// Postgres errors are recognised by SQLSTATE and constraint name, never by message text.

interface PgErrorShape {
  code?: string;
  constraint?: string;
}

const asPg = (err: unknown): PgErrorShape => (typeof err === 'object' && err !== null ? (err as PgErrorShape) : {});

export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = asPg(err);
  return e.code === SQLSTATE.uniqueViolation && (constraint === undefined || e.constraint === constraint);
}

export function isCheckViolation(err: unknown, constraint?: string): boolean {
  const e = asPg(err);
  return e.code === SQLSTATE.checkViolation && (constraint === undefined || e.constraint === constraint);
}

export function isRetryableTransactionError(err: unknown): boolean {
  const code = asPg(err).code;
  return code === SQLSTATE.serializationFailure || code === SQLSTATE.deadlockDetected;
}

/** Connection-level failures: the database is down or unreachable (→ 503). */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  const code = e.code ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08003', '08006'].includes(code) ||
    (err instanceof Error && /Connection terminated|connection timeout|Client has encountered a connection error|Cannot use a pool after calling end/i.test(err.message))
  );
}
