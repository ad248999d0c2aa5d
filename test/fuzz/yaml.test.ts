import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateDrillSource } from '../../src/catalogue/drill-validation.js';
import { loadCatalogue, validateFiles } from '../../src/catalogue/load.js';
import { stringify } from 'yaml';
import { MAX_NESTING, parseYaml } from '../../src/catalogue/yaml-source.js';
import { aliasHeavy, deeplyNested, expectLocated, mutated, ODD_KEYS, RUNS, yamlishText } from './support.js';

const FILE = 'fuzz/drill.yaml';
const DRILLS = readdirSync('drills').map((name) => readFileSync(path.join('drills', name), 'utf8'));
const CONFIGS = [readFileSync('drills.example.yaml', 'utf8'), readFileSync('test/fixtures/catalogue/good-config.yaml', 'utf8')];

/** Parses and validates as `firedrill validate drill.yaml` does; every problem must be located, and nothing may throw. */
function checkDrillText(text: string): void {
  const read = parseYaml(text, FILE);
  const problems = read.ok ? (() => {
    const result = validateDrillSource(read.source);
    return result.ok ? [] : result.problems;
  })() : read.problems;
  for (const problem of problems) expectLocated(problem, [FILE]);
  // Nothing the file says may reach Object.prototype.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

describe('fuzz: drill YAML (parseYaml, validateDrillSource)', () => {
  it('YAML-ish text', () => {
    fc.assert(fc.property(yamlishText(), checkDrillText), { numRuns: RUNS.quick });
  });

  it('any text at all, any code points', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 200 }), checkDrillText), { numRuns: RUNS.quick });
  });

  it('valid drill files, damaged', () => {
    fc.assert(fc.property(mutated(DRILLS), checkDrillText), { numRuns: RUNS.quick });
  });

  it('deep nesting', () => {
    fc.assert(fc.property(deeplyNested(), checkDrillText), { numRuns: RUNS.slow });
  });

  it('nesting within the limit is read as written, in block and flow style', () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tie('leaf'), tie('list'), tie('map')),
      leaf: fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean(), fc.constant(null)),
      list: fc.array(tie('node'), { maxLength: 3 }),
      map: fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), tie('node'), { maxKeys: 3 }),
    })).node;
    fc.assert(
      fc.property(value, fc.boolean(), (data, flow) => {
        const text = stringify({ root: data }, { collectionStyle: flow ? 'flow' : 'block' });
        const read = parseYaml(text, FILE);
        if (!read.ok) throw new Error(`${JSON.stringify(read.problems)} for:\n${text}`);
        expect(read.source.data).toEqual(JSON.parse(JSON.stringify({ root: data })));
      }),
      { numRuns: RUNS.medium },
    );
    expect(MAX_NESTING).toBeGreaterThan(10);
  });

  it('anchors and aliases', () => {
    fc.assert(fc.property(aliasHeavy(), checkDrillText), { numRuns: RUNS.medium });
  });

  it('odd keys anywhere in a valid drill', () => {
    const withKey = fc.tuple(fc.constantFrom(...DRILLS), fc.constantFrom(...ODD_KEYS), fc.nat(), fc.constantFrom('1', '{}', '[]', '{polluted: 1}', 'null')).map(([drill, key, at, value]) => {
      const lines = drill.split('\n');
      const index = at % lines.length;
      const indent = /^\s*/.exec(lines[index] ?? '')![0];
      lines.splice(index, 0, `${indent}${key}: ${value}`);
      return lines.join('\n');
    });
    fc.assert(fc.property(withKey, checkDrillText), { numRuns: RUNS.medium });
  });
});

describe('fuzz: config files with their drills (loadCatalogue, validateFiles)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'firedrill-fuzz-config-'));
    await cp('test/fixtures/catalogue/drills', path.join(dir, 'drills'), { recursive: true });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('valid configs, damaged, and YAML-ish text', async () => {
    const config = path.join(dir, 'firedrill.yaml');
    const drillFiles = readdirSync(path.join('test/fixtures/catalogue/drills')).map((name) => path.join(dir, 'drills', name));
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: mutated(CONFIGS) }, { weight: 1, arbitrary: yamlishText() }, { weight: 1, arbitrary: aliasHeavy() }), async (text) => {
        await writeFile(config, text);
        const loaded = await loadCatalogue(config, { builtInDir: path.join(dir, 'drills') });
        if (!loaded.ok) for (const problem of loaded.problems) expectLocated(problem, [config, ...drillFiles]);
        for (const problem of await validateFiles([config], { builtInDir: path.join(dir, 'drills') })) expectLocated(problem, [config, ...drillFiles]);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS.slow },
    );
    // The drills the configs refer to were only read.
    expect(await readFile(path.join(dir, 'drills', 'restore-orders.yaml'), 'utf8')).toBe(readFileSync('test/fixtures/catalogue/drills/restore-orders.yaml', 'utf8'));
  });
});
