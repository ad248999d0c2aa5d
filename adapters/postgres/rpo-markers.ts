import pg from 'pg';
import type { RpoMarker } from '../../src/engine/ports.js';
import { parseTableName, qualifiedName } from './table-definition.js';

/** The newest value of a timestamp column, e.g. `orders.created_at`. */
export function columnMarker(pool: pg.Pool, table: string, column: string): RpoMarker {
  const source = `${qualifiedName(parseTableName(table))}.${pg.escapeIdentifier(column)}`;
  const from = qualifiedName(parseTableName(table));
  const columnSql = pg.escapeIdentifier(column);
  return {
    description: `newest ${source}`,
    start: async () => undefined,
    stop: async () => undefined,
    newest: (atMost) =>
      atMost
        ? readTimestamp(pool, `select max(${columnSql}) from ${from} where ${columnSql} <= $1`, [atMost])
        : readTimestamp(pool, `select max(${columnSql}) from ${from}`, []),
  };
}

/** A query returning one timestamp; `$1`, when the query uses it, is the newest value before injection. */
export function queryMarker(pool: pg.Pool, query: string): RpoMarker {
  const usesBound = /\$1\b/.test(query);
  return {
    description: query,
    start: async () => undefined,
    stop: async () => undefined,
    newest: (atMost) => readTimestamp(pool, query, usesBound ? [atMost ?? new Date('9999-12-31T00:00:00Z')] : []),
  };
}

/**
 * Writes a timestamped row every `intervalMs`, from before injection until verification,
 * so RPO can be read from data the bot knows it wrote.
 */
export function canaryMarker(pool: pg.Pool, table: string, intervalMs: number, runId: string): RpoMarker {
  const tableSql = qualifiedName(parseTableName(table));
  let timer: NodeJS.Timeout | undefined;
  const write = () =>
    pool.query(`insert into ${tableSql} (run_id) values ($1)`, [runId]).catch(() => undefined);
  return {
    description: `newest row of the canary ${tableSql}, written every ${intervalMs} ms`,
    async start() {
      await pool.query(
        `create table if not exists ${tableSql} (
           written_at timestamptz primary key default clock_timestamp(),
           run_id text not null)`,
      );
      await write();
      timer = setInterval(() => void write(), intervalMs);
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
    },
    newest: (atMost) =>
      readTimestamp(pool, `select max(written_at) from ${tableSql} where written_at <= $1`, [atMost ?? new Date('9999-12-31T00:00:00Z')]),
  };
}

async function readTimestamp(pool: pg.Pool, text: string, values: unknown[]): Promise<Date | null> {
  const result = await pool.query({ text, values, rowMode: 'array' });
  const value: unknown = result.rows[0]?.[0];
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  const parsed = new Date(String(value));
  if (Number.isNaN(parsed.getTime())) throw new Error(`the RPO marker returned ${String(value)}, not a timestamp`);
  return parsed;
}
