import type pg from 'pg';
import { UserError } from '../../src/errors.js';
import { aclJson, afterTableName, printedTableName } from './catalog-sql.js';
import { readIncomingForeignKeys } from './incoming-foreign-keys.js';
import { readPolicies, readSequenceValues, readTriggers } from './capture-table-extras.js';
import { withEmptySearchPath } from './search-path.js';
import {
  ConstraintDefinition,
  parseTableName,
  TableDefinition,
  type ColumnDefinition,
  type Grant,
  type SequenceDefinition,
} from './table-definition.js';

const CONSTRAINT_KINDS = {
  p: 'primary key',
  u: 'unique',
  c: 'check',
  f: 'foreign key',
  x: 'exclusion',
} as const satisfies Record<string, ConstraintDefinition['kind']>;

const REPLICA_IDENTITY = { d: 'default', n: 'nothing', f: 'full' } as const;

interface RelationRow {
  oid: number;
  kind: string;
  unlogged: boolean;
  options: string[];
  owner: string;
  grants: Grant[] | null;
  rls: boolean;
  rls_forced: boolean;
  replident: keyof typeof REPLICA_IDENTITY | 'i';
  replident_index: string | null;
  comment: string | null;
  inherits: boolean;
}

interface ColumnRow {
  name: string;
  type: string;
  collation: string | null;
  not_null: boolean;
  not_null_name: string | null;
  default_expr: string | null;
  identity: string;
  generated: string;
  owns_default_sequence: boolean;
  sequence: SequenceDefinition | null;
  comment: string | null;
  grants: Grant[] | null;
}

/** Reads a table's definition. Works inside or outside a transaction on `client`. */
export async function captureTableDefinition(client: pg.ClientBase, name: string): Promise<TableDefinition> {
  const { schema, table } = parseTableName(name);
  return withEmptySearchPath(client, () => readDefinition(client, schema, table));
}

async function readDefinition(client: pg.ClientBase, schema: string, table: string): Promise<TableDefinition> {
  const relation = await readRelation(client, schema, table);
  const oid = relation.oid;
  const columns = await readColumns(client, oid, schema, table);
  const definition: TableDefinition = {
    schema,
    table,
    unlogged: relation.unlogged,
    options: relation.options,
    columns: await readSequenceValues(client, columns),
    constraints: await readConstraints(client, oid, schema, table),
    indexes: await readIndexes(client, oid, schema, table),
    triggers: await readTriggers(client, oid, schema, table),
    comment: relation.comment,
    owner: relation.owner,
    grants: relation.grants,
    rowSecurity: { enabled: relation.rls, forced: relation.rls_forced },
    policies: await readPolicies(client, oid),
    replicaIdentity: replicaIdentity(relation),
    incomingForeignKeys: await readIncomingForeignKeys(client, oid),
  };
  // Parsed once here, so that what a backup writes is exactly what a restore reads.
  return TableDefinition.parse(definition);
}

function replicaIdentity(relation: RelationRow): TableDefinition['replicaIdentity'] {
  if (relation.replident !== 'i') return { kind: REPLICA_IDENTITY[relation.replident] };
  // Its index was dropped: PostgreSQL then behaves as with the default.
  return relation.replident_index ? { kind: 'index', index: relation.replident_index } : { kind: 'default' };
}

async function readRelation(client: pg.ClientBase, schema: string, table: string): Promise<RelationRow> {
  const found = await client.query<RelationRow>(
    `select c.oid, c.relkind as kind, c.relpersistence = 'u' as unlogged, coalesce(c.reloptions, '{}') as options,
            pg_get_userbyid(c.relowner) as owner, ${aclJson('c.relacl')} as grants,
            c.relrowsecurity as rls, c.relforcerowsecurity as rls_forced, c.relreplident as replident,
            (select ic.relname from pg_index i join pg_class ic on ic.oid = i.indexrelid
             where i.indrelid = c.oid and i.indisreplident) as replident_index,
            obj_description(c.oid, 'pg_class') as comment,
            c.relispartition or exists (select 1 from pg_inherits h where h.inhrelid = c.oid) as inherits
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and c.relname = $2`,
    [schema, table],
  );
  const relation = found.rows[0];
  if (!relation) throw new UserError(`the table ${schema}.${table} does not exist`);
  if (relation.kind !== 'r') {
    throw new UserError(`${schema}.${table} is not a plain table (relkind ${relation.kind}); only plain tables are backed up`);
  }
  if (relation.inherits) {
    throw new UserError(
      `${schema}.${table} is a partition or inherits from another table; only stand-alone tables are backed up`,
      'back up the parent table with its own tools (pg_dump), or pick a stand-alone table',
    );
  }
  return relation;
}

