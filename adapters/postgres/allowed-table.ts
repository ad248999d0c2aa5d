import type { PreflightCheck } from './drop-table-preflight.js';
import { parseTableName, qualifiedName } from './table-definition.js';

/**
 * Whether `table` is one of the environment's allowedTables: the one rule for everything that
 * writes a table, the drop-table drill and a restore alike (and a backup, which reads it).
 */
export function allowedTableCheck(table: string, allowedTables: readonly string[]): PreflightCheck {
  const target = qualifiedName(parseTableName(table));
  const isAllowed = allowedTables.map((name) => qualifiedName(parseTableName(name))).includes(target);
  return {
    check: 'target table allowed',
    ok: isAllowed,
    detail: isAllowed
      ? `${target} is in allowedTables`
      : `${target} is not in the environment's allowedTables (${allowedTables.join(', ')})`,
  };
}
