import type pg from 'pg';
import type { Probe } from '../../src/engine/ports.js';
import { readOnlyQuery } from './read-only-query.js';

/**
 * Green when the query runs and the first column of its first row is neither false nor null.
 * Read-only and one statement: a probe observes, it never changes the target.
 */
export function sqlProbe(pool: pg.Pool, name: string, query: string, timeoutMs: number): Probe {
  return {
    name,
    async check() {
      try {
        const rows = await readOnlyQuery(pool, query, [], timeoutMs);
        const value: unknown = rows[0]?.[0];
        if (value === undefined) return { ok: false, detail: 'the query returned no rows' };
        if (value === false || value === null) return { ok: false, detail: `the query returned ${String(value)}` };
        return { ok: true, detail: `returned ${String(value)}` };
      } catch (error) {
        return { ok: false, detail: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}
