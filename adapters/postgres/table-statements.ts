import pg from 'pg';
import { SQLSTATE } from './savepoint.js';
import { decorationSteps, type Step } from './table-decoration-statements.js';
import {
  qualifiedName,
  type ColumnDefinition,
  type ConstraintDefinition,
  type SequenceDefinition,
  type TableDefinition,
  type TableName,
} from './table-definition.js';

/**
 * The statements that rebuild a table from its definition, in the order that loads fastest:
 * the bare table first (columns, defaults, NOT NULL, validated CHECKs, which COPY checks
 * row by row at little cost), then the rows, then everything that would slow every row
 * down or that must not see the load (keys, indexes, foreign keys, triggers), then the rest.
 */
export interface RebuildPlan {
  /** Before the rows. */
  create: string[];
  /** After the rows, in order. */
  afterLoad: Step[];
  /** Last: every identity and serial sequence where it stood. */
  sequences: string[];
}

/**
 * Statements that recreate the table (as `target`, if given). Under another table name,
 * constraint, index and sequence names are renamed too, since index and sequence names
 * must be unique per schema.
 */
export function rebuildPlan(definition: TableDefinition, target?: TableName): RebuildPlan {
  const to = target ?? definition;
  const name = qualifiedName(to);
  const rename = renamer(definition, to);
  const sequenceOf = (column: ColumnDefinition) => sequenceName(definition, column, to, rename);
  const serials = definition.columns.filter((column) => column.serial && !column.generated);
  const checksFirst = definition.constraints.filter((constraint) => constraint.kind === 'check' && !isNotValid(constraint));
  const keys = definition.constraints.filter((constraint) => ['primary key', 'unique', 'exclusion'].includes(constraint.kind));
  const foreignKeys = definition.constraints.filter((constraint) => constraint.kind === 'foreign key');
  const checksLast = definition.constraints.filter((constraint) => constraint.kind === 'check' && isNotValid(constraint));
  const addConstraint = (constraint: ConstraintDefinition, definitionSql: string) =>
    `alter table ${name} add constraint ${pg.escapeIdentifier(rename(constraint.name))} ${definitionSql}`;

  const elements = [
    ...definition.columns.map((column) => columnSql(column, sequenceOf(column), rename)),
    ...checksFirst.map((constraint) => `constraint ${pg.escapeIdentifier(rename(constraint.name))} ${constraint.definition}`),
  ];
  const options = definition.options.length > 0 ? ` with (${definition.options.join(', ')})` : '';
  return {
    create: [
      ...serials.map((column) => createSequenceSql(sequenceOf(column), column)),
      `create ${definition.unlogged ? 'unlogged ' : ''}table ${name} (\n  ${elements.join(',\n  ')}\n)${options}`,
      ...serials.map(
        (column) => `alter sequence ${qualifiedName(sequenceOf(column))} owned by ${name}.${pg.escapeIdentifier(column.name)}`,
      ),
    ],
    afterLoad: [
      ...keys.map((constraint) => ({ sql: addConstraint(constraint, constraint.definition) })),
      ...definition.indexes.map((index) => ({
        sql: `create ${index.unique ? 'unique ' : ''}index ${pg.escapeIdentifier(rename(index.name))} on ${name} ${index.definition}`,
      })),
      ...foreignKeys.flatMap((constraint) => foreignKeySteps(constraint, name, pg.escapeIdentifier(rename(constraint.name)))),
      ...checksLast.map((constraint) => ({ sql: addConstraint(constraint, constraint.definition) })),
      ...decorationSteps(definition, to, rename, sequenceOf),
    ],
    sequences: definition.columns
      .filter((column) => column.sequence && (column.identity || column.serial) && !column.generated)
      .map((column) => setSequenceSql(column, name)),
  };
}

function isNotValid(constraint: ConstraintDefinition): boolean {
  return / NOT VALID$/.test(constraint.definition);
}

/**
 * A foreign key is added NOT VALID and then validated: the rows it points at may have
 * changed since the backup, and a restore that fails on them would leave nothing at all.
 */
function foreignKeySteps(constraint: ConstraintDefinition, table: string, quotedName: string): Step[] {
  const definition = selfReferenceTo(constraint, table);
  const add = `alter table ${table} add constraint ${quotedName} ${definition}`;
  if (isNotValid(constraint) || /\bNOT ENFORCED\b/.test(definition)) return [{ sql: add }];
  return [
    { sql: `${add} NOT VALID` },
    {
      sql: `alter table ${table} validate constraint ${quotedName}`,
      tolerate: {
        states: [SQLSTATE.foreignKeyViolation],
        note: (error) =>
          `foreign key ${quotedName} of ${table} left NOT VALID: ${error}; fix those rows, then run: ALTER TABLE ${table} VALIDATE CONSTRAINT ${quotedName}`,
      },
    },
  ];
}

