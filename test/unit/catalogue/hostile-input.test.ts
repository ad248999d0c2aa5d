import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { effectiveDrill, loadCatalogue, validateFiles, type Catalogue } from '../../../src/catalogue/load.js';
import { formatProblem } from '../../../src/catalogue/problems.js';
import { MAX_NESTING, MAX_YAML_BYTES, parseYaml, readYamlFile } from '../../../src/catalogue/yaml-source.js';
import { parseCommand } from '../../../src/chat/commands.js';
import { UserError } from '../../../src/errors.js';
import { fixture } from './fixtures.js';

const INHERITED_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'];

describe('names that every JavaScript object inherits', () => {
  let catalogue: Catalogue;
  beforeAll(async () => {
    const result = await loadCatalogue(fixture('good-config.yaml'));
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    catalogue = result.catalogue;
  });

  it.each(INHERITED_NAMES)('are not environments (%s): the error lists the real ones', (name) => {
    const attempt = () => effectiveDrill(catalogue, 'restore-orders', name);
    expect(attempt).toThrow(UserError);
    expect(attempt).toThrow(/^unknown environment ".*".*environments in .*: staging, k8s-only$/);
  });

  it.each(INHERITED_NAMES)('are not chat commands (%s)', (name) => {
    const parsed = parseCommand(name);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toMatch(/^unknown command/);
  });
});

describe('YAML that would crash, hang or exhaust validation', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'firedrill-hostile-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function problemsOf(name: string, text: string) {
    const file = path.join(dir, name);
    await writeFile(file, text);
    const read = await readYamlFile(file);
    return read.ok ? [] : read.problems.map(formatProblem);
  }

  it('locates an alias that has no anchor', async () => {
    expect(await problemsOf('undefined-alias.yaml', 'id: x\ntitle: *nowhere\n')).toEqual([
      `${path.join(dir, 'undefined-alias.yaml')}:2:8: YAML alias *nowhere has no anchor &nowhere before it`,
    ]);
  });

  it('refuses a "billion laughs" file instead of expanding it', async () => {
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [from, to] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g'], ['g', 'h']]) {
      laughs.push(`${to}: &${to} [*${from},*${from},*${from},*${from},*${from},*${from},*${from},*${from},*${from}]`);
    }
    const problems = await problemsOf('laughs.yaml', `${laughs.join('\n')}\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/laughs\.yaml:2:\d+: YAML aliases expand too much/);
  });

  it('refuses nesting deeper than the limit at the place it goes too deep, however it is written', async () => {
    // Found by test/fuzz: a few thousand levels ran the YAML composer out of stack, and a second such file aborted Node.
    for (const text of ['['.repeat(20_000), `id: ${'{a: '.repeat(5_000)}`, `${'- '.repeat(3_000)}x`, Array.from({ length: 300 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')]) {
      const read = parseYaml(text, 'deep.yaml');
      expect(read.ok).toBe(false);
      if (!read.ok) expect(read.problems).toEqual([{ file: 'deep.yaml', line: expect.any(Number), col: expect.any(Number), message: expect.stringMatching(`^collections nest more than ${MAX_NESTING} levels deep here`) }]);
    }
    const fine = `a:\n  b: [1, {c: [2, 3]}]\n  s: |\n    ${'['.repeat(200)}\n  q: "${'{'.repeat(200)}"\n# ${'['.repeat(200)}\n`;
    expect(parseYaml(fine, 'fine.yaml').ok).toBe(true);
    expect(parseYaml(`${'['.repeat(MAX_NESTING - 1)}${']'.repeat(MAX_NESTING - 1)}`, 'edge.yaml').ok).toBe(true);
  });

  it('keeps every problem on one line when it quotes a value that spans lines', async () => {
    // Found by test/fuzz: a block scalar where a duration belongs broke the FILE:LINE:COL line in two.
    const file = path.join(dir, 'multiline.yaml');
    await writeFile(file, 'builtInDrills: false\nundo:\n  maxDelay: |\n    30s\n    - drop-orders-table\nenvironments: {}\n');
    const problems = (await validateFiles([file])).map(formatProblem);
    expect(problems).toEqual([`${path.join(dir, 'multiline.yaml')}:3:13: undo.maxDelay: "30s\\n- drop-orders-table\\n" is not a duration: write a number with a unit, e.g. 90s, 15m or 1h30m`]);
  });

  it('refuses a FIFO at once instead of waiting for a writer', async () => {
    const fifo = path.join(dir, 'pipe.yaml');
    execFileSync('mkfifo', [fifo]);
    const read = await readYamlFile(fifo);
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.problems[0]?.message).toMatch(/^not a regular file/);
  });

  it('refuses a file over the size limit without parsing it', async () => {
    const problems = await problemsOf('huge.yaml', `# ${'x'.repeat(MAX_YAML_BYTES)}\n`);
    expect(problems).toEqual([expect.stringMatching(/huge\.yaml: the file is \d+ bytes; config and drill files may be at most 1048576 bytes/)]);
  });
});
