/** `orders` and `public.orders` name the same table, as in PostgreSQL's default search path. */
export function qualifiedTable(table: string): string {
  return table.includes('.') ? table : `public.${table}`;
}
