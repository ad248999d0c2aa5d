import path from 'node:path';
import { builtInDrillsDir, displayPath, entryKind, listYamlFiles, packageRoot } from './catalogue-files.js';

export { defaultConfigPath } from './catalogue-files.js';
import { Config } from '../config/config-schema.js';
import { readCheckedDrills, type CheckedDrills } from './checked-drills.js';
import { crossCheck } from './cross-check.js';
import { delayedReplicaWarnings } from './replica-warnings.js';
import { pagesAccessWarnings } from './pages-warnings.js';
import { readDrillFile } from './drill-file.js';
import type { DrillFileResult, LoadedDrill } from './loaded-drill.js';
import type { Drill } from './drill-schema.js';
import { sortProblems, type Problem } from './problems.js';
import { isRecord } from './schema-walk.js';
import { atPath, problemAt, readYamlFile, type YamlSource } from './yaml-source.js';
import { validateSource } from './zod-problems.js';

export { effectiveDrill } from './effective.js';
export { resolveSecret } from './secrets.js';

export interface Catalogue {
  /** As the user gave it; used in messages. */
  configPath: string;
  /** Absolute folder of the config file: `catalogue:` entries and `{file:}` secrets are relative to it. */
  configDir: string;
  config: Config;
  drills: Map<string, { drill: Drill; file: string }>;
}

/** `warnings` (valid, but not measuring what the drill means to) never make a load fail; `problems` on failure include them. */
export type LoadResult = { ok: true; catalogue: Catalogue; warnings: Problem[] } | { ok: false; problems: Problem[] };

export interface LoadOptions {
  /** Where the built-in drills are; tests point it at fixtures. Default: the package's `drills/`. */
  builtInDir?: string;
  /** The built-in drills as a build checked them. Default: this build's, for the package's `drills/` only. */
  checkedDrills?: CheckedDrills;
}

/**
 * Loads a config file and every drill it brings in (the built-in catalogue unless
 * `builtInDrills: false`, plus its `catalogue:` entries), and checks them together.
 * Every problem in every file is returned at once; nothing throws for bad input.
 */
export async function loadCatalogue(configPath: string, options: LoadOptions = {}): Promise<LoadResult> {
  const read = await readYamlFile(configPath, missingConfigHint(configPath));
  if (!read.ok) return read;
  return loadFromSource(configPath, read.source, options);
}

async function loadFromSource(configPath: string, source: YamlSource, options: LoadOptions): Promise<LoadResult> {
  const validated = validateSource(Config, source);
  const problems: Problem[] = validated.ok ? [] : [...validated.problems];
  // Even when the config is invalid, its drills are still read, so one run shows everything.
  const raw = isRecord(source.data) ? source.data : {};
  const builtIn = validated.ok ? validated.value.builtInDrills : raw.builtInDrills !== false;
  const entries: unknown[] = validated.ok ? validated.value.catalogue : Array.isArray(raw.catalogue) ? raw.catalogue : [];

  const files: string[] = [];
  if (builtIn) files.push(...(await listYamlFiles(options.builtInDir ?? builtInDrillsDir())).map((file) => displayPath(file)));
  for (const [index, entry] of entries.entries()) {
    if (typeof entry !== 'string') continue;
    const target = path.isAbsolute(entry) ? entry : path.join(path.dirname(configPath), entry);
    const where = ['catalogue', index];
    const kind = await entryKind(target);
    if (kind === 'missing') {
      problems.push(problemAt(source, where, atPath(where, `no file or folder "${entry}" (paths are relative to the config file)`)));
    } else if (kind === 'file') {
      files.push(target);
    } else {
      // A folder next to the config may hold the config itself: that is not a drill.
      const inFolder = (await listYamlFiles(target)).filter((file) => path.resolve(file) !== path.resolve(configPath));
      if (inFolder.length === 0) problems.push(problemAt(source, where, atPath(where, `folder "${entry}" has no .yaml or .yml files`)));
      files.push(...inFolder);
    }
  }

  const checked = builtIn ? (options.checkedDrills ?? (options.builtInDir === undefined ? await readCheckedDrills(builtInDrillsDir()) : undefined)) : undefined;
  const { drills, brokenIds, problems: drillProblems } = await loadDrills(files, checked);
  problems.push(...drillProblems);
  const warnings = [...drills.values()].flatMap((loaded) => loaded.warnings);
  if (!validated.ok) return { ok: false, problems: sortProblems([...problems, ...warnings]) };
  problems.push(...crossCheck(validated.value, source, drills, brokenIds));
  warnings.push(...delayedReplicaWarnings(validated.value, source, drills), ...pagesAccessWarnings(validated.value, source));
  if (problems.length > 0) return { ok: false, problems: sortProblems([...problems, ...warnings]) };

  const catalogue: Catalogue = {
    configPath,
    configDir: path.dirname(path.resolve(configPath)),
    config: validated.value,
    drills: new Map([...drills].map(([id, loaded]) => [id, { drill: loaded.drill, file: loaded.file }])),
  };
  return { ok: true, catalogue, warnings: sortProblems(warnings) };
}

