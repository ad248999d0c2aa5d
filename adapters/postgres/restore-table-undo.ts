import { createHash } from 'node:crypto';
import pg from 'pg';
import {
  createTableStatements,
  parseTableName,
  qualifiedName,
  resetIdentitySequencesStatements,
  type TableDefinition,
  type TableName,
} from './table-definition.js';
import { withTransaction } from './transaction.js';

export const SAFETY_SCHEMA = 'firedrill_safety';

/** Short and unique per run and table, within PostgreSQL's 63-byte identifier limit. */
export function safetyTableName(runId: string, target: TableName): string {
  const digest = createHash('sha256').update(`${target.schema}.${target.table}`).digest('hex').slice(0, 8);
  return `${target.table.slice(0, 30)}_${runId.replace(/-/g, '').slice(0, 12)}_${digest}`;
}

interface RestoreTableParams {
  table: string;
  safetyTable: TableName;
  definition: TableDefinition;
}

/**
 * The undo of `drop-table`. Idempotent: whatever state a crash left behind, running it
 * again ends with the table present and no safety copy.
 */
export async function restoreTableFromSafetyCopy(pool: pg.Pool, params: RestoreTableParams): Promise<string> {
  const target = parseTableName(params.table);
  const targetSql = qualifiedName(target);
  const safetySql = qualifiedName(params.safetyTable);
  return withTransaction(pool, async (client) => {
    const state = await client.query<{ target: boolean; safety: boolean }>(
      'select to_regclass($1) is not null as target, to_regclass($2) is not null as safety',
      [targetSql, safetySql],
    );
    const { target: targetExists, safety: safetyExists } = state.rows[0]!;
    let detail: string;
    if (targetExists) {
      detail = `${targetSql} is present; nothing to restore`;
    } else if (safetyExists) {
      for (const statement of createTableStatements(params.definition, target)) await client.query(statement);
      const columns = params.definition.columns
        .filter((column) => column.generated === null)
        .map((column) => pg.escapeIdentifier(column.name))
        .join(', ');
      const copied = await client.query(
        `insert into ${targetSql} (${columns}) overriding system value select ${columns} from ${safetySql}`,
      );
      for (const statement of resetIdentitySequencesStatements(params.definition, target)) await client.query(statement);
      detail = `${targetSql} restored from the safety copy (${copied.rowCount} rows)`;
    } else {
      throw new Error(
        `${targetSql} is missing and its safety copy ${safetySql} is gone too: restore the table from a backup`,
      );
    }
    if (safetyExists) await client.query(`drop table ${safetySql}`);
    return safetyExists ? `${detail}; safety copy removed` : detail;
  });
}
