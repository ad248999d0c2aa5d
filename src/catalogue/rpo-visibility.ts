import type { Drill } from './drill-schema.js';
import type { Problem } from './problems.js';
import { problemAt, type YamlSource } from './yaml-source.js';

/**
 * Warnings, not errors: an RPO marker that cannot see the loss the drill causes. Dropping a table
 * loses that table's rows and its recovery restores that table alone, so a marker reading another
 * table (a canary has a table of its own) reads the same newest row before and after: RPO 0,
 * whatever the backup lost.
 */
export function rpoVisibilityWarnings(source: YamlSource, drill: Drill): Problem[] {
  if (drill.kind !== 'drop-table' || !drill.rpo) return [];
  const dropped = normalTable(drill.target.table);
  const warn = (path: (string | number)[], message: string): Problem => ({ ...problemAt(source, path, message), severity: 'warning' });
  const fix = `read the dropped table itself, e.g. rpo: {marker: column, table: ${dropped}, column: created_at}, or a query on ${dropped}`;
  switch (drill.rpo.marker) {
    case 'canary':
      return [
        warn(['rpo', 'marker'], `rpo: the canary table ${normalTable(drill.rpo.table)} is not the dropped table ${dropped}: dropping ${dropped} and restoring it leave the canary untouched, so RPO would read 0 whatever was lost; ${fix}`),
      ];
    case 'column':
      if (normalTable(drill.rpo.table) === dropped) return [];
      return [warn(['rpo', 'table'], `rpo.table: ${normalTable(drill.rpo.table)} is not the dropped table ${dropped}: the drill loses nothing there, so RPO would read 0 whatever was lost; ${fix}`)];
    case 'query':
      if (mentionsTable(drill.rpo.query, dropped)) return [];
      return [warn(['rpo', 'query'], `rpo.query does not read the dropped table ${dropped}: it cannot see what the drill loses, so RPO would read 0 whatever was lost; ${fix}`)];
  }
}

/** `orders` and `public.orders` are one table. */
function normalTable(name: string): string {
  return (name.includes('.') ? name : `public.${name}`).toLowerCase();
}

/** The table's name as a word in the query (quoted or not); a schema-qualified mention counts too. */
function mentionsTable(query: string, table: string): boolean {
  const name = table.split('.').pop()!;
  return new RegExp(`(^|[^\\w$])"?${name.replace(/\$/g, '\\$')}"?($|[^\\w$])`, 'i').test(query);
}
