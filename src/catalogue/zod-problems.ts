import * as z from 'zod';
import { Duration } from './duration.js';
import type { Problem } from './problems.js';
import { allowedKeysAt, expectsSchemaAt, isRecord, unionFormsAt } from './schema-walk.js';
import { didYouMean, joinParts } from './suggest.js';
import { atPath, problemAt, type DataPath, type YamlSource } from './yaml-source.js';

export type Validated<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/**
 * Checks the source's data against `schema` and turns every zod issue into a problem
 * located at the node it is about: the value, the unknown key itself, or the object
 * that lacks a required key. All issues are reported, not only the first.
 */
export function validateSource<S extends z.ZodType>(schema: S, source: YamlSource): Validated<z.output<S>> {
  // jitless: each file is checked once, and compiling zod's fast path for every object schema
  // (new Function per shape) costs a cold start more than it saves on a single parse.
  const result = schema.safeParse(source.data, { error: defaultMessage, jitless: true });
  if (result.success) return { ok: true, value: result.data };
  const context: Context = { schema, source };
  return { ok: false, problems: result.error.issues.flatMap((issue) => issueProblems(context, issue, [])) };
}

interface Context {
  schema: z.ZodType;
  source: YamlSource;
}

/** zod issues inside a union carry paths relative to the union; `base` is where the union sits. */
function issueProblems(context: Context, issue: z.core.$ZodIssue, base: DataPath): Problem[] {
  const { schema, source } = context;
  const path = [...base, ...issue.path];
  const here = valueAt(source.data, path);
  if (issue.code === 'invalid_type' && isMissing(source.data, path)) return [missingKey(context, path)];
  if (issue.code === 'invalid_value' && isMissing(source.data, path)) {
    return [missingKey(context, path, ` (one of ${issue.values.map(String).join(', ')})`)];
  }
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeysAt(schema, path, source.data);
      return issue.keys.map((key) => {
        const hint = didYouMean(key, allowed) || (allowed.length > 0 ? `allowed keys: ${allowed.join(', ')}` : '');
        return problemAt(source, [...path, key], atPath([...path, key], joinParts('unknown key', hint)), { key: true });
      });
    }
    case 'invalid_key':
      return [problemAt(source, path, atPath(path, joinParts('invalid name', ...issue.issues.map((inner) => inner.message))), { key: true })];
    case 'invalid_union':
      return unionProblems(context, issue, path, here);
    case 'invalid_type':
      if (issue.expected === 'string' && expectsSchemaAt(schema, path, source.data, Duration)) {
        // `ttd: 30` is a number in YAML: say what to write instead of "expected a string".
        const written = typeof here === 'number' ? String(here) : describeValue(here);
        const example = typeof here === 'number' ? `${here}s, ` : '';
        return [problemAt(source, path, atPath(path, `${written} is not a duration: write a number with a unit, e.g. ${example}15m or 1h30m`))];
      }
      return [problemAt(source, path, atPath(path, issue.message))];
    default:
      return [problemAt(source, path, atPath(path, issue.message))];
  }
}

/** A required key is absent: the problem belongs to the object that should hold it. */
function missingKey(context: Context, path: DataPath, valuesHint = ''): Problem {
  const parent = path.slice(0, -1);
  const key = String(path[path.length - 1]);
  const hint = expectsSchemaAt(context.schema, path, context.source.data, Duration) ? ' (a duration, e.g. 15m)' : valuesHint;
  return problemAt(context.source, parent, atPath(parent, `missing required key "${key}"${hint}`));
}

