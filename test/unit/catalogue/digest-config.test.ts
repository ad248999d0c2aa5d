import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue } from '../../../src/catalogue/load.js';
import { formatProblem } from '../../../src/catalogue/problems.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'firedrill-digest-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function load(text: string) {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, `environments:\n  staging: {}\n${text}`);
  const result = await loadCatalogue(file);
  return { result, problems: result.ok ? [] : result.problems.map(formatProblem).map((line) => line.replace(file, 'FILE')) };
}

describe('digest:, scoring: and every: in the config', () => {
  it('has defaults: Mondays 09:00 UTC, drills expected every 90 days', async () => {
    const { result } = await load('digest:\n  channels: [C0DIGEST]\n');
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    expect(result.catalogue.config.digest).toEqual({ cron: '0 9 * * 1', timezone: 'UTC', channels: ['C0DIGEST'] });
    expect(result.catalogue.config.scoring).toEqual({ defaultEvery: 90 * 86_400_000 });
  });

  it('reports a digest without channels, a bad cron, an unknown environment and a bad every at their lines', async () => {
    expect((await load('digest:\n  channels: []\n')).problems).toEqual([expect.stringMatching(/^FILE:4:\d+: digest\.channels: list at least one Slack channel id or Matrix room id/)]);
    expect((await load('digest:\n  cron: "every monday"\n  channels: [C1]\n')).problems).toEqual([expect.stringMatching(/^FILE:4:\d+: digest\.cron: "every monday" is not a cron expression/)]);
    expect((await load('digest:\n  channels: [C1]\n  environments: [stagin]\n')).problems).toEqual([
      expect.stringMatching(/^FILE:5:\d+: digest\.environments\[0\]: unknown environment "stagin"; did you mean "staging"\?$/),
    ]);
    expect((await load('scoring:\n  defaultEvery: monthly\n')).problems).toEqual([expect.stringMatching(/^FILE:4:\d+: scoring\.defaultEvery: "monthly" is not a duration/)]);
  });
});
