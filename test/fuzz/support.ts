import fc from 'fast-check';
import type { Problem } from '../../src/catalogue/problems.js';

/** FUZZ_SCALE=20 npm test -- test/fuzz: a longer hunt by hand; npm test and CI run the bounded default. */
const SCALE = /^[1-9]\d{0,3}$/.test(process.env.FUZZ_SCALE ?? '') ? Number(process.env.FUZZ_SCALE) : 1;

/** Runs per property: enough to find shallow crashes, bounded so the whole fuzz suite takes seconds. */
export const RUNS = { quick: 1000 * SCALE, medium: 500 * SCALE, slow: 300 * SCALE } as const;

/** What a stack trace looks like in text: `    at fn (file:1:2)`. */
export const STACK_TRACE = /\n\s+at |\bat \S+ \(\S+:\d+:\d+\)|node:internal/;

/** What an internal failure looks like when it leaks into a message meant for a person. */
export const INTERNAL_ERROR = /Maximum call stack|out of memory|RangeError|TypeError|ReferenceError|\[object Object\]|is not a function|Cannot read properties/;

/** Names every JavaScript object inherits, and prototype-pollution keys. */
export const ODD_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__', 'then'];

/** A problem a person can act on: in the file asked about, located, one line, no stack. */
export function expectLocated(problem: Problem, files: readonly string[]): void {
  const where = JSON.stringify(problem);
  if (!files.includes(problem.file)) throw new Error(`problem in an unexpected file: ${where}`);
  if (!Number.isInteger(problem.line) || !Number.isInteger(problem.col)) throw new Error(`problem without an integer line/col: ${where}`);
  if (problem.line === 0 ? problem.col !== 0 : problem.line < 1 || problem.col < 1) throw new Error(`problem badly located: ${where}`);
  if (typeof problem.message !== 'string' || problem.message.trim() === '') throw new Error(`problem without a message: ${where}`);
  if (problem.message.includes('\n')) throw new Error(`problem message on several lines: ${where}`);
  if (STACK_TRACE.test(problem.message)) throw new Error(`stack trace in a problem: ${where}`);
  if (INTERNAL_ERROR.test(problem.message)) throw new Error(`internal error in a problem: ${where}`);
}

/** Text that is YAML-ish: keys, indentation, flow collections, anchors, aliases, merges, tags, quotes. */
export function yamlishText(): fc.Arbitrary<string> {
  const key = fc.oneof(
    fc.constantFrom(...ODD_KEYS, 'id', 'kind', 'title', 'target', 'steadyState', 'probes', 'environments', 'postgres', 'url', 'env', 'drills', '<<', '? x', '-1', '0x1f', 'null', '~', 'true', '1e400', ''),
    fc.string({ maxLength: 8 }),
  );
  const scalar = fc.oneof(
    fc.constantFrom('null', '~', 'true', 'no', '1e400', '-.inf', '.nan', '0o17', '2001-12-14t21:59:43.10-05:00', '!!binary aGk=', '!!str', '!!map', '!!seq', '!!timestamp x', '!custom 1', '|', '>-', '""', "''", '"\\u0000"', '"\\ud800"', '"\\x"'),
    fc.string({ maxLength: 12 }),
    fc.integer().map(String),
  );
  const anchorName = fc.constantFrom('a', 'b', 'c', '__proto__', 'x y');
  const token = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(key, scalar).map(([k, v]) => `${k}: ${v}`) },
    { weight: 2, arbitrary: key.map((k) => `${k}:`) },
    { weight: 2, arbitrary: scalar.map((v) => `- ${v}`) },
    { weight: 2, arbitrary: fc.tuple(key, anchorName).map(([k, a]) => `${k}: &${a}`) },
    { weight: 2, arbitrary: fc.tuple(key, anchorName).map(([k, a]) => `${k}: *${a}`) },
    { weight: 1, arbitrary: anchorName.map((a) => `<<: *${a}`) },
    { weight: 1, arbitrary: fc.constantFrom('{', '}', '[', ']', ',', '- - -', '---', '...', '%YAML 1.2', '%TAG ! tag:x,2000:', '? ', ': ', '#', '\t', '\r', '\u0000', '\ufeff', '"', "'", '&', '*', '!', '|', '>', '`', '@') },
  );
  const line = fc.tuple(fc.integer({ min: 0, max: 8 }), token).map(([indent, text]) => `${' '.repeat(indent)}${text}`);
  return fc.array(line, { maxLength: 30 }).map((lines) => lines.join('\n'));
}

