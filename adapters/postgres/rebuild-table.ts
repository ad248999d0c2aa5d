import type pg from 'pg';
import { addMissingForeignKeys, validateForeignKeys } from './incoming-foreign-keys.js';
import { errorText, underSavepoint } from './savepoint.js';
import { rebuildPlan } from './table-statements.js';
import type { TableDefinition, TableName } from './table-definition.js';

export interface RebuildResult {
  rows: number;
  /** What could not be put back as it was, and what to do about it. */
  notes: string[];
}

/**
 * Recreates a table from its definition and fills it with `load`, keys and indexes built
 * after the rows are in. Runs inside the caller's transaction, so that the table appears
 * complete or not at all. Restored as itself (not `into` another name), the foreign keys of
 * other tables that pointed at it are added back too.
 */
export async function rebuildTable(
  client: pg.ClientBase,
  definition: TableDefinition,
  target: TableName,
  load: () => Promise<number>,
): Promise<RebuildResult> {
  const plan = rebuildPlan(definition, target);
  for (const statement of plan.create) await client.query(statement);
  const rows = await load();
  const notes: string[] = [];
  for (const step of plan.afterLoad) {
    if (!step.tolerate) {
      await client.query(step.sql);
      continue;
    }
    const failed = await underSavepoint(client, step.tolerate.states, () => client.query(step.sql));
    if (failed) notes.push(step.tolerate.note(errorText(failed)));
  }
  if (target.schema === definition.schema && target.table === definition.table) {
    const incoming = definition.incomingForeignKeys;
    notes.push(...(await addMissingForeignKeys(client, incoming)).notes, ...(await validateForeignKeys(client, incoming)));
  }
  for (const statement of plan.sequences) await client.query(statement);
  return { rows, notes };
}
