import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding package.json, found by walking up from this module: the code runs
 * from `src/catalogue/` (vitest, tsx), `dist/src/catalogue/` (compiled) and `dist/chunks/` (the bundle), so a
 * fixed number of `..` would be right in only one of them.
 */
export function packageRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`firedrill: no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

/** The built-in catalogue that ships with firedrill. */
export function builtInDrillsDir(): string {
  return path.join(packageRoot(), 'drills');
}

const YAML_FILE = /\.ya?ml$/i;

/** `*.yaml` / `*.yml` directly in `dir`, sorted so loading (and duplicate reports) is stable. */
export async function listYamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && YAML_FILE.test(entry.name))
    .map((entry) => path.join(dir, entry.name))
    .sort();
}

/** What a catalogue entry names: a file, a folder of YAML files, or nothing. */
export async function entryKind(target: string): Promise<'file' | 'folder' | 'missing'> {
  try {
    return (await stat(target)).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
}

/** Paths in messages are relative to the working directory when that is shorter, as compilers print them. */
export function displayPath(file: string, cwd = process.cwd()): string {
  if (!path.isAbsolute(file)) return file;
  const relative = path.relative(cwd, file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

/** `firedrill.yaml` in the folder, else the documented example; here, not in load.ts, so that `--help` needs no schema. */
export function defaultConfigPath(cwd: string = process.cwd()): string {
  const own = path.join(cwd, 'firedrill.yaml');
  return displayPath(existsSync(own) ? own : path.join(cwd, 'drills.example.yaml'));
}
