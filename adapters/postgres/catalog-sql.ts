/**
 * SQL fragments shared by the queries that read a table's definition from the catalogs.
 */

/**
 * An ACL column (`relacl`, `attacl`) as JSON `Grant[]` in the ACL's own order, or null when
 * the column is null (the default privileges), which is not the same as an empty ACL.
 */
export function aclJson(column: string): string {
  return `case when ${column} is null then null else (
    select coalesce(json_agg(json_build_object(
             'grantee', case when x.grantee = 0 then null else pg_get_userbyid(x.grantee) end,
             'privilege', x.privilege_type,
             'grantable', x.is_grantable,
             'grantor', pg_get_userbyid(x.grantor)) order by x.n), '[]'::json)
    from aclexplode(${column}) with ordinality as x(grantor, grantee, privilege_type, is_grantable, n)) end`;
}

/** `schema.table` as PostgreSQL prints it inside definitions (quoted only where needed). */
export function printedTableName(schemaParam: string, tableParam: string): string {
  return `quote_ident(${schemaParam}) || '.' || quote_ident(${tableParam})`;
}

/**
 * What follows the table's name in a definition the catalogs print:
 * `CREATE INDEX name ON schema.table USING ...` → `USING ...`, so it can be put on another table.
 */
export function afterTableName(definition: string, quotedTable: string, ons: string[]): string {
  for (const on of ons) {
    const at = definition.indexOf(`${on}${quotedTable} `);
    if (at >= 0) return definition.slice(at + on.length + quotedTable.length + 1);
  }
  throw new Error(`unexpected definition, without ON ${quotedTable}: ${definition}`);
}
