import pg from 'pg';
import type { Fault } from '../../src/engine/ports.js';
import type { UndoAction } from '../../src/engine/events.js';
import { allowedTableCheck } from './allowed-table.js';
import { dropTablePreflight } from './drop-table-preflight.js';
import { hiddenSchemaFor, hideTable } from './hide-table.js';
import { readIncomingForeignKeys } from './incoming-foreign-keys.js';
import type { HiddenTableParams } from './restore-table-undo.js';
import { errorText, sqlState, SQLSTATE } from './savepoint.js';
import { withEmptySearchPath } from './search-path.js';
import { parseTableName, qualifiedName, type IncomingForeignKey } from './table-definition.js';

export interface DropTableFaultOptions {
  /** The probes' pool: preflight only reads. */
  pool: pg.Pool;
  /** A connection of its own for the injection, without the probes' statement timeout. */
  connect: () => Promise<pg.Client>;
  table: string;
  allowedTables: string[];
  runId: string;
  /** `host/database`, for messages. */
  databaseLabel: string;
  /** The drill's canary RPO table, if it has one: the undo removes it too, even after a crash. */
  canaryTable?: string;
}

/**
 * DROP TABLE as the app sees it, undone exactly and at once: the table is not dropped but
 * moved out of sight (see hideTable), and the undo moves it back. The app gets "relation
 * does not exist" exactly as after DROP TABLE ... CASCADE, and the team's recovery (a
 * restore from backup) creates the table anew, as it would after a real drop.
 */
export function dropTableFault(options: DropTableFaultOptions): Fault {
  const target = parseTableName(options.table);
  const label = `${target.schema}.${target.table}`;
  const hiddenSchema = hiddenSchemaFor(options.runId);
  let recordedKeys: IncomingForeignKey[] | undefined;

  return {
    plan: () => [
      `DROP TABLE ${qualifiedName(target)} on ${options.databaseLabel}, as the app sees it: the table moves into the schema ` +
        `${hiddenSchema} (ALTER TABLE ... SET SCHEMA), from where the undo moves it back`,
      `drop the foreign keys of other tables that point at ${label}, as DROP TABLE ... CASCADE would (the undo adds them back)`,
    ],

    async preflight() {
      return [
        allowedTableCheck(options.table, options.allowedTables),
        ...(await dropTablePreflight(options.pool, target, options.databaseLabel)),
      ];
    },

    async undoAction(): Promise<UndoAction> {
      const client = await options.connect();
      try {
        const found = await client.query<{ oid: number }>('select $1::regclass::oid as oid', [qualifiedName(target)]);
        recordedKeys = await withEmptySearchPath(client, () => readIncomingForeignKeys(client, found.rows[0]!.oid));
      } finally {
        await client.end();
      }
      const params: HiddenTableParams = {
        table: label,
        hidden: { schema: hiddenSchema, table: target.table },
        incomingForeignKeys: recordedKeys,
        ...(options.canaryTable ? { canary: { table: options.canaryTable, runId: options.runId } } : {}),
      };
      const keys = recordedKeys.length === 0 ? '' : `, add back the ${recordedKeys.length} foreign key(s) of other tables that pointed at it`;
      const canary = options.canaryTable ? ` and this run's canary rows in ${options.canaryTable}` : '';
      return {
        action: 'restore-table',
        description: `move ${label} back from ${hiddenSchema} (or keep the table the team restored)${keys}, then remove ${hiddenSchema}${canary}`,
        params: { ...params },
      };
    },

    async inject(journal) {
      if (!recordedKeys) throw new Error('internal error: the drop-table undo must be recorded before the injection');
      const client = await options.connect();
      let hidden;
      try {
        hidden = await hideTable(client, target, hiddenSchema, recordedKeys);
      } catch (error) {
        throw new Error(injectionFailure(label, error));
      } finally {
        await client.end();
      }
      // One transaction made every change at once; each is journaled now that it happened.
      for (const step of hidden.steps) await journal.changed(step.action, step.undoneBy);
      return hidden.walPosition ? { walPosition: hidden.walPosition } : {};
    },
  };
}

function injectionFailure(label: string, error: unknown): string {
  if (sqlState(error) === SQLSTATE.lockNotAvailable) {
    return (
      `could not lock ${label} (or a table whose foreign key points at it) in time: a transaction holds it ` +
      '(see pg_stat_activity); nothing was changed: run the drill again when it has finished'
    );
  }
  return `could not hide ${label}: ${errorText(error)}; nothing was changed`;
}
