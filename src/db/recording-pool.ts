// A pool that reports every statement it and its clients run (text and parameters), for tests
// and benchmarks that check or explain which SQL a repository sends.
import type pg from 'pg';

export type StatementListener = (text: string, values: unknown[] | undefined) => void;

function recordingQueries<T extends object>(target: T, listen: StatementListener, wrap?: (key: PropertyKey, value: unknown) => unknown): T {
  return new Proxy(target, {
    get(t, key) {
      const value: unknown = Reflect.get(t, key);
      if (key === 'query' && typeof value === 'function') {
        return (text: unknown, values?: unknown[]) => {
          if (typeof text === 'string') listen(text, values);
          return (value as (...args: unknown[]) => unknown).call(t, text, values);
        };
      }
      const wrapped = wrap?.(key, value);
      if (wrapped !== undefined) return wrapped;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
  });
}

export function recordingPool(pool: pg.Pool, listen: StatementListener): pg.Pool {
  return recordingQueries(pool, listen, (key) =>
    key === 'connect' ? async () => recordingQueries(await pool.connect(), listen) : undefined,
  );
}
