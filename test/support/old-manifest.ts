import type { TableDefinition } from '../../adapters/postgres/table-definition.js';

/**
 * A definition as firedrill wrote it before it captured sequence names and values,
 * triggers, comments, row security, privileges, owner, replica identity and incoming
 * foreign keys: what old backup manifests and old undo parameters hold.
 */
export function oldDefinitionShape(definition: TableDefinition): unknown {
  return {
    schema: definition.schema,
    table: definition.table,
    columns: definition.columns.map(({ name, type, collation, notNull, default: value, identity, serial, sequence, generated }) => ({
      name,
      type,
      collation,
      notNull,
      default: value,
      identity,
      serial,
      generated,
      sequence: sequence && { start: sequence.start, increment: sequence.increment, min: sequence.min, max: sequence.max, cycle: sequence.cycle },
    })),
    constraints: definition.constraints.map(({ name, kind, definition: sql, selfReference }) => ({
      name,
      kind,
      definition: sql,
      ...(selfReference ? { selfReference } : {}),
    })),
    indexes: definition.indexes.map(({ name, unique, definition: sql }) => ({ name, unique, definition: sql })),
  };
}
