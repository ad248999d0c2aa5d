import type pg from 'pg';
import { afterTableName, printedTableName } from './catalog-sql.js';
import { qualifiedName, type ColumnDefinition, type PolicyDefinition, type TriggerDefinition } from './table-definition.js';

const POLICY_COMMANDS = { '*': 'ALL', r: 'SELECT', a: 'INSERT', w: 'UPDATE', d: 'DELETE' } as const;

/** The table's own triggers; the internal ones (of foreign keys) come back with their constraints. */
export async function readTriggers(client: pg.ClientBase, oid: number, schema: string, table: string): Promise<TriggerDefinition[]> {
  const triggers = await client.query<{
    name: string;
    definition: string;
    quoted_table: string;
    enabled: TriggerDefinition['enabled'];
    comment: string | null;
  }>(
    `select tgname as name, pg_get_triggerdef(oid) as definition, ${printedTableName('$2', '$3')} as quoted_table,
            tgenabled as enabled, obj_description(oid, 'pg_trigger') as comment
     from pg_trigger where tgrelid = $1 and not tgisinternal order by tgname`,
    [oid, schema, table],
  );
  return triggers.rows.map((row) => {
    const tail = afterTableName(row.definition, row.quoted_table, [' ON ']);
    const head = row.definition.slice(0, row.definition.length - tail.length - ` ON ${row.quoted_table} `.length);
    return { name: row.name, head, tail, enabled: row.enabled, comment: row.comment };
  });
}

export async function readPolicies(client: pg.ClientBase, oid: number): Promise<PolicyDefinition[]> {
  const policies = await client.query<{
    name: string;
    permissive: boolean;
    command: keyof typeof POLICY_COMMANDS;
    roles: (string | null)[];
    using: string | null;
    with_check: string | null;
    comment: string | null;
  }>(
    `select polname as name, polpermissive as permissive, polcmd as command,
            array(select case when r = 0 then null else pg_get_userbyid(r)::text end from unnest(polroles) r) as roles,
            pg_get_expr(polqual, polrelid) as using, pg_get_expr(polwithcheck, polrelid) as with_check,
            obj_description(oid, 'pg_policy') as comment
     from pg_policy where polrelid = $1 order by polname`,
    [oid],
  );
  return policies.rows.map((row) => ({
    name: row.name,
    permissive: row.permissive,
    command: POLICY_COMMANDS[row.command],
    roles: row.roles,
    using: row.using,
    withCheck: row.with_check,
    comment: row.comment,
  }));
}

/**
 * Where each identity and serial sequence stands. Sequences are not transactional: read in
 * a backup's snapshot this is the value now, at least as far as the rows the backup holds.
 */
export async function readSequenceValues(client: pg.ClientBase, columns: ColumnDefinition[]): Promise<ColumnDefinition[]> {
  const read: ColumnDefinition[] = [];
  for (const column of columns) {
    const sequence = column.sequence;
    if (!sequence?.schema || !sequence.name) {
      read.push(column);
      continue;
    }
    const state = await client.query<{ last_value: string; is_called: boolean }>(
      `select last_value::text, is_called from ${qualifiedName({ schema: sequence.schema, table: sequence.name })}`,
    );
    const row = state.rows[0];
    read.push(row ? { ...column, sequence: { ...sequence, lastValue: row.last_value, isCalled: row.is_called } } : column);
  }
  return read;
}
