import type pg from 'pg';
import { qualifiedName, type TableName } from './table-definition.js';

export interface PreflightCheck {
  check: string;
  ok: boolean;
  detail: string;
}

/**
 * What must hold before the drop-table drill hides a table: it exists, DROP TABLE would not
 * need CASCADE on anything but foreign keys (a view on the table would vanish with
 * CASCADE, and could not be brought back exactly), and firedrill may move it away and back.
 */
export async function dropTablePreflight(pool: pg.Pool, target: TableName, databaseLabel: string): Promise<PreflightCheck[]> {
  const targetSql = qualifiedName(target);
  const label = `${target.schema}.${target.table}`;
  const found = await pool.query<{ oid: number | null; kind: string | null; inherits: boolean }>(
    `select c.oid, c.relkind as kind,
            c.relispartition or exists (select 1 from pg_inherits h where h.inhrelid = c.oid or h.inhparent = c.oid) as inherits
     from (select to_regclass($1) as oid) r left join pg_class c on c.oid = r.oid`,
    [targetSql],
  );
  const relation = found.rows[0];
  if (!relation?.oid) {
    return [{ check: 'target table exists', ok: false, detail: `${label} does not exist on ${databaseLabel}` }];
  }
  const exists = { check: 'target table exists', ok: true, detail: `${label} exists on ${databaseLabel}` };
  if (relation.kind !== 'r' || relation.inherits) {
    return [
      exists,
      {
        check: 'target is a stand-alone table',
        ok: false,
        detail: `${label} is ${relation.kind !== 'r' ? `not a plain table (relkind ${relation.kind})` : 'part of an inheritance or partition tree'}; the drill drops stand-alone tables only`,
      },
    ];
  }
  return [exists, await dependentsCheck(pool, relation.oid, label), await permissionsCheck(pool, relation.oid, label)];
}

async function dependentsCheck(pool: pg.Pool, oid: number, label: string): Promise<PreflightCheck> {
  // Parts of the table (its row type, indexes, constraints, sequences, triggers, policies)
  // depend on it automatically or internally and go with it. Anything else that depends on
  // one of them normally would need DROP ... CASCADE, except the foreign keys of other
  // tables, which the drill drops as CASCADE would, and the undo adds back.
  const blockers = await pool.query<{ object: string }>(
    `with recursive part(classid, objid) as (
       select 'pg_class'::regclass::oid, $1::oid
       union
       select d.classid, d.objid from pg_depend d join part p on d.refclassid = p.classid and d.refobjid = p.objid
       where d.deptype in ('a', 'i')
     )
     select distinct case when d.classid = 'pg_rewrite'::regclass
                          then (select pg_describe_object('pg_class'::regclass, r.ev_class, 0) from pg_rewrite r where r.oid = d.objid)
                          else pg_describe_object(d.classid, d.objid, d.objsubid) end as object
     from pg_depend d join part p on d.refclassid = p.classid and d.refobjid = p.objid
     where d.deptype = 'n'
       and not exists (select 1 from part q where q.classid = d.classid and q.objid = d.objid)
       and not exists (select 1 from pg_constraint k where d.classid = 'pg_constraint'::regclass
                       and k.oid = d.objid and k.contype = 'f' and k.confrelid = $1)
     order by 1`,
    [oid],
  );
  const objects = blockers.rows.map((row) => row.object);
  return {
    check: 'nothing but foreign keys depends on the target table',
    ok: objects.length === 0,
    detail:
      objects.length === 0
        ? `DROP TABLE ${label} would need CASCADE for foreign keys only (those the drill drops and the undo adds back)`
        : `DROP TABLE ${label} would also need CASCADE for: ${objects.join(', ')}; the drill cannot bring those back. Pick a table nothing depends on, or drop them first`,
  };
}

async function permissionsCheck(pool: pg.Pool, oid: number, label: string): Promise<PreflightCheck> {
  const result = await pool.query<{ user: string; owns: boolean; create_schema: boolean; create_in_schema: boolean; foreign_not_owned: string[] }>(
    `select current_user as user, pg_has_role(c.relowner, 'USAGE') as owns,
            has_database_privilege(current_database(), 'CREATE') as create_schema,
            has_schema_privilege(c.relnamespace, 'CREATE') as create_in_schema,
            array(select distinct quote_ident(n.nspname) || '.' || quote_ident(r.relname)
                  from pg_constraint k join pg_class r on r.oid = k.conrelid join pg_namespace n on n.oid = r.relnamespace
                  where k.confrelid = c.oid and k.contype = 'f' and k.conrelid <> c.oid
                    and not pg_has_role(r.relowner, 'USAGE')) as foreign_not_owned
     from pg_class c where c.oid = $1`,
    [oid],
  );
  const row = result.rows[0]!;
  const missing = [
    ...(row.owns ? [] : [`own ${label} (be a member of its owner)`]),
    ...(row.create_schema ? [] : ['CREATE on the database (for the schema the table is hidden in)']),
    ...(row.create_in_schema ? [] : [`CREATE on the schema of ${label} (to move it back)`]),
    ...(row.foreign_not_owned.length === 0 ? [] : [`own ${row.foreign_not_owned.join(', ')} (their foreign keys point at ${label})`]),
  ];
  return {
    check: 'firedrill may hide and restore the target table',
    ok: missing.length === 0,
    detail:
      missing.length === 0
        ? `${row.user} may move ${label} away and back`
        : `${row.user} must ${missing.join('; ')}: grant it, as DROP TABLE and its restore would need it too`,
  };
}
