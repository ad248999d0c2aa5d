import pg from 'pg';
import type { RpoMarker } from '../../src/engine/ports.js';
import { createCanaryTableSql, removeCanaryRows } from './canary-table.js';
import { sqlState, SQLSTATE } from './savepoint.js';
import { parseTableName, qualifiedName } from './table-definition.js';
import { readOnlyQuery } from './read-only-query.js';

const RPO_QUERY_TIMEOUT_MS = 5_000;

const NO_LIMIT = new Date('9999-12-31T00:00:00Z');

/** The newest value of a timestamp column, e.g. `orders.created_at`. */
export function columnMarker(pool: pg.Pool, table: string, column: string): RpoMarker {
  const from = qualifiedName(parseTableName(table));
  const columnSql = pg.escapeIdentifier(column);
  return {
    description: `newest ${from}.${columnSql}`,
    resolutionMs: 0,
    start: async () => undefined,
    stop: async () => undefined,
    newest: (atMost) =>
      atMost
        ? readTimestamp(pool, `select max(${columnSql}) from ${from} where ${columnSql} < $1`, [justAfter(atMost)])
        : readTimestamp(pool, `select max(${columnSql}) from ${from}`, []),
  };
}

/** A query returning one timestamp; `$1`, when the query uses it, is the newest value before injection. */
export function queryMarker(pool: pg.Pool, query: string): RpoMarker {
  const usesBound = /\$1\b/.test(query);
  return {
    description: query,
    resolutionMs: 0,
    start: async () => undefined,
    stop: async () => undefined,
    newest: (atMost) => readTimestamp(pool, query, usesBound ? [atMost ?? NO_LIMIT] : []),
  };
}

/**
 * Writes a timestamped row every `intervalMs`, from before injection until verification,
 * so RPO can be read from data the bot knows it wrote. One write at a time: while the
 * database hangs, writes are skipped rather than piled up on the pool the probes share.
 * Once stopped (after verification), its rows, and its table if no other run writes to it,
 * are removed: nothing of firedrill's stays in the staging database. A drill whose undo
 * also removes them (drop-table) covers a crash before `stop`.
 */
export function canaryMarker(pool: pg.Pool, table: string, intervalMs: number, runId: string): RpoMarker {
  const tableSql = qualifiedName(parseTableName(table));
  const insert = () => pool.query(`insert into ${tableSql} (run_id) values ($1)`, [runId]);
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> | undefined;
  const write = () => {
    writing ??= insert()
      // While the table is gone (the drill may be dropping it) the write fails; the next one retries.
      .then(() => undefined, () => undefined)
      .finally(() => (writing = undefined));
    return writing;
  };
  return {
    description: `newest row of the canary ${tableSql}, written every ${intervalMs} ms`,
    resolutionMs: intervalMs,
    async start() {
      // The first row is the baseline; if the last other run using the table just removed
      // it, the table is created again rather than the baseline lost.
      for (let attempt = 1; ; attempt++) {
        await pool.query(createCanaryTableSql(table));
        try {
          await insert();
          break;
        } catch (error) {
          if (sqlState(error) !== SQLSTATE.undefinedTable || attempt === 3) throw error;
        }
      }
      clearInterval(timer);
      timer = setInterval(() => void write(), intervalMs);
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      // A write already sent must land before stop() resolves, or it would land after.
      await writing;
      // Never throws: the engine's undo comes after stop(), and must run whatever happens here.
      const client = await pool.connect().catch(() => undefined);
      if (!client) return;
      try {
        await removeCanaryRows(client, table, runId);
      } catch {
        // The database is unreachable or the table locked; the drill's undo (drop-table) tries again.
      } finally {
        client.release();
      }
    },
    newest: (atMost) =>
      readTimestamp(pool, `select max(written_at) from ${tableSql} where written_at < $1`, [atMost ? justAfter(atMost) : NO_LIMIT]),
  };
}

/**
 * PostgreSQL keeps microseconds, a Date milliseconds: the driver truncates 10:00:03.250750 to
 * 10:00:03.250. "No later than atMost" is meant at that resolution, so that the baseline read
 * before injection is found again after recovery if it survived (`< atMost + 1 ms`).
 */
function justAfter(atMost: Date): Date {
  return new Date(atMost.getTime() + 1);
}

/** Read-only, one statement, with the probes' timeout: an RPO query observes, it never changes the target. */
async function readTimestamp(pool: pg.Pool, text: string, values: unknown[]): Promise<Date | null> {
  const rows = await readOnlyQuery(pool, text, values, RPO_QUERY_TIMEOUT_MS);
  const value: unknown = rows[0]?.[0];
  if (value === null || value === undefined) return null;
  // timestamptz, timestamp and date arrive as Date; text only if it reads as a date and time
  // (`new Date('42')` is the year 2042, so numbers and bare words are refused).
  const parsed =
    value instanceof Date ? value : typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : undefined;
  if (parsed === undefined || Number.isNaN(parsed.getTime())) {
    throw new Error(
      `the RPO marker returned ${String(value)}, not a timestamp: it must return one timestamptz, e.g. select max(created_at) from ...`,
    );
  }
  return parsed;
}
