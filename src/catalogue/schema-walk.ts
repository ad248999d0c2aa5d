import type * as z from 'zod';
import type { DataPath } from './yaml-source.js';

/**
 * Walks a zod schema along a data path, to learn what zod's issues leave out: which
 * keys an object allows (for "did you mean") and what kind of value was expected.
 * zod 4 keeps a schema's structure in `_zod.def`; only the fields read here are typed.
 */
type Schema = z.core.$ZodType;
interface Def {
  type: string;
  shape?: Record<string, Schema>;
  innerType?: Schema;
  in?: Schema;
  out?: Schema;
  options?: readonly Schema[];
  discriminator?: string;
  valueType?: Schema;
  element?: Schema;
  values?: readonly unknown[];
  getter?: () => Schema;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'nonoptional', 'readonly', 'catch']);

function defOf(schema: Schema): Def {
  return schema._zod.def as unknown as Def;
}

/**
 * Every way `schema` can be read for `data`, each as the chain of schemas from the
 * outermost wrapper to the concrete one (object, array, string, ...). A discriminated
 * union contributes the option its discriminator selects (all options when none does);
 * a plain union contributes all its options.
 */
function expand(schema: Schema, data: unknown, chain: Schema[] = [], depth = 0): Schema[][] {
  const here = [...chain, schema];
  const def = defOf(schema);
  if (depth > 50) return [here];
  if (WRAPPERS.has(def.type) && def.innerType) return expand(def.innerType, data, here, depth + 1);
  if (def.type === 'lazy' && def.getter) return expand(def.getter(), data, here, depth + 1);
  if (def.type === 'pipe' && def.in && def.out) {
    // A preprocess step (transform → schema) checks the data with its output schema;
    // a refining pipe (string → transform) checks it with its input schema.
    const next = defOf(def.in).type === 'transform' ? def.out : def.in;
    return expand(next, data, here, depth + 1);
  }
  if (def.type === 'union' && def.options) {
    const chosen = chooseOptions(def, data);
    return chosen.flatMap((option) => expand(option, data, here, depth + 1));
  }
  return [here];
}

function chooseOptions(def: Def, data: unknown): readonly Schema[] {
  const options = def.options ?? [];
  if (def.discriminator === undefined || !isRecord(data)) return options;
  const wanted = data[def.discriminator];
  const matching = options.filter((option) => discriminatorValues(option, def.discriminator ?? '').includes(wanted));
  return matching.length > 0 ? matching : options;
}

/** The literal values an option accepts for the discriminator key, e.g. ['drop-table']. */
export function discriminatorValues(option: Schema, key: string): unknown[] {
  return expand(option, undefined).flatMap((chain) => {
    const leaf = chain[chain.length - 1];
    const field = leaf === undefined ? undefined : defOf(leaf).shape?.[key];
    if (field === undefined) return [];
    return expand(field, undefined).flatMap((inner) => {
      const literal = inner[inner.length - 1];
      return literal === undefined ? [] : [...(defOf(literal).values ?? [])];
    });
  });
}

/** The chains of schemas that apply at `path` in `data` (see {@link expand}). */
export function schemasAt(root: Schema, path: DataPath, data: unknown): Schema[][] {
  let chains = expand(root, data);
  let here: unknown = data;
  for (const step of path) {
    const next = isRecord(here) || Array.isArray(here) ? (here as Record<PropertyKey, unknown>)[step] : undefined;
    chains = chains.flatMap((chain) => {
      const leaf = chain[chain.length - 1];
      if (leaf === undefined) return [];
      const def = defOf(leaf);
      const child =
        def.type === 'object' ? def.shape?.[String(step)] : def.type === 'record' ? def.valueType : def.type === 'array' ? def.element : undefined;
      return child === undefined ? [] : expand(child, next);
    });
    here = next;
  }
  return chains;
}

/** The keys an object at `path` may have; empty when no object schema applies there. */
export function allowedKeysAt(root: Schema, path: DataPath, data: unknown): string[] {
  const keys = new Set<string>();
  for (const chain of schemasAt(root, path, data)) {
    const leaf = chain[chain.length - 1];
    if (leaf !== undefined) for (const key of Object.keys(defOf(leaf).shape ?? {})) keys.add(key);
  }
  return [...keys];
}

/** Whether `target` (e.g. the Duration schema) is what is expected at `path`. */
export function expectsSchemaAt(root: Schema, path: DataPath, data: unknown, target: Schema): boolean {
  return schemasAt(root, path, data).some((chain) => chain.includes(target));
}

/** For a union at `path`: each option's keys, to describe the accepted forms. */
export function unionFormsAt(root: Schema, path: DataPath, data: unknown): string[][] {
  return schemasAt(root, path, data).map((chain) => {
    const leaf = chain[chain.length - 1];
    return Object.keys((leaf && defOf(leaf).shape) ?? {});
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