/** Nested flow or block collections, deep enough to find recursion limits. */
export function deeplyNested(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.integer({ min: 1, max: 20_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
    fc.integer({ min: 1, max: 20_000 }).map((depth) => `${'{a: '.repeat(depth)}1${'}'.repeat(depth)}`),
    fc.integer({ min: 1, max: 2_000 }).map((depth) => Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k:`).join('\n')),
    fc.integer({ min: 1, max: 2_000 }).map((depth) => Array.from({ length: depth }, (_, i) => `${' '.repeat(i * 2)}- `).join('\n') + 'x'),
    fc.integer({ min: 1, max: 20_000 }).map((depth) => `id: ${'['.repeat(depth)}`),
  );
}

/** Anchors and aliases: chains, fan-out ("billion laughs"), self-reference, merges. */
export function aliasHeavy(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 })).map(([levels, fan]) => {
      const lines = ['l0: &l0 [x]'];
      for (let level = 1; level <= levels; level++) lines.push(`l${level}: &l${level} [${Array.from({ length: fan }, () => `*l${level - 1}`).join(', ')}]`);
      return lines.join('\n');
    }),
    fc.constantFrom('a: &a [*a]', 'a: &a {b: *a}', 'a: *a', '&a a: b', '*a : b', 'a: &a\n  <<: *a', 'base: &b {x: 1}\nc:\n  <<: [*b, *b, *b]', '? &k [1]\n: *k', 'a: &__proto__ {polluted: 1}\nb: *__proto__'),
    fc.integer({ min: 1, max: 300 }).map((count) => `a: &a x\nlist: [${Array.from({ length: count }, () => '*a').join(', ')}]`),
  );
}

/** A text changed the way people and tools damage files: cut, insert, duplicate, swap, re-indent. */
export function mutated(seeds: readonly string[]): fc.Arbitrary<string> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(yamlishText(), fc.constantFrom(...ODD_KEYS.map((k) => `\n${k}: 1\n`), '\n  ', '\t', ': ', '&a ', '*a', '[', '{', '"', '\n---\n')) }),
    fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('swap-lines' as const), at: fc.nat(), with: fc.nat() }),
    fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
  );
  return fc.tuple(fc.constantFrom(...seeds), fc.array(edit, { minLength: 1, maxLength: 5 })).map(([seed, edits]) => {
    let text = seed;
    for (const change of edits) {
      const lines = text.split('\n');
      const lineAt = (n: number) => n % Math.max(1, lines.length);
      switch (change.kind) {
        case 'cut': {
          const at = change.at % Math.max(1, text.length);
          text = text.slice(0, at) + text.slice(at + change.length);
          break;
        }
        case 'insert': {
          const at = change.at % (text.length + 1);
          text = text.slice(0, at) + change.text + text.slice(at);
          break;
        }
        case 'duplicate-line': {
          const at = lineAt(change.at);
          lines.splice(at, 0, lines[at] ?? '');
          text = lines.join('\n');
          break;
        }
        case 'swap-lines': {
          const a = lineAt(change.at);
          const b = lineAt(change.with);
          [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
          text = lines.join('\n');
          break;
        }
        case 'indent': {
          const at = lineAt(change.at);
          const line = lines[at] ?? '';
          lines[at] = change.by >= 0 ? ' '.repeat(change.by) + line : line.replace(new RegExp(`^ {0,${-change.by}}`), '');
          text = lines.join('\n');
          break;
        }
      }
    }
    return text;
  });
}
