import pg from 'pg';
import type { Fault } from '../../src/engine/ports.js';
import type { UndoAction } from '../../src/engine/events.js';
import { captureTableDefinition, parseTableName, qualifiedName, type TableDefinition } from './table-definition.js';
import { SAFETY_SCHEMA, safetyTableName } from './restore-table-undo.js';
import { withTransaction } from './transaction.js';

export interface DropTableFaultOptions {
  pool: pg.Pool;
  table: string;
  allowedTables: string[];
  runId: string;
  /** `host/database`, for messages. */
  databaseLabel: string;
}

/** Keeps a safety copy of the table, then drops it: the undo can always put it back. */
export function dropTableFault(options: DropTableFaultOptions): Fault {
  const target = parseTableName(options.table);
  const targetSql = qualifiedName(target);
  const safety = { schema: SAFETY_SCHEMA, table: safetyTableName(options.runId, target) };
  const safetySql = qualifiedName(safety);

  return {
    plan: () => [
      `copy ${options.databaseLabel} ${targetSql} into ${safetySql} (the safety copy the undo restores from)`,
      `DROP TABLE ${targetSql} on ${options.databaseLabel}`,
    ],

    async preflight() {
      const allowed = options.allowedTables.map((name) => qualifiedName(parseTableName(name)));
      const found = await options.pool.query<{ exists: boolean }>('select to_regclass($1) is not null as exists', [targetSql]);
      return [
        {
          check: 'target table allowed',
          ok: allowed.includes(targetSql),
          detail: allowed.includes(targetSql)
            ? `${targetSql} is in allowedTables`
            : `${targetSql} is not in the environment's allowedTables (${options.allowedTables.join(', ')})`,
        },
        {
          check: 'target table exists',
          ok: found.rows[0]?.exists === true,
          detail: found.rows[0]?.exists ? `${targetSql} exists on ${options.databaseLabel}` : `${targetSql} does not exist on ${options.databaseLabel}`,
        },
      ];
    },

    async undoAction(): Promise<UndoAction> {
      const client = await options.pool.connect();
      let definition: TableDefinition;
      try {
        definition = await captureTableDefinition(client, options.table);
      } finally {
        client.release();
      }
      return {
        action: 'restore-table',
        description: `put ${targetSql} back from ${safetySql} if it is still missing, then remove the safety copy`,
        params: { table: options.table, safetyTable: safety, definition },
      };
    },

    async inject() {
      await withTransaction(options.pool, async (client) => {
        // Writers wait on the lock, so the copy holds every row the drop removes.
        await client.query(`lock table ${targetSql} in access exclusive mode`);
        await client.query(`create schema if not exists ${pg.escapeIdentifier(SAFETY_SCHEMA)}`);
        await client.query(`create table ${safetySql} as table ${targetSql}`);
        await client.query(`drop table ${targetSql}`);
      });
    },
  };
}
