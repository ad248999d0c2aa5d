import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { listYamlFiles } from './catalogue-files.js';
import { textDigest, type CheckedDrill } from './checked-drills.js';
import { validateDrillSource } from './drill-validation.js';
import { formatProblem } from './problems.js';
import { parseYaml } from './yaml-source.js';

/**
 * Checks every drill in `dir` as a start would, for the build to ship (checked-drills.ts). A
 * built-in drill must be clean: a problem or a warning stops the build.
 */
export async function checkBuiltInDrills(dir: string): Promise<{ drills: CheckedDrill[] }> {
  const drills: CheckedDrill[] = [];
  for (const file of await listYamlFiles(dir)) {
    const text = await readFile(file, 'utf8');
    const parsed = parseYaml(text, file);
    const result = parsed.ok ? validateDrillSource(parsed.source) : parsed;
    const problems = result.ok ? result.loaded.warnings : result.problems;
    if (!result.ok || problems.length > 0) throw new Error(`the built-in drill ${file} is not clean:\n${problems.map(formatProblem).join('\n')}`);
    const { drill, line, col } = result.loaded;
    drills.push({ name: path.basename(file), sha256: textDigest(text), drill, line, col });
  }
  return { drills };
}
