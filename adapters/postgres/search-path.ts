import type pg from 'pg';

/**
 * Runs `work` with an empty search_path, so that everything the catalogs deparse
 * (`pg_get_expr`, `pg_get_constraintdef`, `format_type`, ...) names every object outside
 * pg_catalog with its schema, and means the same when run again elsewhere. Works inside
 * or outside a transaction on `client`; the previous search_path is put back.
 */
export async function withEmptySearchPath<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  const saved = await client.query<{ path: string }>(`select current_setting('search_path') as path`);
  await client.query(`select set_config('search_path', '', false)`);
  let failed = false;
  try {
    return await work();
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // In an aborted transaction this would fail too, and hide the error that aborted it.
    const restore = client.query(`select set_config('search_path', $1, false)`, [saved.rows[0]?.path ?? '']);
    if (failed) await restore.catch(() => undefined);
    else await restore;
  }
}
