import pg from 'pg';

/**
 * Everything pg_catalog says about one table, normalised for comparison: names and
 * definitions as PostgreSQL prints them with an empty search_path, never oids, lists in a
 * stable order. Written apart from firedrill's own capture code (other queries, other
 * shapes), so that a test comparing two of these checks the restore, not the capture.
 *
 * Covered: relation (kind, persistence, storage options, owner, ACL, RLS enabled/forced,
 * replica identity, comment); columns (order, type, collation, NOT NULL, default,
 * identity, generated, column ACL, comment); constraints of every kind, NOT NULL ones
 * included (definition, validated, deferrable, comment); indexes (full definition, the
 * constraint behind it, replica identity, comment); non-internal triggers (definition,
 * enabled state, comment); policies (command, permissive, roles, expressions, comment);
 * owned sequences (column, type, options, current value, owner, ACL); foreign keys of
 * other tables that point at the table (definition, validated, comment).
 */
export interface TableCatalog {
  relation: Record<string, unknown>;
  columns: Record<string, unknown>[];
  constraints: Record<string, unknown>[];
  indexes: Record<string, unknown>[];
  triggers: Record<string, unknown>[];
  policies: Record<string, unknown>[];
  sequences: Record<string, unknown>[];
  incomingForeignKeys: Record<string, unknown>[];
}

export async function readTableCatalog(pool: pg.Pool, table: string): Promise<TableCatalog> {
  const client = await pool.connect();
  try {
    await client.query('begin isolation level repeatable read read only');
    await client.query("set local search_path = ''");
    const oid = (await client.query<{ oid: number }>('select $1::regclass::oid as oid', [table])).rows[0]!.oid;
    const rows = async (sql: string) => (await client.query<Record<string, unknown>>(sql, [oid])).rows;
    const catalog: TableCatalog = {
      relation: (
        await rows(`
          select c.relname, c.relnamespace::regnamespace::text as schema, c.relkind, c.relpersistence, c.reloptions,
                 c.relowner::regrole::text as owner, array(select unnest(c.relacl)::text order by 1) as acl,
                 c.relacl is null as default_acl, c.relrowsecurity, c.relforcerowsecurity, c.relreplident,
                 obj_description(c.oid, 'pg_class') as comment
          from pg_class c where c.oid = $1`)
      )[0]!,
      columns: await rows(`
        select a.attname, format_type(a.atttypid, a.atttypmod) as type, a.attcollation::regcollation::text as collation,
               a.attnotnull, pg_get_expr(d.adbin, d.adrelid) as default, a.attidentity, a.attgenerated,
               array(select unnest(a.attacl)::text order by 1) as acl, a.attacl is null as default_acl,
               col_description(a.attrelid, a.attnum) as comment
        from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
        where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped order by a.attnum`),
      constraints: await rows(`
        select conname, contype, pg_get_constraintdef(oid) as definition, convalidated, condeferrable, condeferred,
               obj_description(oid, 'pg_constraint') as comment
        from pg_constraint where conrelid = $1 order by conname`),
      indexes: await rows(`
        select ic.relname, pg_get_indexdef(i.indexrelid) as definition, i.indisprimary, i.indisunique, i.indisreplident,
               (select conname from pg_constraint k where k.conindid = i.indexrelid and k.conrelid = i.indrelid
                and k.contype in ('p', 'u', 'x')) as constraint,
               obj_description(i.indexrelid, 'pg_class') as comment
        from pg_index i join pg_class ic on ic.oid = i.indexrelid where i.indrelid = $1 order by ic.relname`),
      triggers: await rows(`
        select tgname, pg_get_triggerdef(oid) as definition, tgenabled, obj_description(oid, 'pg_trigger') as comment
        from pg_trigger where tgrelid = $1 and not tgisinternal order by tgname`),
      policies: await rows(`
        select polname, polcmd, polpermissive, array(select case when r = 0 then 'PUBLIC' else r::regrole::text end
                                                     from unnest(polroles) r order by 1) as roles,
               pg_get_expr(polqual, polrelid) as qual, pg_get_expr(polwithcheck, polrelid) as with_check,
               obj_description(oid, 'pg_policy') as comment
        from pg_policy where polrelid = $1 order by polname`),
      sequences: await readSequences(client, oid),
      incomingForeignKeys: await rows(`
        select conrelid::regclass::text as table, conname, pg_get_constraintdef(oid) as definition, convalidated,
               obj_description(oid, 'pg_constraint') as comment
        from pg_constraint where confrelid = $1 and conrelid <> $1 and contype = 'f' order by 1, 2`),
    };
    await client.query('commit');
    return catalog;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Sequences the table owns (serial and identity), with where they stand. */
async function readSequences(client: pg.PoolClient, oid: number): Promise<Record<string, unknown>[]> {
  const sequences = await client.query<Record<string, unknown> & { sequence: string }>(
    `select s.oid::regclass::text as sequence, a.attname as column, d.deptype, format_type(q.seqtypid, null) as type,
            q.seqstart::text as start, q.seqincrement::text as increment, q.seqmin::text as min, q.seqmax::text as max,
            q.seqcache::text as cache, q.seqcycle as cycle, s.relowner::regrole::text as owner,
            array(select unnest(s.relacl)::text order by 1) as acl, s.relacl is null as default_acl
     from pg_depend d
     join pg_class s on s.oid = d.objid and s.relkind = 'S'
     join pg_sequence q on q.seqrelid = s.oid
     join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
     where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass and d.refobjid = $1
       and d.deptype in ('a', 'i')
     order by 1`,
    [oid],
  );
  const read: Record<string, unknown>[] = [];
  for (const sequence of sequences.rows) {
    const state = await client.query(`select last_value::text, is_called from ${sequence.sequence}`);
    read.push({ ...sequence, ...state.rows[0] });
  }
  return read;
}

/** Every row of `table` (generated columns too) as one digest, in the order of `orderBy`. */
export async function tableDigest(pool: pg.Pool, table: string, orderBy: string): Promise<{ rows: number; digest: string }> {
  const result = await pool.query<{ rows: string; digest: string }>(
    `select count(*) as rows, md5(coalesce(string_agg(t::text, E'\\n' order by ${orderBy}), '')) as digest from ${table} t`,
  );
  return { rows: Number(result.rows[0]!.rows), digest: result.rows[0]!.digest };
}

/** Cheaper than `tableDigest` for a large table: the row count and the sum of every row's hash. */
export async function tableChecksum(pool: pg.Pool, table: string): Promise<{ rows: number; sum: string }> {
  const result = await pool.query<{ rows: string; sum: string }>(`select count(*) as rows, sum(hashtext(t::text))::text as sum from ${table} t`);
  return { rows: Number(result.rows[0]!.rows), sum: result.rows[0]!.sum };
}
