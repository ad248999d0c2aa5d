import { describe, expect, it } from 'vitest';
import { loadCatalogue, validateFiles } from '../../../src/catalogue/load.js';
import { validateDrillSource } from '../../../src/catalogue/drill-validation.js';
import { formatProblem } from '../../../src/catalogue/problems.js';
import { parseYaml } from '../../../src/catalogue/yaml-source.js';
import { fixture } from './fixtures.js';

/** Every problem line for the given files, as `firedrill validate` prints them. */
async function lines(...files: string[]): Promise<string[]> {
  return (await validateFiles(files)).map(formatProblem);
}

describe('problem locations and messages', () => {
  it('formats a problem like a compiler does', () => {
    expect(formatProblem({ file: 'a.yaml', line: 3, col: 7, message: 'oops' })).toBe('a.yaml:3:7: oops');
    expect(formatProblem({ file: 'a.yaml', line: 0, col: 0, message: 'file not found' })).toBe('a.yaml: file not found');
  });

  it('reports a YAML syntax error at its position', async () => {
    const f = fixture('syntax-error.yaml');
    expect(await lines(f)).toEqual([
      `${f}:4:1: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ]);
  });

  it('reports a duplicated YAML key', () => {
    const result = parseYaml('id: a\ntitle: b\nid: c\n', 'dup.yaml');
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual(['dup.yaml:3:1: duplicate key "id" (first at line 1): keep one']);
  });

  it('reports alert matchers that are not matchers, or whose regex does not compile', async () => {
    const f = fixture('bad-matchers.yaml');
    expect(await lines(f)).toEqual([
      `${f}:10:15: detection.alerts[0].match[0]: "instance=~db-(" is not a label matcher: Invalid regular expression: /^(?:db-()$/: Unterminated group; write label=value, label!=value, label=~regex or label!~regex`,
      `${f}:10:33: detection.alerts[0].match[1]: "nothing" is not a label matcher; write label=value, label!=value, label=~regex or label!~regex`,
    ]);
  });

  it('reports an unknown key on the key itself, with did-you-mean', async () => {
    const f = fixture('unknown-field.yaml');
    expect(await lines(f)).toEqual([`${f}:9:3: steadyState.stableFr: unknown key; did you mean "stableFor"?`]);
  });

  it('reports an unknown key in a config, and a catalogue entry that does not exist', async () => {
    const f = fixture('unknown-config-key.yaml');
    expect(await lines(f)).toEqual([
      `${f}:2:21: catalogue[1]: no file or folder "no-such-folder" (paths are relative to the config file)`,
      `${f}:5:5: environments.staging.protect: unknown key; did you mean "protected"?`,
      `${f}:6:1: serve: unknown key; did you mean "server"?`,
    ]);
  });

  it('reports an unknown drill kind at the kind, listing the known kinds', async () => {
    const f = fixture('unknown-kind.yaml');
    expect(await lines(f)).toEqual([
      `${f}:3:7: kind: unknown drill kind "flood-datacenter"; known kinds: drop-table, lose-node, delete-cluster, key-holder-unavailable, command`,
    ]);
  });

  it('reports a duplicate drill id on the second definition, naming the first', async () => {
    const f = fixture('duplicate-config.yaml');
    const first = fixture('duplicate/first.yaml');
    const second = fixture('duplicate/second.yaml');
    expect(await lines(f)).toEqual([`${second}:2:5: id: drill "same-id" is already defined at ${first}:1; give this one another id`]);
    // Drill files given together on the command line are checked against each other too.
    expect(await lines(first, second)).toEqual([
      `${second}:2:5: id: drill "same-id" is already defined at ${first}:1; give this one another id`,
    ]);
  });

  it('reports a duration without a unit', async () => {
    const f = fixture('bad-duration.yaml');
    expect(await lines(f)).toEqual([
      `${f}:10:14: maxDuration: "3 minutes" is not a duration: write a number with a unit, e.g. 90s, 15m or 1h30m`,
    ]);
  });

  it('reports a zero duration', async () => {
    const f = fixture('zero-duration.yaml');
    expect(await lines(f)).toEqual([`${f}:7:8: objectives.ttd: "0s" must be longer than zero`]);
  });

  it('reports a missing required key on the object that lacks it', async () => {
    const f = fixture('missing-field.yaml');
    expect(await lines(f)).toEqual([
      `${f}:1:1: missing required key "objectives"`,
      `${f}:7:3: steadyState: missing required key "probes"`,
    ]);
  });

  it('reports unknown drill ids in drills: lists and overrides:, with did-you-mean', async () => {
    const f = fixture('unknown-references-config.yaml');
    expect(await lines(f)).toEqual([
      `${f}:5:30: environments.staging.drills[1]: unknown drill "lose-nodes"; did you mean "lose-node"?`,
      `${f}:12:3: overrides.restore-order: unknown drill "restore-order"; did you mean "restore-orders"?`,
    ]);
  });

  it('does not call a drill unknown when its file is only broken', async () => {
    const f = fixture('broken-drill-config.yaml');
    const drill = fixture('broken-drill/broken.yaml');
    expect(await lines(f)).toEqual([
      `${drill}:6:19: objectives.rto: "10 minutes" is not a duration: write a number with a unit, e.g. 90s, 15m or 1h30m`,
    ]);
  });

  it('refuses a secret written inline', async () => {
    const f = fixture('inline-secret-config.yaml');
    const found = await lines(f);
    expect(found).toEqual([
      `${f}:7:12: environments.staging.postgres.url: secrets are not written in the config file: use {env: VARIABLE_NAME} or {file: path/to/secret}`,
    ]);
    expect(found.join('\n')).not.toContain('hunter2');
  });

  it('reports a table and a bucket that an environment allowing the drill lacks', async () => {
    const f = fixture('unrunnable-config.yaml');
    expect(await lines(f)).toEqual([
      `${f}:8:22: environments.staging.postgres.allowedTables: drill "restore-orders" drops public.orders, which is not listed here; add it, or remove the drill from environments.staging.drills`,
      `${f}:10:7: environments.staging.buckets: drill "restore-orders" restores from bucket "backups", which environment "staging" does not define; did you mean "backup"?`,
    ]);
  });

  it('reports every problem in a file at once, in file order', async () => {
    const f = fixture('many-problems.yaml');
    expect(await lines(f)).toEqual([
      `${f}:1:5: id: use lower-case letters, digits and dashes, e.g. drop-orders-table`,
      `${f}:5:11: severity: expected one of "low", "medium", "high", "critical", got "hihg"; did you mean "high"?`,
      `${f}:7:8: objectives.ttd: 30 is not a duration: write a number with a unit, e.g. 30s, 15m or 1h30m`,
      `${f}:8:8: objectives.rto: "0s" must be longer than zero`,
      `${f}:11:13: steadyState.probes[0].type: unknown type "sqll"; did you mean "sql"? expected one of: sql, http, command, prometheus, kubernetes-workloads`,
      `${f}:13:3: steadyState.intervl: unknown key; did you mean "interval"?`,
      `${f}:16:12: recovery.runbook: missing required key "bucket"`,
      `${f}:17:14: maxDuration: "soon" is not a duration: write a number with a unit, e.g. 90s, 15m or 1h30m`,
    ]);
  });

  it('still checks the rest of a drill whose kind is unknown', () => {
    const read = parseYaml('id: x\nkind: drop-tabel\ntitel: y\n', 'x.yaml');
    if (!read.ok) throw new Error('fixture should parse');
    const result = validateDrillSource(read.source);
    const found = result.ok ? [] : result.problems.map(formatProblem);
    expect(found).toContain(
      'x.yaml:2:7: kind: unknown drill kind "drop-tabel"; did you mean "drop-table"? known kinds: drop-table, lose-node, delete-cluster, key-holder-unavailable, command',
    );
    expect(found).toContain('x.yaml:3:1: titel: unknown key; did you mean "title"?');
    expect(found).toContain('x.yaml:1:1: missing required key "title"');
  });

  it('says how to create a missing config file', async () => {
    const f = fixture('no-such-config.yaml');
    const result = await loadCatalogue(f);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      `${f}: file not found; create one from the documented example: cp drills.example.yaml ${f}, then edit its environments`,
    ]);
  });
});
