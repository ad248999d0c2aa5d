/**
 * The `exports.default` of a compiled CommonJS module, from its namespace import. Node (and a
 * bundle built for Node) puts the whole `module.exports` under `default`, with the module's
 * own `default` one level down; the test runner's loader puts the module's `default` there.
 */
export function commonJsDefault<T>(namespace: { default: unknown }): T {
  const outer = namespace.default as { default?: unknown } | undefined;
  return (typeof outer === 'function' ? outer : outer?.default) as T;
}