async function readColumns(client: pg.ClientBase, oid: number, schema: string, table: string): Promise<ColumnDefinition[]> {
  const columns = await client.query<ColumnRow>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
            case when a.attcollation <> t.typcollation then
              case when con.nspname = 'pg_catalog' then quote_ident(co.collname)
                   else quote_ident(con.nspname) || '.' || quote_ident(co.collname) end end as collation,
            a.attnotnull as not_null,
            (select k.conname from pg_constraint k
             where k.conrelid = a.attrelid and k.contype = 'n' and k.conkey[1] = a.attnum) as not_null_name,
            pg_get_expr(d.adbin, d.adrelid) as default_expr,
            a.attidentity as identity, a.attgenerated as generated,
            coalesce(pg_get_expr(d.adbin, d.adrelid) like 'nextval(%' and exists (
              select 1 from pg_depend ad join pg_depend sd on sd.objid = ad.refobjid
              where ad.classid = 'pg_attrdef'::regclass and ad.objid = d.oid
                and ad.refclassid = 'pg_class'::regclass
                and sd.classid = 'pg_class'::regclass and sd.deptype = 'a'
                and sd.refobjid = a.attrelid and sd.refobjsubid = a.attnum), false) as owns_default_sequence,
            case when s.seqrelid is not null then json_build_object(
              'schema', sn.nspname, 'name', sc.relname, 'type', format_type(s.seqtypid, null),
              'start', s.seqstart::text, 'increment', s.seqincrement::text, 'min', s.seqmin::text,
              'max', s.seqmax::text, 'cache', s.seqcache::text, 'cycle', s.seqcycle,
              'grants', ${aclJson('sc.relacl')}) end as sequence,
            col_description(a.attrelid, a.attnum) as comment,
            ${aclJson('a.attacl')} as grants
     from pg_attribute a
     join pg_type t on t.oid = a.atttypid
     left join pg_collation co on co.oid = a.attcollation
     left join pg_namespace con on con.oid = co.collnamespace
     left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     left join pg_sequence s on s.seqrelid = pg_get_serial_sequence(${printedTableName('$2', '$3')}, a.attname)::regclass
     left join pg_class sc on sc.oid = s.seqrelid
     left join pg_namespace sn on sn.oid = sc.relnamespace
     where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped
     order by a.attnum`,
    [oid, schema, table],
  );
  return columns.rows.map(toColumn);
}

function toColumn(row: ColumnRow): ColumnDefinition {
  const generatedKind = row.generated === 's' ? 'stored' : row.generated === 'v' ? 'virtual' : null;
  const serial = row.identity === '' && row.owns_default_sequence;
  const hasSequence = row.identity !== '' || serial;
  return {
    name: row.name,
    type: row.type,
    collation: row.collation,
    notNull: row.not_null,
    notNullConstraint: row.not_null_name,
    default: generatedKind ? null : row.default_expr,
    identity: row.identity === 'a' ? 'always' : row.identity === 'd' ? 'by default' : null,
    serial,
    sequence: hasSequence ? row.sequence : null,
    generated: generatedKind && row.default_expr !== null ? { kind: generatedKind, expression: row.default_expr } : null,
    comment: row.comment,
    grants: row.grants,
  };
}

async function readConstraints(client: pg.ClientBase, oid: number, schema: string, table: string): Promise<ConstraintDefinition[]> {
  const constraints = await client.query<{
    name: string;
    type: keyof typeof CONSTRAINT_KINDS;
    definition: string;
    self_reference: string | null;
    comment: string | null;
  }>(
    `select conname as name, contype as type, pg_get_constraintdef(oid) as definition,
            case when contype = 'f' and confrelid = conrelid then ${printedTableName('$2', '$3')} end as self_reference,
            obj_description(oid, 'pg_constraint') as comment
     from pg_constraint where conrelid = $1 and contype in ('p', 'u', 'c', 'f', 'x')
     order by case contype when 'p' then 0 when 'u' then 1 when 'x' then 2 when 'c' then 3 else 4 end, conname`,
    [oid, schema, table],
  );
  return constraints.rows.map((row) => ({
    name: row.name,
    kind: CONSTRAINT_KINDS[row.type],
    definition: row.definition,
    ...(row.self_reference ? { selfReference: row.self_reference } : {}),
    comment: row.comment,
  }));
}

async function readIndexes(client: pg.ClientBase, oid: number, schema: string, table: string) {
  // Indexes that back a constraint are recreated by the constraint itself (a foreign key to
  // the table itself names the index it uses too, but does not create it).
  const indexes = await client.query<{ name: string; unique: boolean; definition: string; quoted_table: string; comment: string | null }>(
    `select c.relname as name, i.indisunique as unique, pg_get_indexdef(i.indexrelid) as definition,
            ${printedTableName('$2', '$3')} as quoted_table, obj_description(c.oid, 'pg_class') as comment
     from pg_index i join pg_class c on c.oid = i.indexrelid
     where i.indrelid = $1
       and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid and k.conrelid = i.indrelid
                       and k.contype in ('p', 'u', 'x'))
     order by c.relname`,
    [oid, schema, table],
  );
  return indexes.rows.map((row) => ({
    name: row.name,
    unique: row.unique,
    definition: afterTableName(row.definition, row.quoted_table, [' ON ', ' ON ONLY ']),
    comment: row.comment,
  }));
}