function unionProblems(context: Context, issue: z.core.$ZodIssueInvalidUnion, path: DataPath, here: unknown): Problem[] {
  const { source } = context;
  // A discriminated union whose discriminator (kind, type, mode, ...) is missing or unknown.
  // zod 4 sets `options` (the known values) on this issue at run time but does not type it.
  const knownValues = (issue as { options?: readonly unknown[] }).options;
  if (issue.discriminator !== undefined && issue.errors.length === 0) {
    const options = (knownValues ?? []).map(String);
    const known = `expected one of: ${options.join(', ')}`;
    if (here === undefined) {
      const parent = path.slice(0, -1);
      return [problemAt(source, parent, atPath(parent, `missing required key "${issue.discriminator}"; ${known}`))];
    }
    const suggestion = typeof here === 'string' ? didYouMean(here, options) : '';
    return [problemAt(source, path, atPath(path, joinParts(`unknown ${issue.discriminator} ${describeValue(here)}`, suggestion, known)))];
  }
  // A plain union (such as a secret: {env} or {file}): if the data clearly chose one
  // form by its keys, report that form's issues; otherwise say which forms exist.
  const forms = unionFormsAt(context.schema, path, source.data);
  if (isRecord(here) && forms.length === issue.errors.length) {
    const keys = Object.keys(here);
    const chosen = forms.flatMap((form, index) => (keys.length > 0 && keys.every((key) => form.includes(key)) ? [index] : []));
    const branch = chosen.length === 1 ? issue.errors[chosen[0] ?? 0] : undefined;
    if (branch !== undefined) return branch.flatMap((inner) => issueProblems(context, inner, path));
  }
  const written = forms.map((form) => `{${form.map((key) => `${key}: …`).join(', ')}}`).join(' or ');
  const got = here === undefined ? '' : `, got ${describeValue(here)}`;
  return [problemAt(source, path, atPath(path, `write exactly one of ${written}${got}`))];
}

/** The last key of `path` is absent from an object that exists: a required key was left out. */
function isMissing(data: unknown, path: DataPath): boolean {
  const parent = valueAt(data, path.slice(0, -1));
  const key = path[path.length - 1];
  return key !== undefined && isRecord(parent) && !(String(key) in parent);
}

function valueAt(data: unknown, path: DataPath): unknown {
  let here = data;
  for (const step of path) {
    if (!isRecord(here) && !Array.isArray(here)) return undefined;
    here = (here as Record<PropertyKey, unknown>)[step];
  }
  return here;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
  array: 'a list',
};

/** Messages for issues whose schema gave none; schema-level messages (durations, ids) win over these. */
function defaultMessage(issue: z.core.$ZodRawIssue): string | undefined {
  const got = describeValue(issue.input);
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${TYPE_NAMES[issue.expected] ?? issue.expected}, got ${got}`;
    case 'invalid_value': {
      const values = issue.values.map((value) => JSON.stringify(value));
      const expected = values.length === 1 ? `expected ${values[0]}` : `expected one of ${values.join(', ')}`;
      const suggestion = typeof issue.input === 'string' ? didYouMean(issue.input, issue.values.map(String)) : '';
      return joinParts(`${expected}, got ${got}`, suggestion);
    }
    case 'too_small':
      return sizeMessage(issue.origin, 'at least', Number(issue.minimum), issue.inclusive !== false, got);
    case 'too_big':
      return sizeMessage(issue.origin, 'at most', Number(issue.maximum), issue.inclusive !== false, got);
    case 'invalid_format':
      if (issue.format === 'url') return `${got} is not a URL`;
      if (issue.format === 'regex' && 'pattern' in issue) return `${got} does not match the pattern ${String(issue.pattern)}`;
      return `${got} is not a valid ${issue.format}`;
    default:
      return undefined;
  }
}

function sizeMessage(origin: string, bound: 'at least' | 'at most', limit: number, inclusive: boolean, got: string): string {
  if (origin === 'string') return limit === 1 && bound === 'at least' ? 'must not be empty' : `must be ${bound} ${limit} characters long`;
  if (origin === 'array') return `list ${bound} ${limit} item${limit === 1 ? '' : 's'}`;
  const comparison = inclusive ? bound : bound === 'at least' ? 'above' : 'below';
  return `must be ${comparison} ${limit}, got ${got}`;
}

/** A value as a reader recognises it in their file: `"text"`, `the number 30`, `a list`. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return `the number ${value}`;
  if (value === null) return 'nothing (null)';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}
