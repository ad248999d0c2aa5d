import type pg from 'pg';

/**
 * Runs a team's query (a probe, an RPO marker) so that it can only read: inside a READ ONLY
 * transaction that is always rolled back, through the extended query protocol (which
 * refuses a second statement, so `select true; drop table ...` fails as a whole), with its
 * own statement timeout.
 */
export async function readOnlyQuery(pool: pg.Pool, text: string, values: unknown[], timeoutMs: number): Promise<unknown[][]> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('begin transaction read only');
    await client.query(`set local statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
    // `queryMode` is in pg since 8.11 but not in its type definitions.
    const query: pg.QueryArrayConfig & { queryMode: 'extended' } = { text, values, rowMode: 'array', queryMode: 'extended' };
    const result = await client.query(query);
    return result.rows as unknown[][];
  } catch (error) {
    broken = !isServerError(error);
    throw error;
  } finally {
    try {
      await client.query('rollback');
    } catch {
      broken = true;
    }
    // A connection in an unknown state is not handed to the next probe.
    client.release(broken);
  }
}

function isServerError(error: unknown): boolean {
  return typeof (error as { code?: unknown }).code === 'string' && /^[0-9A-Z]{5}$/.test((error as { code: string }).code);
}
