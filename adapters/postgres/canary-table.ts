import pg from 'pg';
import { parseTableName, qualifiedName } from './table-definition.js';
import { inTransaction } from './transaction.js';

/** A run that has not written to the canary for this long is over, though it left its rows behind. */
const STALE_AFTER = '1 hour';

export function createCanaryTableSql(table: string): string {
  return `create table if not exists ${qualifiedName(parseTableName(table))} (
    written_at timestamptz primary key default clock_timestamp(),
    run_id text not null)`;
}

/**
 * Removes what a canary RPO marker left: this run's rows, the rows of runs that stopped
 * writing long ago (they died, or ran before firedrill cleaned up), and then the table
 * itself once no other run writes to it. Several runs (other environments on the same
 * database) may share one canary table; the lock makes their writes wait, so the table is
 * only dropped when it is really empty. Idempotent. A table that does not have the
 * canary's shape is not firedrill's: it is left alone.
 */
export async function removeCanaryRows(client: pg.ClientBase, table: string, runId: string): Promise<string> {
  const tableSql = qualifiedName(parseTableName(table));
  return inTransaction(client, async () => {
    const shape = await client.query<{ columns: string | null }>(
      `select string_agg(attname || ' ' || format_type(atttypid, atttypmod), ', ' order by attnum) as columns
       from pg_attribute where attrelid = to_regclass($1) and attnum > 0 and not attisdropped`,
      [tableSql],
    );
    const columns = shape.rows[0]?.columns ?? null;
    if (columns === null) return `canary table ${table} already removed`;
    if (columns !== 'written_at timestamp with time zone, run_id text') {
      return `${table} is not a firedrill canary table (its columns are ${columns}); left alone`;
    }
    await client.query(`lock table ${tableSql} in access exclusive mode`);
    await client.query(
      `delete from ${tableSql} where run_id = $1 or run_id in (
         select run_id from ${tableSql} group by run_id having max(written_at) < now() - interval '${STALE_AFTER}')`,
      [runId],
    );
    const left = await client.query<{ others: boolean }>(`select exists (select 1 from ${tableSql}) as others`);
    if (left.rows[0]?.others) return `this run's rows removed from the canary table ${table}, which another run still writes to`;
    await client.query(`drop table ${tableSql}`);
    return `canary table ${table} removed`;
  });
}
