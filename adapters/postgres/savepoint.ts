import type pg from 'pg';

/** The SQLSTATE of an error PostgreSQL raised, e.g. `23503`; undefined for anything else. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs `work` inside the current transaction under a savepoint. When it fails with one of
 * the SQLSTATEs in `tolerated`, only `work` is rolled back and the error is returned, so
 * the transaction goes on; any other error is thrown.
 */
export async function underSavepoint(client: pg.ClientBase, tolerated: readonly string[], work: () => Promise<unknown>): Promise<unknown> {
  await client.query('savepoint firedrill_step');
  try {
    await work();
  } catch (error) {
    const state = sqlState(error);
    if (state === undefined || !tolerated.includes(state)) throw error;
    await client.query('rollback to savepoint firedrill_step');
    await client.query('release savepoint firedrill_step');
    return error;
  }
  await client.query('release savepoint firedrill_step');
  return undefined;
}

/** SQLSTATEs a step may meet on a database that is not the one the definition came from. */
export const SQLSTATE = {
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  notNullViolation: '23502',
  /** A role (or other object) named in a GRANT, ALTER OWNER or policy does not exist. */
  undefinedObject: '42704',
  /** The referenced columns have no unique constraint that a foreign key can use. */
  invalidForeignKey: '42830',
  undefinedTable: '42P01',
  /** `set role` to a role that does not exist. */
  invalidParameterValue: '22023',
  insufficientPrivilege: '42501',
  undefinedColumn: '42703',
  duplicateTable: '42P07',
  dependentObjectsStillExist: '2BP01',
  lockNotAvailable: '55P03',
} as const;
