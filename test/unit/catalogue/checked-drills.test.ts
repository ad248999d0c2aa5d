import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/catalogue/catalogue-files.js';
import { checkBuiltInDrills } from '../../../src/catalogue/check-built-in-drills.js';
import { readCheckedDrills, type CheckedDrills } from '../../../src/catalogue/checked-drills.js';
import { loadCatalogue, type LoadOptions } from '../../../src/catalogue/load.js';
import { formatProblem } from '../../../src/catalogue/problems.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A copy of the built-in drills and of the example config that uses them, with the drills checked as the build checks them. */
async function builtInCopy(): Promise<{ dir: string; drills: string; config: string; checked: CheckedDrills }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'firedrill-checked-'));
  dirs.push(dir);
  const drills = path.join(dir, 'drills');
  await cp(path.join(packageRoot(), 'drills'), drills, { recursive: true });
  const config = path.join(dir, 'firedrill.yaml');
  await cp(path.join(packageRoot(), 'drills.example.yaml'), config);
  const file = path.join(dir, 'built-in-drills.json');
  await writeFile(file, JSON.stringify(await checkBuiltInDrills(drills)));
  const checked = await readCheckedDrills(drills, pathToFileURL(file));
  if (!checked) throw new Error('the checked drills were not read');
  return { dir, drills, config, checked };
}

/** Counts the files the checked drills answered for. */
function counting(checked: CheckedDrills): CheckedDrills & { answered: number } {
  const counted = {
    answered: 0,
    lookup(file: string, text: string) {
      const found = checked.lookup(file, text);
      if (found) counted.answered++;
      return found;
    },
  };
  return counted;
}

async function drillsOf(config: string, options: LoadOptions) {
  const result = await loadCatalogue(config, options);
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
  return result.catalogue.drills;
}

describe('the built-in drills as the build checked them', () => {
  it('load as the same drills, from the same places, as parsing the files does', async () => {
    const { drills, config, checked } = await builtInCopy();
    const parsed = await drillsOf(config, { builtInDir: drills });
    const answering = counting(checked);
    const fromBuild = await drillsOf(config, { builtInDir: drills, checkedDrills: answering });
    expect(answering.answered).toBe(7);
    expect(fromBuild.size).toBe(7);
    expect(fromBuild).toEqual(parsed);
  });

  it('are not used for a file whose text changed: an edited drill is parsed and checked again', async () => {
    const { drills, config, checked } = await builtInCopy();
    const file = path.join(drills, 'drop-orders-table.yaml');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/^title: .*$/m, 'title: renamed by hand').replace(/^kind: .*$/m, 'kind: drop-tabel'));
    const answering = counting(checked);
    const result = await loadCatalogue(config, { builtInDir: drills, checkedDrills: answering });
    expect(answering.answered).toBe(6);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(formatProblem).join('\n')).toMatch(/drop-orders-table\.yaml:\d+:\d+: kind: unknown drill kind "drop-tabel"; did you mean "drop-table"/);
  });

  it('only a clean drill is shipped: a warning or a problem stops the build', async () => {
    const { drills } = await builtInCopy();
    await writeFile(path.join(drills, 'broken.yaml'), 'id: broken\ntitle: no kind\n');
    await expect(checkBuiltInDrills(drills)).rejects.toThrow(/the built-in drill .*broken\.yaml is not clean:\n.*missing required key "kind"/);
  });

  it('a build without the file checks every drill from its text', async () => {
    const { dir, drills } = await builtInCopy();
    expect(await readCheckedDrills(drills, pathToFileURL(path.join(dir, 'absent.json')))).toBeUndefined();
  });
});
