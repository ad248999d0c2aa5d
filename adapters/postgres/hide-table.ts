import pg from 'pg';
import { dropForeignKey, foreignKeyLabel, readIncomingForeignKeys } from './incoming-foreign-keys.js';
import { withEmptySearchPath } from './search-path.js';
import { qualifiedName, type IncomingForeignKey, type TableName } from './table-definition.js';
import { inTransaction } from './transaction.js';
import type { WalPosition } from '../../src/engine/events.js';

/**
 * Where the drop-table drill hides a table: one schema per run, so that concurrent runs
 * (other environments on the same database) never collide on index or sequence names,
 * and each run removes only its own schema.
 */
export const SAFETY_SCHEMA_PREFIX = 'firedrill_safety';

export function hiddenSchemaFor(runId: string): string {
  return `${SAFETY_SCHEMA_PREFIX}_${runId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12).toLowerCase()}`;
}

/** One change the injection made, for the run's journal. */
export interface HideStep {
  action: string;
  undoneBy: string;
}

export interface HiddenTable {
  steps: HideStep[];
  /** Where the move committed in the WAL, for a delayed standby to stop before it; unknown if the connection broke right after the commit. */
  walPosition?: WalPosition;
}

/**
 * "Drops" the table the way the app sees DROP TABLE ... CASCADE: the foreign keys of other
 * tables that point at it are dropped, and the table moves into `hiddenSchema`, where no
 * query of the app finds it ("relation does not exist"). Its rows, indexes, constraints,
 * triggers, sequences, privileges and comments move with it untouched, so putting it back
 * is a catalog update, however large the table, and exact by construction.
 *
 * One transaction: either all of it happened or nothing did. `expectedKeys` are the
 * incoming foreign keys the recorded undo will add back; if they changed since, nothing is
 * done, since the undo would not know how to restore the new ones.
 */
export async function hideTable(client: pg.ClientBase, target: TableName, hiddenSchema: string, expectedKeys: readonly IncomingForeignKey[]): Promise<HiddenTable> {
  const targetSql = qualifiedName(target);
  const label = `${target.schema}.${target.table}`;
  let before: { lsn: string; at: Date } | undefined;
  const steps = await inTransaction(client, async () => {
    // Writers wait on this lock; once granted, the app can no longer use the table.
    await client.query(`lock table ${targetSql} in access exclusive mode`);
    const found = await client.query<{ oid: number }>('select $1::regclass::oid as oid', [targetSql]);
    const keys = await withEmptySearchPath(client, () => readIncomingForeignKeys(client, found.rows[0]!.oid));
    if (JSON.stringify(keys) !== JSON.stringify(expectedKeys)) {
      throw new Error(
        `the foreign keys of other tables that point at ${label} changed after the undo was recorded; ` +
          'nothing was changed: run the drill again',
      );
    }
    const steps: HideStep[] = [];
    for (const key of keys) {
      await dropForeignKey(client, key);
      steps.push({ action: `dropped foreign key ${foreignKeyLabel(key)}, as DROP TABLE ... CASCADE does`, undoneBy: 'adding it back' });
    }
    await client.query(`create schema if not exists ${pg.escapeIdentifier(hiddenSchema)}`);
    // Owned sequences, indexes and constraints move along with the table.
    await client.query(`alter table ${targetSql} set schema ${pg.escapeIdentifier(hiddenSchema)}`);
    steps.push({
      action: `moved ${label} into the schema ${hiddenSchema}: for the app it is gone, as after DROP TABLE`,
      undoneBy: `moving it back (or dropping it, if the team restored ${label} meanwhile) and removing ${hiddenSchema}`,
    });
    // The last statement before COMMIT: the commit record comes after this position and this time.
    const position = await client.query<{ lsn: string; at: Date }>('select pg_current_wal_insert_lsn()::text as lsn, clock_timestamp() as at');
    before = position.rows[0]!;
    return steps;
  });
  // The move has happened: a failure to read where it ended must not be reported as the injection failing.
  const after = await client.query<{ lsn: string }>('select pg_current_wal_insert_lsn()::text as lsn').catch(() => undefined);
  const end = after?.rows[0]?.lsn;
  return { steps, ...(end && before && { walPosition: { before: before.lsn, after: end, at: before.at.toISOString() } }) };
}