/** A foreign key to the table itself must point at the recreated table. */
function selfReferenceTo(constraint: ConstraintDefinition, target: string): string {
  if (!constraint.selfReference) return constraint.definition;
  return constraint.definition.replace(` REFERENCES ${constraint.selfReference}(`, ` REFERENCES ${target}(`);
}

function columnSql(column: ColumnDefinition, sequence: TableName, rename: (name: string) => string): string {
  const parts = [pg.escapeIdentifier(column.name), column.type];
  if (column.collation) parts.push(`collate ${column.collation}`);
  if (column.generated) {
    parts.push(`generated always as (${column.generated.expression}) ${column.generated.kind}`);
  } else if (column.identity) {
    const options = column.sequence ? ` (${column.sequence.name ? `sequence name ${qualifiedName(sequence)} ` : ''}${sequenceOptions(column.sequence)})` : '';
    parts.push(`generated ${column.identity} as identity${options}`);
  } else if (column.serial) {
    // A serial stays a serial: nextval() of its own sequence, which the column owns.
    parts.push(`default nextval(${pg.escapeLiteral(qualifiedName(sequence))}::regclass)`);
  } else if (column.default !== null) {
    parts.push(`default ${column.default}`);
  }
  if (column.notNull) {
    if (column.notNullConstraint) parts.push(`constraint ${pg.escapeIdentifier(rename(column.notNullConstraint))}`);
    parts.push('not null');
  }
  return parts.join(' ');
}

function sequenceOptions(sequence: SequenceDefinition): string {
  return (
    `start with ${sequence.start} increment by ${sequence.increment} minvalue ${sequence.min} maxvalue ${sequence.max}` +
    `${sequence.cache ? ` cache ${sequence.cache}` : ''}${sequence.cycle ? ' cycle' : ' no cycle'}`
  );
}

function createSequenceSql(sequence: TableName, column: ColumnDefinition): string {
  const type = column.sequence?.type ?? (['smallint', 'integer', 'bigint'].includes(column.type) ? column.type : undefined);
  const options = column.sequence ? ` ${sequenceOptions(column.sequence)}` : '';
  return `create sequence ${qualifiedName(sequence)}${type ? ` as ${type}` : ''}${options}`;
}

/** The column's sequence, named as before; older manifests did not record it, so a serial gets PostgreSQL's usual name. */
function sequenceName(definition: TableDefinition, column: ColumnDefinition, to: TableName, rename: (name: string) => string): TableName {
  const sequence = column.sequence;
  const sameTable = to.schema === definition.schema && to.table === definition.table;
  if (sequence?.name && sequence.schema) {
    return sameTable ? { schema: sequence.schema, table: sequence.name } : { schema: to.schema, table: rename(sequence.name) };
  }
  return { schema: to.schema, table: `${to.table}_${column.name}_seq` };
}

/**
 * Puts the sequence back where it stood. Older manifests did not record that: the next
 * value then follows the loaded rows (COPY writes these columns without drawing from it).
 */
function setSequenceSql(column: ColumnDefinition, table: string): string {
  const sequence = `pg_get_serial_sequence(${pg.escapeLiteral(table)}, ${pg.escapeLiteral(column.name)})`;
  const recorded = column.sequence;
  if (recorded?.lastValue !== undefined) {
    return `select setval(${sequence}, ${recorded.lastValue}, ${recorded.isCalled === false ? 'false' : 'true'})`;
  }
  const col = pg.escapeIdentifier(column.name);
  const descending = recorded?.increment.startsWith('-') ?? false;
  const last = descending ? `min(${col})` : `max(${col})`;
  const start = recorded?.start ?? '1';
  // Empty table: start afresh (is_called false); otherwise continue after the last value.
  return `select setval(${sequence}, coalesce(${last}, ${start}), ${last} is not null) from ${table}`;
}

function renamer(definition: TableDefinition, to: TableName): (name: string) => string {
  if (to.table === definition.table) return (name) => name;
  return (name) =>
    name.startsWith(definition.table) ? to.table + name.slice(definition.table.length) : `${to.table}_${name}`;
}
