import pg from 'pg';
import * as z from 'zod';
import { removeCanaryRows } from './canary-table.js';
import { addMissingForeignKeys, validateForeignKeys } from './incoming-foreign-keys.js';
import { LegacySafetyCopyParams, restoreFromSafetyCopy } from './legacy-safety-copy.js';
import { errorText, sqlState, SQLSTATE, underSavepoint } from './savepoint.js';
import { IncomingForeignKey, parseTableName, qualifiedName } from './table-definition.js';
import { inTransaction } from './transaction.js';

/** What the drop-table drill records before it hides a table (see hideTable). */
export const HiddenTableParams = z.object({
  /** `schema.table` */
  table: z.string(),
  /** Where the table was moved: the run's own schema, and the same table name. */
  hidden: z.object({ schema: z.string(), table: z.string() }),
  incomingForeignKeys: z.array(IncomingForeignKey),
  /** The drill's canary RPO table: this run's rows (and the table, once unused) go too. */
  canary: z.object({ table: z.string(), runId: z.string() }).optional(),
});
export type HiddenTableParams = z.infer<typeof HiddenTableParams>;

/** Runs recorded by firedrill before it hid tables kept a copy; their undo still runs. */
export const RestoreTableParams = z.union([HiddenTableParams, LegacySafetyCopyParams]);
export type RestoreTableParams = z.infer<typeof RestoreTableParams>;

/**
 * The undo of `drop-table`, on a connection of its own without a statement timeout.
 * Idempotent: whatever state a crash left (before the move, after it, in the middle of
 * this undo), running it again ends with the table present, the foreign keys of other
 * tables back, and nothing of firedrill's left. Returns what it did, for the journal.
 */
export async function undoDropTable(client: pg.ClientBase, params: RestoreTableParams): Promise<string> {
  const parts = 'hidden' in params ? await unhideTable(client, params) : await restoreFromSafetyCopy(client, params);
  if ('hidden' in params && params.canary) {
    try {
      parts.push(await removeCanaryRows(client, params.canary.table, params.canary.runId));
    } catch (error) {
      throw new Error(
        `${parts.join('; ')}; but the canary table ${params.canary.table} could not be cleaned up: ${errorText(error)}; firedrill tries again`,
      );
    }
  }
  return parts.join('; ');
}

async function unhideTable(client: pg.ClientBase, params: HiddenTableParams): Promise<string[]> {
  const target = parseTableName(params.table);
  const label = `${target.schema}.${target.table}`;
  const hiddenLabel = `${params.hidden.schema}.${params.hidden.table}`;
  const parts = await inTransaction(client, async () => {
    const state = await client.query<{ target: boolean; hidden: boolean }>(
      'select to_regclass($1) is not null as target, to_regclass($2) is not null as hidden',
      [qualifiedName(target), qualifiedName(params.hidden)],
    );
    const { target: targetExists, hidden: hiddenExists } = state.rows[0]!;
    let done: string;
    if (hiddenExists && !targetExists) {
      await client.query(`alter table ${qualifiedName(params.hidden)} set schema ${pg.escapeIdentifier(target.schema)}`);
      done = `${label} moved back from ${params.hidden.schema}, as it was`;
    } else if (hiddenExists) {
      // The team restored the table: theirs is the outcome of the drill, the original is spare.
      await client.query(`drop table ${qualifiedName(params.hidden)}`).catch((error: unknown) => {
        if (sqlState(error) !== SQLSTATE.dependentObjectsStillExist) throw error;
        throw new Error(
          `${label} was restored by the team, but something depends on firedrill's hidden original ${hiddenLabel} ` +
            `(${errorText(error)}${detailOf(error)}): make it independent of ${params.hidden.schema}; firedrill tries again`,
        );
      });
      done = `${label} was restored by the team and is kept; firedrill's hidden original ${hiddenLabel} dropped`;
    } else if (targetExists) {
      done = `${label} is present; nothing to move back`;
    } else {
      throw new Error(
        `${label} is missing, and the hidden original ${hiddenLabel} is gone too (dropped by someone): ` +
          `restore ${label} from a backup; then this undo, tried again, adds back the foreign keys of other tables`,
      );
    }
    const { added, notes } = await addMissingForeignKeys(client, params.incomingForeignKeys);
    return [done, ...(added.length > 0 ? [`foreign keys added back: ${added.join(', ')}`] : []), ...notes, ...(await dropSchemaIfEmpty(client, params.hidden.schema))];
  }).catch((error: unknown) => {
    throw new Error(undoFailure(label, error));
  });
  // The table is back already: each check of old rows runs on its own, and blocks no writer.
  for (const key of params.incomingForeignKeys) {
    const notes = await inTransaction(client, () => validateForeignKeys(client, [key])).catch((error: unknown) => {
      throw new Error(`${parts.join('; ')}; but ${undoFailure(`the foreign key ${key.name} of ${key.schema}.${key.table}`, error)}`);
    });
    parts.push(...notes);
  }
  return parts;
}

/** The run's own schema, once empty. Something else put in it is not firedrill's to drop. */
async function dropSchemaIfEmpty(client: pg.ClientBase, schema: string): Promise<string[]> {
  const found = await client.query('select 1 from pg_namespace where nspname = $1', [schema]);
  if (found.rowCount === 0) return [];
  const kept = await underSavepoint(client, [SQLSTATE.dependentObjectsStillExist], () =>
    client.query(`drop schema ${pg.escapeIdentifier(schema)}`),
  );
  return kept ? [`schema ${schema} kept: something else was put in it (${errorText(kept)}); drop it once that is moved`] : [`schema ${schema} removed`];
}

function detailOf(error: unknown): string {
  const detail = (error as { detail?: unknown }).detail;
  return typeof detail === 'string' ? `: ${detail.replace(/\n/g, '; ')}` : '';
}

/** `what` could not be put back: why, and what to do. */
function undoFailure(what: string, error: unknown): string {
  if (sqlState(error) === SQLSTATE.lockNotAvailable) {
    return (
      `could not put ${what} back yet: a transaction of the app holds a lock it needs (see pg_stat_activity); ` +
      'firedrill tries again; end that transaction if it lasts'
    );
  }
  // The undo's own errors already say what is wrong and what to do.
  return error instanceof Error && !sqlState(error) ? error.message : `could not put ${what} back: ${errorText(error)}`;
}
