import pg from 'pg';
import * as z from 'zod';
import { rebuildTable } from './rebuild-table.js';
import { SQLSTATE, underSavepoint } from './savepoint.js';
import { parseTableName, qualifiedName, TableDefinition } from './table-definition.js';
import { inTransaction } from './transaction.js';

/** The shared schema of the safety copies that firedrill kept before it hid tables instead. */
const LEGACY_SAFETY_SCHEMA = 'firedrill_safety';

/** What firedrill recorded when its drop-table drill still kept a copy (`create table as`) and dropped the table. */
export const LegacySafetyCopyParams = z.object({
  table: z.string(),
  safetyTable: z.object({ schema: z.string(), table: z.string() }),
  definition: TableDefinition,
});
export type LegacySafetyCopyParams = z.infer<typeof LegacySafetyCopyParams>;

/**
 * The undo of a run recorded by that older firedrill (it crashed, and this version found
 * it): rebuilds the table from its recorded definition and the copy's rows, then removes
 * the copy, and the shared schema once no other run's copy is in it.
 */
export async function restoreFromSafetyCopy(client: pg.ClientBase, params: LegacySafetyCopyParams): Promise<string[]> {
  const target = parseTableName(params.table);
  const targetSql = qualifiedName(target);
  const safetySql = qualifiedName(params.safetyTable);
  return inTransaction(client, async () => {
    const state = await client.query<{ target: boolean; safety: boolean }>(
      'select to_regclass($1) is not null as target, to_regclass($2) is not null as safety',
      [targetSql, safetySql],
    );
    const { target: targetExists, safety: safetyExists } = state.rows[0]!;
    const parts: string[] = [];
    if (targetExists) {
      parts.push(`${targetSql} is present; nothing to restore`);
    } else if (safetyExists) {
      const columns = params.definition.columns
        .filter((column) => column.generated === null)
        .map((column) => pg.escapeIdentifier(column.name))
        .join(', ');
      const rebuilt = await rebuildTable(client, params.definition, target, async () => {
        const copied = await client.query(`insert into ${targetSql} (${columns}) overriding system value select ${columns} from ${safetySql}`);
        return copied.rowCount ?? 0;
      });
      parts.push(`${targetSql} restored from the safety copy (${rebuilt.rows} rows)`, ...rebuilt.notes);
    } else {
      throw new Error(`${targetSql} is missing and its safety copy ${safetySql} is gone too: restore the table from a backup`);
    }
    if (safetyExists) {
      await client.query(`drop table ${safetySql}`);
      parts.push('safety copy removed');
    }
    // Another run's copy may still be in it: then that run's undo removes the schema.
    const found = await client.query('select 1 from pg_namespace where nspname = $1', [LEGACY_SAFETY_SCHEMA]);
    if (found.rowCount && !(await underSavepoint(client, [SQLSTATE.dependentObjectsStillExist], () => client.query(`drop schema ${pg.escapeIdentifier(LEGACY_SAFETY_SCHEMA)}`)))) {
      parts.push(`schema ${LEGACY_SAFETY_SCHEMA} removed`);
    }
    return parts;
  });
}
