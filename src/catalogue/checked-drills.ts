import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Drill } from './drill-schema.js';

/**
 * The built-in drills as the build checked them (scripts/build.mjs writes them next to the
 * bundle): every start of `serve` and every `validate` used to parse and check the same seven
 * files again, about a quarter of their start. A file is taken from here only when its text is
 * byte for byte the one the build checked (its SHA-256), so an edited built-in drill is parsed
 * and checked as any other file. Run from the sources (tests, tsx) there is no such file.
 */
export const CHECKED_DRILLS_FILE = 'built-in-drills.json';

export interface CheckedDrill {
  /** The file's name in the built-in folder. */
  name: string;
  sha256: string;
  drill: Drill;
  /** Where its `id` is, for "already defined at" messages. */
  line: number;
  col: number;
}

export interface CheckedDrills {
  /** The drill the build checked for this file, when the file is one of them, unchanged. */
  lookup(file: string, text: string): Omit<CheckedDrill, 'name' | 'sha256'> | undefined;
}

export function textDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The checked built-in drills of this build, for the files in `builtInDir`; undefined without a build's file. */
export async function readCheckedDrills(builtInDir: string, from = new URL(`../${CHECKED_DRILLS_FILE}`, import.meta.url)): Promise<CheckedDrills | undefined> {
  let entries: CheckedDrill[];
  try {
    entries = (JSON.parse(await readFile(fileURLToPath(from), 'utf8')) as { drills: CheckedDrill[] }).drills;
  } catch {
    return undefined;
  }
  const byPath = new Map(entries.map((entry) => [path.resolve(builtInDir, entry.name), entry]));
  return {
    lookup(file, text) {
      const entry = byPath.get(path.resolve(file));
      if (!entry || entry.sha256 !== textDigest(text)) return undefined;
      return { drill: entry.drill, line: entry.line, col: entry.col };
    },
  };
}
