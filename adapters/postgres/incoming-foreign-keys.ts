import pg from 'pg';
import { errorText, SQLSTATE, underSavepoint } from './savepoint.js';
import { qualifiedName, type IncomingForeignKey } from './table-definition.js';

/**
 * Foreign keys of other tables that point at the table `oid`: what `DROP TABLE ... CASCADE`
 * removes from them. Call with an empty search_path (`withEmptySearchPath`), so that the
 * definitions name the table with its schema. A partition's copy of its parent's key is
 * left out: it comes back with the parent's.
 */
export async function readIncomingForeignKeys(client: pg.ClientBase, oid: number): Promise<IncomingForeignKey[]> {
  const found = await client.query<IncomingForeignKey>(
    `select n.nspname as schema, r.relname as table, k.conname as name,
            pg_get_constraintdef(k.oid) as definition, obj_description(k.oid, 'pg_constraint') as comment
     from pg_constraint k
     join pg_class r on r.oid = k.conrelid
     join pg_namespace n on n.oid = r.relnamespace
     where k.contype = 'f' and k.confrelid = $1 and k.conrelid <> $1 and k.conparentid = 0
     order by n.nspname, r.relname, k.conname`,
    [oid],
  );
  return found.rows;
}

export function foreignKeyLabel(key: IncomingForeignKey): string {
  return `${key.name} of ${key.schema}.${key.table}`;
}

export async function dropForeignKey(client: pg.ClientBase, key: IncomingForeignKey): Promise<void> {
  await client.query(`alter table ${tableOf(key)} drop constraint ${pg.escapeIdentifier(key.name)}`);
}

/** Was the key validated when it was read? A key that is not enforced is never validated. */
function wasValidated(key: IncomingForeignKey): boolean {
  return !/ NOT VALID$/.test(key.definition) && !/\bNOT ENFORCED\b/.test(key.definition);
}

/**
 * Adds back each key that is missing, as NOT VALID: checking the rows of a large table
 * would hold its lock for as long, and rows may no longer match (see `validateForeignKeys`).
 * Its comment comes back too. Runs inside the caller's transaction. A key that cannot be
 * added (its table is gone, the referenced columns lost their unique key) does not stop the
 * others: the returned notes say what to do.
 */
export async function addMissingForeignKeys(client: pg.ClientBase, keys: readonly IncomingForeignKey[]): Promise<{ added: string[]; notes: string[] }> {
  const added: string[] = [];
  const notes: string[] = [];
  for (const key of keys) {
    const state = await client.query<{ table_exists: boolean; key_exists: boolean }>(
      `select to_regclass($1) is not null as table_exists,
              exists (select 1 from pg_constraint where conrelid = to_regclass($1) and conname = $2) as key_exists`,
      [tableOf(key), key.name],
    );
    const { table_exists: tableExists, key_exists: keyExists } = state.rows[0]!;
    if (!tableExists) {
      notes.push(`foreign key ${foreignKeyLabel(key)} not added back: ${key.schema}.${key.table} no longer exists`);
      continue;
    }
    if (keyExists) continue;
    const definition = wasValidated(key) ? `${key.definition} NOT VALID` : key.definition;
    const failed = await underSavepoint(client, [SQLSTATE.invalidForeignKey, SQLSTATE.undefinedColumn, SQLSTATE.undefinedTable], async () => {
      await client.query(`alter table ${tableOf(key)} add constraint ${pg.escapeIdentifier(key.name)} ${definition}`);
      if (key.comment !== null) {
        await client.query(`comment on constraint ${pg.escapeIdentifier(key.name)} on ${tableOf(key)} is ${pg.escapeLiteral(key.comment)}`);
      }
    });
    if (failed) {
      notes.push(
        `foreign key ${foreignKeyLabel(key)} could not be added back (${errorText(failed)}); once the table it points at ` +
          `has the referenced key again, run: ALTER TABLE ${tableOf(key)} ADD CONSTRAINT ${pg.escapeIdentifier(key.name)} ${key.definition}`,
      );
    } else {
      added.push(foreignKeyLabel(key));
    }
  }
  return { added, notes };
}

/**
 * Validates each key that was valid when it was read and is not now. Rows written while
 * the key was gone may point at rows that do not exist: the key then stays NOT VALID (it
 * still checks every new row) and a note says how to finish. Runs inside the caller's
 * transaction; errors other than a violation (a lock timeout) are thrown, to be retried.
 */
export async function validateForeignKeys(client: pg.ClientBase, keys: readonly IncomingForeignKey[]): Promise<string[]> {
  const notes: string[] = [];
  for (const key of keys.filter(wasValidated)) {
    const state = await client.query<{ validated: boolean }>(
      'select convalidated as validated from pg_constraint where conrelid = to_regclass($1) and conname = $2',
      [tableOf(key), key.name],
    );
    if (state.rows[0]?.validated !== false) continue;
    const failed = await underSavepoint(client, [SQLSTATE.foreignKeyViolation], () =>
      client.query(`alter table ${tableOf(key)} validate constraint ${pg.escapeIdentifier(key.name)}`),
    );
    if (failed) {
      notes.push(
        `foreign key ${foreignKeyLabel(key)} left NOT VALID: ${errorText(failed)}; it checks new rows, but old ones do not match. ` +
          `Fix those rows, then run: ALTER TABLE ${tableOf(key)} VALIDATE CONSTRAINT ${pg.escapeIdentifier(key.name)}`,
      );
    }
  }
  return notes;
}

function tableOf(key: IncomingForeignKey): string {
  return qualifiedName({ schema: key.schema, table: key.table });
}
