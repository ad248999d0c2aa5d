/**
 * The one JSON text of a value: object keys sorted (by UTF-16 code units, as RFC 8785 does),
 * two-space indented, ending in a newline. The report's signature covers these exact bytes, so
 * writing the same report twice gives the same file.
 */
export function canonicalJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, item: unknown) => (isPlainObject(item) ? sortedKeys(item) : item), 2)}\n`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

function sortedKeys(object: Record<string, unknown>): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(object).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) sorted[key] = object[key];
  return sorted;
}