/** Reads drill files in order; an id defined twice is reported on the second definition. */
async function loadDrills(files: readonly string[], checked: CheckedDrills | undefined): Promise<{ drills: Map<string, LoadedDrill>; brokenIds: Set<string>; problems: Problem[] }> {
  const problems: Problem[] = [];
  const loaded: LoadedDrill[] = [];
  const brokenIds = new Set<string>();
  // The same file reached twice (a folder and a file in it) is one definition, not a duplicate.
  const seen = new Set<string>();
  const distinct = files.filter((file) => !seen.has(path.resolve(file)) && seen.add(path.resolve(file)));
  for (const result of await readSideBySide(distinct, checked)) {
    if (result.ok) {
      loaded.push(result.loaded);
    } else {
      problems.push(...result.problems);
      if (result.id !== undefined) brokenIds.add(result.id);
    }
  }
  const merged = mergeDrills(loaded);
  return { drills: merged.drills, brokenIds, problems: [...problems, ...merged.problems] };
}

/**
 * Up to READERS files are read at once, and the results come back in the files' order:
 * waiting for each file in turn was most of a small catalogue's load, and a large one must
 * not open all its files at once.
 */
const READERS = 16;
async function readSideBySide(files: readonly string[], checked: CheckedDrills | undefined): Promise<DrillFileResult[]> {
  const results: DrillFileResult[] = new Array(files.length);
  let next = 0;
  const reader = async () => {
    for (let index = next++; index < files.length; index = next++) results[index] = await readDrillFile(files[index]!, checked);
  };
  await Promise.all(Array.from({ length: Math.min(READERS, files.length) }, reader));
  return results;
}

function mergeDrills(loaded: readonly LoadedDrill[]): { drills: Map<string, LoadedDrill>; problems: Problem[] } {
  const drills = new Map<string, LoadedDrill>();
  const problems: Problem[] = [];
  for (const drill of loaded) {
    const first = drills.get(drill.drill.id);
    if (first === undefined) {
      drills.set(drill.drill.id, drill);
      continue;
    }
    const message = `id: drill "${drill.drill.id}" is already defined at ${first.file}:${first.line}; give this one another id`;
    problems.push({ file: drill.file, line: drill.line, col: drill.col, message });
  }
  return { drills, problems };
}

/**
 * Validates files named on the command line: a file with `environments:` (or `trust:`) at the top is
 * a config (checked with all its drills), anything else a single drill. Drill files
 * given together are also checked for duplicate ids.
 */
export async function validateFiles(paths: string[], options: LoadOptions = {}): Promise<Problem[]> {
  const { validateDrillSource } = await import('./drill-validation.js');
  const problems: Problem[] = [];
  const standalone: LoadedDrill[] = [];
  for (const file of paths) {
    const read = await readYamlFile(file);
    if (!read.ok) {
      problems.push(...read.problems);
    } else if (isRecord(read.source.data) && ('environments' in read.source.data || 'trust' in read.source.data)) {
      const result = await loadFromSource(file, read.source, options);
      problems.push(...(result.ok ? result.warnings : result.problems));
    } else {
      const result = validateDrillSource(read.source);
      if (result.ok) standalone.push(result.loaded);
      else problems.push(...result.problems);
    }
  }
  problems.push(...mergeDrills(standalone).problems, ...standalone.flatMap((loaded) => loaded.warnings));
  return sortProblems(problems);
}

/** `firedrill.yaml` in `cwd` when there is one, else the documented example next to it. */
function missingConfigHint(configPath: string): string {
  const example = displayPath(path.join(packageRoot(), 'drills.example.yaml'));
  return `create one from the documented example: cp ${example} ${configPath}, then edit its environments`;
}
