/**
 * The value of `name` in a record read from config, chat or a request, if the record itself
 * has it. `record[name]` would also find what every object inherits: `constructor`,
 * `toString`, `__proto__` would be taken for an environment, a command or an undo.
 */
export function ownValue<T>(record: Readonly<Record<string, T>> | undefined, name: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, name) ? record[name] : undefined;
}
